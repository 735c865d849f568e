"""Patient, study and series rows for arriving objects, looked up once per batch, and the
instance rows and counts written for them.

Conflicts are checked before anything is created, so a refused object never leaves an empty
patient or study behind: a series must stay in its study, a study with its patient.
"""

from collections import Counter

from django.db import connection, models
from django.utils import timezone

from assist_web.archive.header import Header
from assist_web.archive.hierarchy import (
    row_insert_new,
    row_pk,
    stored_series,
    stored_study,
    study_modalities_update,
)
from assist_web.archive.models import Instance, Patient, Series, Study
from assist_web.archive.refusals import DicomRejected, RefusalKind
from assist_web.archive.sql_names import column_name, table_name


def _text(ds: Header, keyword: str, length: int) -> str:
    return ds.text(keyword)[:length]


def _series_number(ds: Header) -> int | None:
    try:
        return int(ds.get("SeriesNumber"))
    except (TypeError, ValueError):
        return None


def _check_patient(ds: Header, study: Study) -> None:
    patient = study.patient
    if (patient.patient_id, patient.issuer) != (
        _text(ds, "PatientID", 64),
        _text(ds, "IssuerOfPatientID", 64),
    ):
        raise _conflict(ds, "This Study Instance UID is already stored for a different patient.")


def _conflict(ds: Header, reason: str) -> DicomRejected:
    return DicomRejected(
        reason,
        kind=RefusalKind.CONFLICT,
        sop_class_uid=ds.text("SOPClassUID"),
        sop_instance_uid=ds.text("SOPInstanceUID"),
    )


class SeriesIndex:
    """Finds or creates the series row of each dataset; remembers them for the batch, and how
    many series it created in each study (``added``, for arrivals_count)."""

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}
        self.added: Counter[int] = Counter()

    def series_for(self, ds: Header) -> Series:
        uid = ds.text("SeriesInstanceUID")
        series = self._series.get(uid)
        if series is None:
            series = self._find_or_create(ds)
            self._series[uid] = series
        if series.study.study_instance_uid != ds.text("StudyInstanceUID"):
            raise _conflict(ds, "This Series Instance UID is already stored in a different study.")
        _check_patient(ds, series.study)
        return series

    def _find_or_create(self, ds: Header) -> Series:
        series_uid, study_uid = ds.text("SeriesInstanceUID"), ds.text("StudyInstanceUID")
        series = stored_series(series_uid)
        if series is not None:
            return series
        study = stored_study(study_uid)
        if study is None:
            identity = {
                "patient_id": _text(ds, "PatientID", 64),
                "issuer": _text(ds, "IssuerOfPatientID", 64),
            }
            row_insert_new(
                Patient,
                {
                    **identity,
                    "name": _text(ds, "PatientName", 324),
                    "birth_date": _text(ds, "PatientBirthDate", 8),
                    "sex": _text(ds, "PatientSex", 16),
                },
                unique=("patient_id", "issuer"),
            )
            now = timezone.now()
            row_insert_new(
                Study,
                {
                    "study_instance_uid": study_uid,
                    "patient": row_pk(Patient, identity),
                    "study_date": _text(ds, "StudyDate", 8),
                    "study_time": _text(ds, "StudyTime", 16),
                    "accession_number": _text(ds, "AccessionNumber", 16),
                    "study_id": _text(ds, "StudyID", 16),
                    "description": _text(ds, "StudyDescription", 64),
                    "referring_physician": _text(ds, "ReferringPhysicianName", 324),
                    "modalities": "",
                    "num_series": 0,
                    "num_instances": 0,
                    "created_at": now,
                    "last_received_at": now,
                },
                unique=("study_instance_uid",),
            )
            study = stored_study(study_uid)
            assert study is not None
        _check_patient(ds, study)  # before the series is made in it
        created = row_insert_new(
            Series,
            {
                "series_instance_uid": series_uid,
                "study": study.pk,
                "modality": _text(ds, "Modality", 16),
                "series_number": _series_number(ds),
                "description": _text(ds, "SeriesDescription", 64),
                "body_part": _text(ds, "BodyPartExamined", 16),
                "frame_of_reference_uid": _text(ds, "FrameOfReferenceUID", 64),
                "num_instances": 0,
            },
            unique=("series_instance_uid",),
        )
        if created:
            self.added[study.pk] += 1
        series = stored_series(series_uid)
        assert series is not None
        return series


# Indexing a batch is a few statements; written out here rather than built by the ORM, whose
# compiling of them cost more CPU than the statements' work (bench/archive_cpu.py). Table and
# column names come from the models and every value is a parameter (hence the S608 waivers).
_INSERTED = [f for f in Instance._meta.concrete_fields if not f.primary_key]


def stored_checksums(*, sop_uids: list[str]) -> dict[str, str]:
    """The SHA-256 of each of these SOP instances that the archive already holds."""
    if not sop_uids:
        return {}
    uid, sha256 = column_name(Instance, "sop_instance_uid"), column_name(Instance, "sha256")
    marks = ", ".join(["%s"] * len(sop_uids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {uid}, {sha256} FROM {table_name(Instance)} WHERE {uid} IN ({marks})",  # noqa: S608
            sop_uids,
        )
        return dict(cursor.fetchall())


def instances_insert(*, rows: list[Instance]) -> None:
    """``bulk_create`` for fields whose values go to the database as they are."""
    if not rows:
        return
    created = Instance._meta.get_field("created_at")
    assert isinstance(created, models.Field)
    now = created.get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.attname if f.column is None else f.column) for f in _INSERTED)
    marks = ", ".join(["%s"] * len(_INSERTED))
    names = [f.attname for f in _INSERTED]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table_name(Instance)} ({columns}) VALUES ({marks})",  # noqa: S608
            [[now if n == "created_at" else getattr(row, n) for n in names] for row in rows],
        )


def arrivals_count(*, rows: list[Instance], added: Counter[int]) -> None:
    """Add newly stored instances to their series' and studies' counts, and the series made
    (``added``, per study) to their studies' counts and modalities.

    These updates lock the rows until the commit, so they come last in a batch and always in
    one order, studies then series, each by id: concurrent batches then never wait for each
    other in a circle.
    """
    per_series = Counter(row.series_id for row in rows)
    per_study = Counter(row.series.study_id for row in rows)
    received = Study._meta.get_field("last_received_at")
    assert isinstance(received, models.Field)
    now = received.get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        for study_id in sorted(set(per_study) | set(added)):
            cursor.execute(
                f"UPDATE {table_name(Study)} SET num_instances = num_instances + %s, "  # noqa: S608
                f"num_series = num_series + %s, {column_name(Study, 'last_received_at')} = %s "
                "WHERE id = %s",
                [per_study[study_id], added[study_id], now, study_id],
            )
            if added[study_id]:
                study_modalities_update(study_id)  # sees series other writers just committed
        for series_id in sorted(per_series):
            cursor.execute(
                f"UPDATE {table_name(Series)} SET num_instances = num_instances + %s "  # noqa: S608
                "WHERE id = %s",
                [per_series[series_id], series_id],
            )
