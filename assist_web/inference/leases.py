"""What a gpu worker does to a job: claim it, report progress, complete it or fail it.

A claim hands out a new random lease token with a conditional UPDATE: the job must be queued,
or running with a heartbeat older than ASSIST_JOB_STALE_SECONDS (its worker is gone). Exactly
one of two racing claims changes the row; the other gets JobConflict and its worker stops. Every
later call must present the current lease, so a worker that lost its job can no longer touch
it, and completing twice with the same lease makes one result.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from pydicom.uid import RTStructureSetStorage, SegmentationStorage

from assist_web.archive.models import Instance
from assist_web.contours.services import StructureSummary, revision_create_from_ai
from assist_web.inference.jobs import job_enqueue
from assist_web.inference.models import Job

# A transient failure (PACS or network hiccup, GPU busy) waits 30 s, then 60 s, ... at most
# 5 min: long enough for a restart to finish, short enough to stay within a working session.
_RETRY_BACKOFF_S = 30
_RETRY_BACKOFF_MAX_S = 300


class JobConflict(Exception):
    """The job is not in a state (or lease) that allows this; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobInvalid(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DicomRef:
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.ASSIST_JOB_STALE_SECONDS)


def job_claim(*, job_id: int, worker: str) -> Job:
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    claimable = Q(state=Job.State.QUEUED) | Q(
        state=Job.State.RUNNING, heartbeat_at__lt=_stale_before()
    )
    changed = Job.objects.filter(
        claimable, pk=job_id, attempt__lt=settings.ASSIST_JOB_MAX_ATTEMPTS
    ).update(
        state=Job.State.RUNNING,
        lease_token=token,
        attempt=F("attempt") + 1,
        heartbeat_at=now,
        worker=worker[:255],
        percent=0,
        stage="claimed",
        error="",
        started_at=now,
        updated_at=now,
    )
    job = Job.objects.select_related("study", "model_version").get(pk=job_id)
    if changed != 1:
        raise JobConflict(_why_not_claimable(job))
    return job


def _why_not_claimable(job: Job) -> str:
    if job.state == Job.State.SUCCEEDED:
        return "The job has already succeeded."
    if job.state == Job.State.FAILED:
        return f"The job has failed: {job.error}"
    if job.state == Job.State.RUNNING and job.attempt < settings.ASSIST_JOB_MAX_ATTEMPTS:
        return f"The job is running on {job.worker or 'another worker'} under a live lease."
    return "The job has used up its attempts."


def _leased(job_id: int, lease_token: str) -> Job:
    job = Job.objects.select_for_update().select_related("study", "model_version").get(pk=job_id)
    # As bytes: compare_digest refuses str with characters outside ASCII (a hostile token).
    if not lease_token or not secrets.compare_digest(
        job.lease_token.encode(), lease_token.encode()
    ):
        raise JobConflict("This lease is not the job's current lease; another worker holds it.")
    return job


def job_progress(*, job_id: int, lease_token: str, percent: int, stage: str) -> Job:
    now = timezone.now()
    changed = Job.objects.filter(
        pk=job_id, state=Job.State.RUNNING, lease_token=lease_token or "\0"
    ).update(percent=max(0, min(100, percent)), stage=stage[:64], heartbeat_at=now, updated_at=now)
    if changed != 1:
        raise JobConflict("This lease is not current: the job is not running under it.")
    return Job.objects.get(pk=job_id)


def _check_stored(job: Job, ref: DicomRef, sop_class_uid: str, label: str) -> None:
    if ref.study_instance_uid != job.study.study_instance_uid:
        raise JobInvalid(f"The {label} belongs to another study than the job's.")
    stored = Instance.objects.filter(
        sop_instance_uid=ref.sop_instance_uid,
        series__series_instance_uid=ref.series_instance_uid,
        series__study_id=job.study_id,
    ).values_list("sop_class_uid", flat=True)
    if not stored:
        raise JobInvalid(
            f"The {label} {ref.sop_instance_uid} is not in the archive; store it first."
        )
    if stored[0] != sop_class_uid:
        raise JobInvalid(f"The object given as {label} is not a {label}.")


@transaction.atomic
def job_complete(
    *,
    job_id: int,
    lease_token: str,
    seg: DicomRef,
    rtstruct: DicomRef,
    structures: list[StructureSummary],
) -> Job:
    """Record the result and make revision 1; a repeated call with the same lease does nothing."""
    job = _leased(job_id, lease_token)
    if job.state == Job.State.SUCCEEDED:
        return job
    if job.state != Job.State.RUNNING:
        raise JobConflict(f"The job is {job.state}, not running; it cannot complete.")
    _check_stored(job, seg, SegmentationStorage, "SEG")
    _check_stored(job, rtstruct, RTStructureSetStorage, "RTSTRUCT")
    revision = revision_create_from_ai(
        job=job,
        seg_uid=seg.sop_instance_uid,
        rtstruct_uid=rtstruct.sop_instance_uid,
        structures=structures,
    )
    job.state = Job.State.SUCCEEDED
    job.percent = 100
    job.stage = "done"
    job.error = ""
    job.finished_at = timezone.now()
    job.result = {
        "seg": seg.__dict__,
        "rtstruct": rtstruct.__dict__,
        "structures": [s.as_json() for s in structures],
        "revision_id": revision.pk,
        "structure_set_id": revision.structure_set_id,
    }
    job.save()
    return job


@transaction.atomic
def job_fail(*, job_id: int, lease_token: str, reason: str, transient: bool) -> Job:
    """A transient failure queues the job again after a backoff, until attempts run out."""
    job = _leased(job_id, lease_token)
    if job.state in (Job.State.QUEUED, Job.State.FAILED):
        return job  # this lease already ended in a failure: the same report sent again
    if job.state != Job.State.RUNNING:
        raise JobConflict(f"The job is {job.state}, not running; it cannot fail.")
    job.error = reason
    if transient and job.attempt < settings.ASSIST_JOB_MAX_ATTEMPTS:
        job.state = Job.State.QUEUED
        job.stage = f"retrying after attempt {job.attempt}"
        delay = min(_RETRY_BACKOFF_S * 2 ** (job.attempt - 1), _RETRY_BACKOFF_MAX_S)
        job_enqueue(job_id=job.pk, countdown=delay)
    else:
        job.state = Job.State.FAILED
        job.finished_at = timezone.now()
        if transient:
            job.error = f"{reason} (gave up after {job.attempt} attempts)"
    job.save()
    return job
