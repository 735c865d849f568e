"""The gpu-queue worker: MONAI bundles, brain-tumour inference and local training; no Django.

Start one worker per GPU::

    celery -A workers.gpu worker -Q gpu --concurrency 1

Importing this package is cheap: the Celery app (``workers.gpu.app``) and torch load only when
something asks for them, so ``python -m workers.gpu.train`` never touches the broker.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # ``celery -A workers.gpu`` looks up ``workers.gpu.app`` and wants the Celery instance, but
    # importing the submodule binds the *module* under that name. Rebind it to the instance.
    if name == "app":
        from workers.gpu.app import app as celery_app

        globals()["app"] = celery_app
        return celery_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
