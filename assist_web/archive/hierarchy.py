"""Patient, study and series rows found and made with plain SQL.

Every batch of arriving objects looks up its series, and a new series' first batch makes its
rows: compiling the ORM's lookups and get_or_create (with its savepoints) cost more CPU than
the rest of that batch's indexing. Table and column names come from the models and every value
is a parameter (hence the S608 waivers).
"""

from collections.abc import Mapping

from django.db import connection, models

from assist_web.archive.models import Patient, Series, Study
from assist_web.archive.sql_names import column_name, table_name


def row_insert_new(
    model: type[models.Model], values: dict[str, object], *, unique: tuple[str, ...]
) -> bool:
    """Insert the row unless one with the same ``unique`` values (a unique index's fields) is
    there already; True if inserted.

    An insert that meets a row another writer made first does nothing (after waiting for that
    writer's transaction, as a unique index does), so concurrent requests of one new series
    all end with the one row."""
    fields = [model._meta.get_field(name) for name in values]
    columns = ", ".join(column_name(model, name) for name in values)
    marks = ", ".join(["%s"] * len(values))
    conflict = ", ".join(column_name(model, name) for name in unique)
    params = [
        field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table_name(model)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO NOTHING",
            params,
        )
        return cursor.rowcount == 1


def row_pk(model: type[models.Model], values: Mapping[str, str | int]) -> int:
    """The primary key of the row with these values; there must be one."""
    where = " AND ".join(f"{column_name(model, name)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table_name(model)} WHERE {where}",  # noqa: S608
            list(values.values()),
        )
        return int(cursor.fetchone()[0])


def study_modalities_update(study_pk: int) -> None:
    """Set the study's modalities from its series. Called with the study's row locked (by the
    update of its counts), so the series of another writer that locked it first are seen."""
    study, series = table_name(Study), table_name(Series)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT modality FROM {series} WHERE {column_name(Series, 'study')} = %s "  # noqa: S608
            "AND modality <> ''",
            [study_pk],
        )
        modalities = "\\".join(sorted(row[0] for row in cursor.fetchall()))
        cursor.execute(
            f"UPDATE {study} SET modalities = %s WHERE id = %s",  # noqa: S608
            [modalities, study_pk],
        )


def stored_series(uid: str) -> Series | None:
    """The series with its study and patient, or None.

    One plain query, because every batch of arriving objects asks it first: compiling the
    ORM's joined lookup cost more CPU than indexing the ten instances of a STOW request.
    """
    series, study, patient = (table_name(m) for m in (Series, Study, Patient))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.study_id, st.study_instance_uid, st.patient_id, p.patient_id, "  # noqa: S608 - names from the models
            f"p.issuer FROM {series} s JOIN {study} st ON st.id = s.study_id "
            f"JOIN {patient} p ON p.id = st.patient_id WHERE s.series_instance_uid = %s",
            [uid],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    series_pk, study_pk, study_uid, patient_pk, patient_id, issuer = row
    db = connection.alias
    found = Series.from_db(
        db, ["id", "series_instance_uid", "study_id"], [series_pk, uid, study_pk]
    )
    found.study = Study.from_db(
        db, ["id", "study_instance_uid", "patient_id"], [study_pk, study_uid, patient_pk]
    )
    found.study.patient = Patient.from_db(
        db, ["id", "patient_id", "issuer"], [patient_pk, patient_id, issuer]
    )
    return found


def stored_study(uid: str) -> Study | None:
    """The study with its patient's identity, or None."""
    study, patient = table_name(Study), table_name(Patient)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT st.id, st.patient_id, p.patient_id, p.issuer FROM {study} st "  # noqa: S608
            f"JOIN {patient} p ON p.id = st.patient_id WHERE st.study_instance_uid = %s",
            [uid],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    study_pk, patient_pk, patient_id, issuer = row
    db = connection.alias
    found = Study.from_db(
        db, ["id", "study_instance_uid", "patient_id"], [study_pk, uid, patient_pk]
    )
    found.patient = Patient.from_db(
        db, ["id", "patient_id", "issuer"], [patient_pk, patient_id, issuer]
    )
    return found
