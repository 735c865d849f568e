"""One inference job against a site: claim, fetch, contour, store, complete, or fail once."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydicom import Dataset

from workers.gpu.bundle_cache import BundleCache
from workers.gpu.errors import PermanentError, failure_reason, is_transient
from workers.gpu.pipeline import study_contour
from workers.gpu.results import StudyResult, object_reference
from workers.gpu.site_api import Job, LeaseLost, SiteClient
from workers.gpu.uids import result_uids

log = logging.getLogger(__name__)


class ImageStore(Protocol):
    """Where studies come from and results go: ``workers.gpu.archive.Archive`` (DICOMweb)."""

    def series_fetch(self, study_uid: str,
                     sequences: Mapping[str, str]) -> dict[str, list[Dataset]]: ...

    def store(self, datasets: Sequence[Dataset], study_uid: str) -> None: ...


@dataclass(frozen=True)
class WorkerContext:
    site: SiteClient
    archive: ImageStore
    bundles: BundleCache
    worker_name: str


@dataclass(frozen=True)
class Lease:
    """A claimed job: progress and the outcome are reported under its token."""

    site: SiteClient
    job_id: int
    token: str

    def __call__(self, percent: int, stage: str) -> None:
        # The log line's timestamp dates each stage for the benchmark (bench/inference.py).
        log.info("job %s: %s (%d%%)", self.job_id, stage, percent)
        self.site.job_progress(self.job_id, self.token, percent, stage)


def completion_body(result: StudyResult) -> dict[str, object]:
    return {
        "seg": object_reference(result.seg),
        "rtstruct": object_reference(result.rtstruct),
        "structures": [{"name": name, "volume_ml": ml}
                       for name, ml in result.volumes_ml.items()],
    }


def _run(job: Job, context: WorkerContext, lease: Lease) -> None:
    lease(5, "fetching")
    bundle = context.bundles.bundle(job.model)
    missing = [name for name in bundle.channels if name not in job.sequences]
    if missing:
        raise PermanentError(f"No {', '.join(missing)} series is assigned to this study; "
                             "set the sequence mapping and run the job again.")
    series = context.archive.series_fetch(
        job.study_instance_uid, {name: job.sequences[name] for name in bundle.channels})
    uids = result_uids(study_uid=job.study_instance_uid, job_id=job.id,
                       model_sha256=job.model.sha256)
    result = study_contour(series, bundle, margins=job.margins, uids=uids, progress=lease)
    lease(90, "storing")
    context.archive.store([result.seg, result.rtstruct], job.study_instance_uid)
    context.site.job_complete(job.id, lease.token, completion_body(result))


def job_run(job_id: int, context: WorkerContext) -> str:
    """Run job ``job_id`` once; returns what happened: done, failed, skipped or lost.

    The model runs at most once per lease: nothing in here retries the whole job (only single
    HTTP calls are retried). Another try is the site's decision, after /fail/ with
    transient=true or when a lease expires.
    """
    token = context.site.job_claim(job_id, context.worker_name)
    if token is None:
        log.info("job %s runs elsewhere or is finished; nothing to do", job_id)
        return "skipped"
    lease = Lease(context.site, job_id, token)
    try:
        _run(context.site.job_get(job_id), context, lease)
        return "done"
    except LeaseLost:
        log.warning("job %s: lease lost, leaving the job to its new owner", job_id)
        return "lost"
    except Exception as error:
        transient = is_transient(error)
        # The traceback goes to the worker log (our exceptions carry no pixel or patient
        # data); the site gets a sentence a person can act on.
        log.error("job %s failed (%s)", job_id, "transient" if transient else "permanent",
                  exc_info=True)
        try:
            context.site.job_fail(job_id, token, failure_reason(error), transient)
        except Exception:  # the site is unreachable: its lease expiry will requeue the job
            log.exception("job %s: could not report the failure", job_id)
        return "failed"
