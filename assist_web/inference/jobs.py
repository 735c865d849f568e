"""Making inference jobs: on demand, for studies that went quiet, and again for lost workers.

The gpu worker gets a job by name (``assist.infer`` on the ``gpu`` queue) with the job's id
only; it then claims the job over the REST API (see leases.py). A message delivered twice, or
sent again by ``jobs_requeue_stale``, is harmless: the claim decides who runs a job.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.celery import app
from assist_web.inference.models import Job
from assist_web.inference.services import model_version_active
from assist_web.inference.study_sequences import study_sequences_get

logger = logging.getLogger(__name__)

INFER_TASK = "assist.infer"
GPU_QUEUE = "gpu"
# Studies that arrived longer ago than this are never picked up automatically, so activating
# a new model does not queue the whole archive; anyone can still ask for a job on demand.
_AUTO_LOOKBACK = timedelta(days=2)


class JobRefused(ValueError):
    """No job can be made; ``message`` says why, for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def job_enqueue(*, job_id: int, countdown: float | None = None) -> None:
    """Send the gpu task once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(
        partial(
            app.send_task, INFER_TASK, args=[job_id], queue=GPU_QUEUE, countdown=countdown or None
        )
    )


def job_create(*, study: Study, requested_by: User | None = None) -> Job:
    model_version = model_version_active()
    if model_version is None:
        raise JobRefused("No model version is active; a site admin must activate one first.")
    sequences = study_sequences_get(study=study)
    if sequences.missing:
        names = ", ".join(kind.value for kind in sequences.missing)
        raise JobRefused(
            f"The study has no {names} series that could be identified; upload it, or choose "
            "the series by hand under Sequences."
        )
    try:
        with transaction.atomic():
            job = Job.objects.create(
                study=study,
                model_version=model_version,
                requested_by=requested_by,
                sequences=sequences.series_uids(),
                ctv_margin_mm=settings.ASSIST_CTV_MARGIN_MM,
                ptv_margin_mm=settings.ASSIST_PTV_MARGIN_MM,
                stage="waiting for a GPU worker",
            )
            job_enqueue(job_id=job.pk)
    except IntegrityError:
        # The partial unique index: a live job for this study and model exists already.
        raise JobRefused(
            f"A job for this study with {model_version} is already queued or running."
        ) from None
    return job


def jobs_create_for_settled_studies() -> list[int]:
    """Jobs for MR studies quiet for the settle time that the active model has not seen."""
    model_version = model_version_active()
    if model_version is None:
        return []
    now = timezone.now()
    candidates = (
        Study.objects.filter(
            last_received_at__lte=now - timedelta(seconds=settings.ASSIST_STUDY_SETTLE_SECONDS),
            last_received_at__gte=now - _AUTO_LOOKBACK,
            modalities__contains="MR",
        )
        .exclude(jobs__model_version=model_version)
        .order_by("last_received_at")
    )
    created = []
    for study in candidates:
        try:
            created.append(job_create(study=study).pk)
        except JobRefused as refusal:
            logger.debug("no job for study %s: %s", study.pk, refusal.message)
    return created


def jobs_requeue_stale() -> list[int]:
    """Give back jobs whose worker went silent; re-send queued jobs whose message was lost.

    A worker that stops sending progress for ASSIST_JOB_STALE_SECONDS is taken as dead (killed,
    out of memory, machine gone). Its job goes back to the queue, or fails once it has used up
    ASSIST_JOB_MAX_ATTEMPTS. Each change is a conditional update, so a worker that reports
    between the read and the write keeps its job.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.ASSIST_JOB_STALE_SECONDS)
    max_attempts = settings.ASSIST_JOB_MAX_ATTEMPTS
    stale = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
    stale.filter(attempt__gte=max_attempts).update(
        state=Job.State.FAILED,
        error=f"The worker stopped responding; gave up after {max_attempts} attempts.",
        finished_at=now,
        updated_at=now,
    )
    requeued = []
    with transaction.atomic():
        for job_id in stale.filter(attempt__lt=max_attempts).values_list("pk", flat=True):
            changed = Job.objects.filter(
                pk=job_id, state=Job.State.RUNNING, heartbeat_at__lt=cutoff
            ).update(state=Job.State.QUEUED, stage="worker lost; queued again", updated_at=now)
            if changed == 1:
                requeued.append(job_id)
                job_enqueue(job_id=job_id)
        # A queued job nobody claimed for the stale time: its message may be lost (a broker
        # restarted without persistence). A second message is harmless.
        for job_id in Job.objects.filter(state=Job.State.QUEUED, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        ):
            Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(updated_at=now)
            requeued.append(job_id)
            job_enqueue(job_id=job_id)
    return requeued
