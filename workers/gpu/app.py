"""The gpu worker's own Celery app: same broker as the site, its own queue, no Django."""

from typing import Any

from celery import Celery
from celery.signals import worker_init

from workers.broker import celery_settings
from workers.gpu.allocator import allocator_tune
from workers.gpu.config import ConfigurationError, WorkerSettings

QUEUE = "gpu"
INFER_TASK = "assist.infer"

# fixups=[]: Celery installs its Django fixup (django.setup() in every worker) whenever
# DJANGO_SETTINGS_MODULE is set, as it is on a single-machine demo that shares one environment.
# This worker must never load Django, so it gets no fixups at all.
app = Celery("assist_gpu", fixups=[], include=["workers.gpu.tasks"])
app.conf.update(celery_settings())
app.conf.update(
    task_routes={INFER_TASK: {"queue": QUEUE}},
    task_default_queue=QUEUE,
    # One study at a time per GPU: a prefetched second job would sit behind the first while
    # another idle GPU could have taken it.
    worker_prefetch_multiplier=1,
    # Ack after the task returns, and requeue when the worker dies mid-job, so a killed worker
    # leaves its job to be picked up again (the site's claim/lease keeps it exactly-once).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
)


@worker_init.connect
def settings_check(**_: Any) -> None:
    """A worker without a site URL or token refuses to start, rather than take jobs and drop
    them one by one. SystemExit, because Celery logs and ignores Exceptions from handlers."""
    try:
        WorkerSettings.from_env()
    except ConfigurationError as error:
        raise SystemExit(f"ASSIST gpu worker not started: {error}") from error


@worker_init.connect
def memory_reuse(**_: Any) -> None:
    """Freed arrays stay in the worker for the next study (workers/gpu/allocator.py); set before
    the pool starts, so prefork children inherit it."""
    allocator_tune()
