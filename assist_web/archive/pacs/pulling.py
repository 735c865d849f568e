"""Running one PACS pull: find its studies, fetch each instance, ingest it, keep the tally.

Instances are fetched and ingested one at a time so that memory stays bounded by the largest
instance, not the study, and a pull that fails half-way keeps what it stored: pulling again
finishes the job, the instances already here counting as duplicates.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from assist_web.accounts.models import AuditEvent
from assist_web.archive.ingest import IngestResult, Outcome, instance_ingest
from assist_web.archive.ingest_results import refusal_result
from assist_web.archive.models import PacsPull
from assist_web.archive.pacs.client import InstanceRef, PacsConnection, PacsError, study_filters
from assist_web.archive.parsing import parse_part10
from assist_web.archive.refusals import DicomRejected
from assist_web.celery import app

logger = logging.getLogger(__name__)

PACS_PULL_TASK = "archive.pacs_pull_run"
# One instance comes from a PACS in seconds, and retries of a request end within a minute; a
# running pull that has fetched nothing for this long lost its worker.
STALE_AFTER = timedelta(minutes=10)
WORKER_STOPPED = (
    "The worker stopped during the pull; what it stored is kept. Start the pull again to "
    "fetch the rest."
)

_COUNTER = {
    Outcome.STORED: "num_stored",
    Outcome.DUPLICATE: "num_duplicate",
    Outcome.REFUSED: "num_refused",
}


@dataclass
class _Refusals:
    count: int = 0
    first: str = ""
    studies: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.count:
            return ""
        return f"{self.count} object(s) refused by the archive; first: {self.first}"


def pacs_pull_execute(*, pull_id: int) -> None:
    # Claim the pull: only the caller that moves it from queued to running does the work, so
    # a redelivered message or a second worker finds nothing to do.
    claimed = PacsPull.objects.filter(pk=pull_id, state=PacsPull.State.QUEUED).update(
        state=PacsPull.State.RUNNING, started_at=timezone.now(), progressed_at=timezone.now()
    )
    if claimed != 1:
        logger.info("PACS pull %s is not queued; nothing to do", pull_id)
        return
    pull = PacsPull.objects.select_related("remote", "requested_by").get(pk=pull_id)
    refusals = _Refusals()
    try:
        _pull(pull, refusals)
    except PacsError as exc:
        _finish(pull_id, PacsPull.State.FAILED, exc.message)
    except BaseException:
        # Not a PACS problem: record that the pull ended, then let the worker log the error.
        _finish(pull_id, PacsPull.State.FAILED, "Internal error while pulling; see the worker log.")
        raise
    else:
        _finish(pull_id, PacsPull.State.SUCCEEDED, refusals.summary())
    finally:
        _audit(pull, refusals.studies)


def _pull(pull: PacsPull, refusals: _Refusals) -> None:
    remote = pull.remote
    if not remote.enabled:
        raise PacsError(f"PACS {remote.name} has been disabled by a site admin.")
    connection = PacsConnection(remote)
    study_uids = _study_uids(connection, pull)
    PacsPull.objects.filter(pk=pull.pk).update(num_studies=len(study_uids))
    for study_uid in study_uids:
        refs = connection.instances_list(study_uid=study_uid)
        if not refs:
            raise PacsError(f"PACS {remote.name} holds no instances of study {study_uid}.")
        refusals.studies.append(study_uid)
        for ref in refs:
            result = _instance_pull(connection, ref)
            PacsPull.objects.filter(pk=pull.pk).update(
                progressed_at=timezone.now(),
                **{_COUNTER[result.outcome]: F(_COUNTER[result.outcome]) + 1},
            )
            if result.outcome == Outcome.REFUSED:
                logger.warning(
                    "PACS pull %s: %s refused: %s", pull.pk, ref.sop_instance_uid, result.reason
                )
                refusals.count += 1
                refusals.first = refusals.first or result.reason


def _study_uids(connection: PacsConnection, pull: PacsPull) -> list[str]:
    if pull.study_instance_uid:
        return [pull.study_instance_uid]
    filters = study_filters(
        patient_id=pull.patient_id, date_from=pull.date_from, date_to=pull.date_to
    )
    studies = connection.studies_all(filters=filters)
    if not studies:
        raise PacsError(f"No study on PACS {connection.remote_name} matches this query.")
    return sorted({s.study_instance_uid for s in studies})


def _instance_pull(connection: PacsConnection, ref: InstanceRef) -> IngestResult:
    if not ref.valid:
        return IngestResult(
            outcome=Outcome.REFUSED,
            reason="The PACS listed an instance with an invalid UID.",
            sop_instance_uid=ref.sop_instance_uid[:64],
        )
    data = connection.instance_retrieve(ref)
    try:
        header = parse_part10(data)
    except DicomRejected as refusal:
        return refusal_result(refusal)
    sent = InstanceRef(
        study_instance_uid=header.text("StudyInstanceUID"),
        series_instance_uid=header.text("SeriesInstanceUID"),
        sop_instance_uid=header.text("SOPInstanceUID"),
    )
    if sent != ref:
        # A PACS answering with another object (another study's, even another patient's)
        # must not place it in the archive under the pull's name.
        return IngestResult(
            outcome=Outcome.REFUSED,
            reason="The PACS answered with another object than the instance asked for.",
            sop_instance_uid=ref.sop_instance_uid,
        )
    return instance_ingest(data=data)


@dataclass(frozen=True)
class PullSweep:
    requeued: list[int]
    failed: list[int]


def pacs_pulls_sweep() -> PullSweep:
    """Pulls left behind: queued ones whose message was lost are queued again (the claim keeps
    them from running twice); running ones silent for STALE_AFTER lost their worker and fail
    with the reason, keeping what they stored."""
    cutoff = timezone.now() - STALE_AFTER
    running = PacsPull.objects.filter(state=PacsPull.State.RUNNING, progressed_at__lt=cutoff)
    failed = list(running.values_list("pk", flat=True))
    PacsPull.objects.filter(pk__in=failed, state=PacsPull.State.RUNNING).update(
        state=PacsPull.State.FAILED, error=WORKER_STOPPED, finished_at=timezone.now()
    )
    queued = PacsPull.objects.filter(state=PacsPull.State.QUEUED, created_at__lt=cutoff)
    requeued = list(queued.values_list("pk", flat=True))
    for pull_id in requeued:
        app.send_task(PACS_PULL_TASK, args=[pull_id], queue="default")
    return PullSweep(requeued=requeued, failed=failed)


def _finish(pull_id: int, state: str, error: str) -> None:
    PacsPull.objects.filter(pk=pull_id).update(state=state, error=error, finished_at=timezone.now())
    logger.info("PACS pull %s %s", pull_id, state)


def _audit(pull: PacsPull, study_uids: list[str]) -> None:
    """One audit row per study fetched, in the name of who asked for the pull.

    audit_record() needs a request; a pull runs in a worker, so its rows are written here.
    """
    user = pull.requested_by
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=user,
            username=user.get_username() if user else "",
            action=AuditEvent.Action.PULL,
            study_uid=uid,
            resource=f"pacs/{pull.remote.pk}/pull/{pull.pk}",
        )
        for uid in (study_uids or [""])
    )
