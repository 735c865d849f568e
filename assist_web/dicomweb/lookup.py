"""Finding stored instances by the UIDs of a WADO-RS URL, with one query and a clear 404."""

import functools
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from assist_web.archive.models import Instance, Series, Study
from assist_web.archive.sql_names import table_name
from assist_web.archive.store import file_store, uid_is_valid
from assist_web.dicomweb.errors import BadRequest, NotFound


@dataclass(frozen=True)
class StoredInstance:
    study_uid: str
    series_uid: str
    sop_uid: str
    transfer_syntax_uid: str
    number_of_frames: int
    path: Path
    size: int
    sha256: str


_FIELDS = (
    "series__study__study_instance_uid",
    "series__series_instance_uid",
    "sop_instance_uid",
    "transfer_syntax_uid",
    "number_of_frames",
    "path",
    "size",
    "sha256",
)


def _checked(*uids: str | None) -> None:
    for uid in uids:
        if uid is not None and not uid_is_valid(uid):
            raise BadRequest(f"'{uid}' in the URL is not a valid DICOM UID.")


def _scope(study: str, series: str | None, sop: str | None) -> dict[str, str]:
    _checked(study, series, sop)
    scope = {"series__study__study_instance_uid": study}
    if series is not None:
        scope["series__series_instance_uid"] = series
    if sop is not None:
        scope["sop_instance_uid"] = sop
    return scope


def _what(series: str | None, sop: str | None) -> str:
    return "instance" if sop else "series" if series else "study"


def instances_find(
    *, study: str, series: str | None = None, sop: str | None = None
) -> list[StoredInstance]:
    """Stored instances under a study, series or one instance, in display order; 404 if none."""
    rows = (
        Instance.objects.filter(**_scope(study, series, sop))
        .order_by("series__series_number", "series_id", "instance_number", "pk")
        .values_list(*_FIELDS)
    )
    root = file_store().root
    found = [StoredInstance(s, r, i, t, n, root / p, z, h) for s, r, i, t, n, p, z, h in rows]
    if not found:
        raise NotFound(f"No such {_what(series, sop)} is stored here.")
    return found


@functools.cache
def _instance_sql() -> str:
    # Frame and rendered requests look up one instance each, many per second; building this
    # query through the ORM costs ten times more than running it, so it is written once here.
    instance, series, study = (table_name(m) for m in (Instance, Series, Study))
    return (
        # Only table names from the models' meta are interpolated; values are parameters.
        f"SELECT st.study_instance_uid, se.series_instance_uid, i.sop_instance_uid, "  # noqa: S608
        f"i.transfer_syntax_uid, i.number_of_frames, i.path, i.size, i.sha256 "
        f"FROM {instance} i JOIN {series} se ON i.series_id = se.id "
        f"JOIN {study} st ON se.study_id = st.id "
        f"WHERE i.sop_instance_uid = %s AND se.series_instance_uid = %s "
        f"AND st.study_instance_uid = %s"
    )


def instance_find(*, study: str, series: str, sop: str) -> StoredInstance:
    _checked(study, series, sop)
    with connection.cursor() as cursor:
        cursor.execute(_instance_sql(), [sop, series, study])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such instance is stored here.")
    s, r, i, t, n, p, z, h = row
    return StoredInstance(s, r, i, t, n, file_store().root / p, z, h)


def metadata_texts(*, study: str, series: str | None = None, sop: str | None = None) -> list[str]:
    """Each instance's stored DICOM JSON, in display order; 404 if none."""
    texts = list(
        Instance.objects.filter(**_scope(study, series, sop))
        .order_by("series__series_number", "series_id", "instance_number", "pk")
        .values_list("metadata", flat=True)
    )
    if not texts:
        raise NotFound(f"No such {_what(series, sop)} is stored here.")
    return texts
