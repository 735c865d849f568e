"""Synthetic brain-tumour MR studies for demos, tests and CPU training; no Django.

    phantom = make_phantom(seed=7, site="lund", grid="small")
    files = write_phantom_study(phantom, Path("out"))

Each study has T1, T1C (post-gadolinium 3D, the reference grid), T2 and FLAIR series in one
frame of reference, and BraTS labels (0 background, 1 necrotic core, 2 oedema, 3 enhancing
tumour) on the T1C grid. Same seed, site and grid give byte-identical files.
"""

from workers.phantoms.geometry import SeriesGeometry, SeriesGrid, resample_nearest
from workers.phantoms.grids import CLINICAL, GRIDS, SMALL, Grid
from workers.phantoms.phantom import LABEL_SEQUENCE, Phantom, SeriesVolume, make_phantom
from workers.phantoms.scanner import PROFILES, ScannerProfile
from workers.phantoms.sequences import Sequence
from workers.phantoms.study import PhantomFiles, write_phantom_study
from workers.phantoms.tissue import LABEL_NAMES, Label, Tissue

__all__ = [
    "CLINICAL",
    "GRIDS",
    "LABEL_NAMES",
    "LABEL_SEQUENCE",
    "PROFILES",
    "SMALL",
    "Grid",
    "Label",
    "Phantom",
    "PhantomFiles",
    "ScannerProfile",
    "SeriesGeometry",
    "SeriesGrid",
    "SeriesVolume",
    "Sequence",
    "Tissue",
    "make_phantom",
    "resample_nearest",
    "write_phantom_study",
]
