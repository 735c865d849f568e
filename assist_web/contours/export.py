"""Exporting a revision's RTSTRUCT or SEG: by C-STORE to a destination, or as a download.

Every export is a row (the study's export history). A C-STORE export is queued here and sent
by the default worker (``contours.export_send``), which claims it, sends the stored file and
records what the destination answered.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.archive.models import Instance, Study
from assist_web.archive.store import file_store
from assist_web.celery import app
from assist_web.contours.cstore import DestinationUnreachable, Peer, cstore_send
from assist_web.contours.models import Approval, Export, ExportDestination, Revision

logger = logging.getLogger(__name__)

EXPORT_SEND_TASK = "contours.export_send"
_DEFAULT_QUEUE = "default"
# The send task's retries end within half a minute and one C-STORE of an RTSTRUCT takes
# seconds; an export still queued or sending after this long lost its worker or its message.
STALE_AFTER = timedelta(minutes=10)
WORKER_STOPPED = (
    "The worker stopped while sending; the planning system may not have received it. "
    "Send it again."
)


class ExportRefused(ValueError):
    """The export cannot be made; ``message`` says why, for the person who asked.

    ``conflict`` marks a refusal due to the revision's state rather than the request (409).
    """

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.conflict = conflict


UNAPPROVED = "Approve the revision before sending it to the planning system."


def export_destinations_enabled() -> QuerySet[ExportDestination]:
    return ExportDestination.objects.filter(enabled=True)


def export_history(*, study: Study) -> QuerySet[Export]:
    return Export.objects.filter(revision__structure_set__study=study).select_related(
        "revision", "destination", "requested_by"
    )


def revision_instance(*, revision: Revision, object: str) -> Instance:
    """The archived instance of the revision's RTSTRUCT or SEG.

    For an approved revision the RTSTRUCT is the approved one (Approval Status APPROVED),
    the object the planning system is to receive.
    """
    approval = Approval.objects.filter(revision=revision).first()
    uids = {
        Export.Object.RTSTRUCT: (
            approval.rtstruct_sop_instance_uid if approval else revision.rtstruct_sop_instance_uid
        ),
        Export.Object.SEG: revision.seg_sop_instance_uid,
    }
    if object not in uids:
        raise ExportRefused(f"Unknown object {object!r}; choose rtstruct or seg.")
    label = Export.Object(object).label
    uid = uids[Export.Object(object)]
    instance = Instance.objects.filter(sop_instance_uid=uid).first() if uid else None
    if instance is None:
        raise ExportRefused(f"Revision {revision.number} has no {label} in the archive.")
    return instance


def export_start(
    *,
    revision: Revision,
    destination: ExportDestination,
    requested_by: User,
    objects: Iterable[str] = ("rtstruct",),
) -> list[Export]:
    """Record one C-STORE export per object and queue each for the worker after commit.

    Only an approved revision goes to a planning system; its RTSTRUCT is the approved one.
    """
    if not Approval.objects.filter(revision=revision).exists():
        raise ExportRefused(UNAPPROVED, conflict=True)
    if not destination.enabled:
        raise ExportRefused(f"Destination {destination.name} is disabled.")
    wanted = list(dict.fromkeys(objects))
    if not wanted:
        raise ExportRefused("Choose at least one object to send (rtstruct, seg).")
    instances = {name: revision_instance(revision=revision, object=name) for name in wanted}
    with transaction.atomic():
        exports = [
            Export.objects.create(
                revision=revision,
                destination=destination,
                kind=Export.Kind.CSTORE,
                object=name,
                sop_instance_uid=instance.sop_instance_uid,
                requested_by=requested_by,
            )
            for name, instance in instances.items()
        ]
        for export in exports:
            transaction.on_commit(
                partial(app.send_task, EXPORT_SEND_TASK, args=[export.pk], queue=_DEFAULT_QUEUE)
            )
    return exports


def export_download(*, revision: Revision, object: str, user: User) -> Path:
    """Record a download of the revision's object and return the stored file to serve."""
    instance = revision_instance(revision=revision, object=object)
    Export.objects.create(
        revision=revision,
        kind=Export.Kind.DOWNLOAD,
        object=object,
        sop_instance_uid=instance.sop_instance_uid,
        requested_by=user,
        state=Export.State.SUCCEEDED,
        finished_at=timezone.now(),
    )
    return file_store().absolute(instance.path)


def export_send(*, export_id: int, final_attempt: bool = True) -> None:
    """Send a queued export once; raise DestinationUnreachable to be retried (not final)."""
    # Claim it: only the caller that moves it from queued to sending does the work, so a
    # redelivered message or a second worker finds nothing to do.
    claimed = Export.objects.filter(pk=export_id, state=Export.State.QUEUED).update(
        state=Export.State.SENDING, attempts=F("attempts") + 1
    )
    if claimed != 1:
        logger.info("Export %s is not queued; nothing to do", export_id)
        return
    export = Export.objects.select_related("destination").get(pk=export_id)
    destination = export.destination
    assert destination is not None  # the check constraint holds for C-STORE exports
    peer = Peer(
        name=destination.name,
        host=destination.host,
        port=destination.port,
        called_ae_title=destination.ae_title,
        calling_ae_title=destination.calling_ae_title,
    )
    try:
        instance = Instance.objects.get(sop_instance_uid=export.sop_instance_uid)
        outcome = cstore_send(path=file_store().absolute(instance.path), peer=peer)
    except DestinationUnreachable as exc:
        if final_attempt:
            _finish(export_id, Export.State.FAILED, None, exc.message)
        else:
            # Back in the queue for the task's retry, which claims it again.
            Export.objects.filter(pk=export_id, state=Export.State.SENDING).update(
                state=Export.State.QUEUED, error=exc.message
            )
        raise
    except (Instance.DoesNotExist, FileNotFoundError):
        _finish(export_id, Export.State.FAILED, None, "The object is no longer in the archive.")
        return
    except BaseException:
        _finish(export_id, Export.State.FAILED, None, "Internal error while sending; see the log.")
        raise
    state = Export.State.SUCCEEDED if outcome.ok else Export.State.FAILED
    _finish(export_id, state, outcome.status, outcome.reason)


@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: list[int]


def exports_sweep() -> SweepResult:
    """Exports left behind: queued ones whose message was lost are sent again (the claim in
    ``export_send`` keeps them from going twice); ones left sending by a worker that stopped
    are failed with the reason, since whether the destination stored the object is unknown."""
    cutoff = timezone.now() - STALE_AFTER
    stale = Export.objects.filter(kind=Export.Kind.CSTORE, created_at__lt=cutoff)
    failed = list(stale.filter(state=Export.State.SENDING).values_list("pk", flat=True))
    Export.objects.filter(pk__in=failed, state=Export.State.SENDING).update(
        state=Export.State.FAILED, error=WORKER_STOPPED, finished_at=timezone.now()
    )
    requeued = list(stale.filter(state=Export.State.QUEUED).values_list("pk", flat=True))
    for export_id in requeued:
        app.send_task(EXPORT_SEND_TASK, args=[export_id], queue=_DEFAULT_QUEUE)
    return SweepResult(requeued=requeued, failed=failed)


def _finish(export_id: int, state: str, status_code: int | None, error: str) -> None:
    Export.objects.filter(pk=export_id).update(
        state=state, status_code=status_code, error=error, finished_at=timezone.now()
    )
