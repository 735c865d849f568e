"""On PostgreSQL, searches by part of a patient's name or ID use the trigram indexes."""

import importlib
import logging

import pytest
from django.apps import apps
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assist_web.contours.worklist import worklist_get

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's"
    ),
]
migration = importlib.import_module("assist_web.archive.migrations.0006_patient_search_indexes")


@pytest.fixture(autouse=True)
def many_patients(db: None) -> None:
    """20,000 patients with a study each, and their statistics: on nearly empty tables the
    planner rightly prefers a scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archive_patient (patient_id, issuer, name, birth_date, sex) "
            "SELECT 'P' || g, '', 'Name' || md5(g::text) || '^' || g, '19700101', 'F' "
            "FROM generate_series(1, 20000) g"
        )
        cursor.execute(
            "INSERT INTO archive_study (study_instance_uid, patient_id, study_date, study_time, "
            "accession_number, study_id, description, referring_physician, modalities, "
            "num_series, num_instances, created_at, last_received_at) "
            "SELECT '1.2.' || id, id, '20260101', '', '', '', '', '', 'MR', 1, 1, now(), now() "
            "FROM archive_patient"
        )
        for index in migration.INDEXES:  # as autovacuum would: new entries into the index proper
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE archive_patient")
        cursor.execute("ANALYZE archive_study")


def _plans(queries: list[dict[str, str]]) -> str:
    """The plans of the queries that read the patient table, with table scans made the last
    resort: whether an index can serve the search, not which way is cheapest on test data."""
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            if "archive_patient" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.extend(row[0] for row in cursor.fetchall())
    return "\n".join(plans)


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'archive_patient'")
        return {row[0] for row in cursor.fetchall()}


def test_the_worklist_search_uses_the_name_and_id_indexes() -> None:
    with CaptureQueriesContext(connection) as captured:
        worklist_get(query="nilsson")

    plans = _plans(captured.captured_queries)
    assert "archive_patient_name_upper_trgm" in plans
    assert "archive_patient_id_upper_trgm" in plans


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("Nilsson^Anna", "archive_patient_name_upper_trgm"),  # exact, any case
        ("NILSS*", "archive_patient_name_upper_trgm"),  # prefix
        ("*son^A?na", "archive_patient_name_trgm"),  # wildcards
    ],
)
def test_qido_patient_name_matching_uses_an_index(api: APIClient, name: str, index: str) -> None:
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/dicomweb/studies", {"PatientName": name})

    assert response.status_code == 200
    assert index in _plans(captured.captured_queries)


def test_without_the_extension_the_migration_warns_and_makes_no_index(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with connection.schema_editor(atomic=False) as editor:
        migration.indexes_drop(apps, editor)
        execute = editor.execute

        def refusing(sql: str, params: object = ()) -> None:
            if "CREATE EXTENSION" in sql:
                raise DatabaseError("permission denied to create extension \"pg_trgm\"")
            execute(sql, params)  # type: ignore[arg-type]

        monkeypatch.setattr(editor, "execute", refusing)
        with caplog.at_level(logging.WARNING):
            migration.indexes_create(apps, editor)
        assert not _indexes() & set(migration.INDEXES)
        assert "cannot create the pg_trgm extension (permission denied" in caplog.text

        monkeypatch.setattr(editor, "execute", execute)
        migration.indexes_create(apps, editor)
    assert set(migration.INDEXES) <= _indexes()
