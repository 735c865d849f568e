"""The gpu queue's task: ``assist.infer(job_id)``, enqueued by the site by name."""

import functools

from workers.gpu.app import INFER_TASK, app
from workers.gpu.archive import Archive
from workers.gpu.bundle_cache import BundleCache
from workers.gpu.config import WorkerSettings
from workers.gpu.job import WorkerContext, job_run
from workers.gpu.site_api import SiteClient


@functools.cache
def worker_context() -> WorkerContext:
    """One per worker process: HTTP sessions and loaded bundles outlive single jobs."""
    settings = WorkerSettings.from_env()
    site = SiteClient(settings.site_url, settings.token)
    return WorkerContext(
        site=site,
        archive=Archive(settings.site_url, settings.token),
        bundles=BundleCache(settings.cache_dir / "bundles", site.bundle_download),
        worker_name=settings.worker_name,
    )


# No autoretry: a job that failed was reported through /fail/, and the site decides whether
# to requeue it. Retrying here could run the model twice for one lease.
@app.task(name=INFER_TASK, ignore_result=True)
def infer(job_id: int) -> str:
    return job_run(int(job_id), worker_context())
