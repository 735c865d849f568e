"""What the API asks of remote PACS: list them, search one, start a pull."""

from datetime import date
from functools import partial

from django.db import transaction
from django.db.models import QuerySet

from assist_web.accounts.models import User
from assist_web.archive.models import PacsPull, RemotePacs
from assist_web.archive.pacs.answers import StudySummary
from assist_web.archive.pacs.client import PacsConnection, study_filters
from assist_web.archive.store import uid_is_valid
from assist_web.archive.tasks import pacs_pull_run


class PacsQueryInvalid(ValueError):
    """The request cannot be sent to a PACS; ``message`` says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pacs_remotes_enabled() -> QuerySet[RemotePacs]:
    return RemotePacs.objects.filter(enabled=True)


def pacs_search(
    *,
    remote: RemotePacs,
    patient_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[StudySummary]:
    """QIDO-RS study search; raises PacsError when the PACS cannot answer."""
    # An unfiltered search would list the whole PACS; ask for a patient or a date range.
    if not (patient_id or date_from or date_to):
        raise PacsQueryInvalid("Give a PatientID or a StudyDate (or both) to search a PACS.")
    _check_dates(date_from, date_to)
    filters = study_filters(patient_id=patient_id, date_from=date_from, date_to=date_to)
    return PacsConnection(remote).studies_search(filters=filters)


def pacs_pull_start(
    *,
    remote: RemotePacs,
    requested_by: User,
    study_uid: str | None = None,
    patient_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> PacsPull:
    """Record a pull and queue it for the default worker once the row is committed."""
    if not remote.enabled:
        raise PacsQueryInvalid(f"PACS {remote.name} is disabled.")
    if study_uid and (patient_id or date_from or date_to):
        raise PacsQueryInvalid("Give either study_uid, or patient_id with a date range; not both.")
    if study_uid and not uid_is_valid(study_uid):
        raise PacsQueryInvalid("study_uid is not a valid DICOM UID.")
    # Pulling every study in a date range without a patient would copy a PACS wholesale.
    if not study_uid and not patient_id:
        raise PacsQueryInvalid("Give a study_uid, or a patient_id (optionally with dates).")
    _check_dates(date_from, date_to)
    with transaction.atomic():
        pull = PacsPull.objects.create(
            remote=remote,
            requested_by=requested_by,
            study_instance_uid=study_uid or "",
            patient_id=patient_id or "",
            date_from=date_from,
            date_to=date_to,
        )
        transaction.on_commit(partial(pacs_pull_run.delay, pull.pk))
    return pull


def _check_dates(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise PacsQueryInvalid("The date range ends before it starts.")
