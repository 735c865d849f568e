"""Django-free code: DICOM geometry, phantoms, broker configuration and the gpu-queue worker.

Only the modules that the gpu worker itself runs import torch; everything else here may be
imported by ``assist_web``.
"""
