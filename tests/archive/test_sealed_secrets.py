"""PACS secrets are stored sealed under SECRET_KEY, survive a key rotation, and never leak."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from assist_web.archive.models import RemotePacs
from assist_web.sealed import PREFIX, secrets_reseal

OLD_KEY = "old-key-" + "o" * 50
NEW_KEY = "new-key-" + "n" * 50
SECRET = "pacs-pa55word-Ümlaut"


def _stored(remote: RemotePacs) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {RemotePacs._meta.db_table} WHERE id = %s", [remote.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def _remote(secret: str = SECRET) -> RemotePacs:
    return RemotePacs.objects.create(
        name="PACS",
        base_url="https://pacs.example.org/dicom-web",
        auth_kind="basic",
        username="assist",
        secret=secret,
    )


@override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[])
def test_the_database_holds_ciphertext_and_the_model_the_secret(db: None) -> None:
    remote = _remote()
    stored = _stored(remote)
    assert stored.startswith(PREFIX)
    assert SECRET not in stored and "pa55word" not in stored
    assert RemotePacs.objects.get(pk=remote.pk).secret == SECRET
    # Fernet is randomised: the same secret sealed twice differs.
    RemotePacs.objects.filter(pk=remote.pk).update(secret=SECRET)
    assert _stored(remote) != stored
    assert RemotePacs.objects.get(pk=remote.pk).secret == SECRET


def test_an_empty_secret_stays_empty(db: None) -> None:
    remote = RemotePacs.objects.create(name="Open", base_url="https://pacs.example.org/dw")
    assert _stored(remote) == ""
    assert RemotePacs.objects.get(pk=remote.pk).secret == ""


def test_after_rotation_the_old_key_reads_until_resealed(db: None) -> None:
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        remote = _remote()
        sealed_old = _stored(remote)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert RemotePacs.objects.get(pk=remote.pk).secret == SECRET
        call_command("secrets_reseal", stdout=io.StringIO())
        assert _stored(remote) != sealed_old
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert RemotePacs.objects.get(pk=remote.pk).secret == SECRET


def test_a_secret_no_key_opens_reads_empty_is_logged_without_it_and_is_kept(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        remote = _remote()
        sealed = _stored(remote)
    with (
        override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]),
        caplog.at_level(logging.WARNING),
    ):
        assert RemotePacs.objects.get(pk=remote.pk).secret == ""
        with pytest.raises(CommandError, match="1 stored secret.*enter them again"):
            call_command("secrets_reseal")
    assert "SECRET_KEY_FALLBACKS" in caplog.text
    assert SECRET not in caplog.text and sealed not in caplog.text
    assert _stored(remote) == sealed  # nothing overwritten


@override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[])
def test_a_secret_stored_before_sealing_is_read_and_then_sealed(db: None) -> None:
    remote = _remote()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RemotePacs._meta.db_table} SET secret = %s WHERE id = %s",  # noqa: S608
            ["legacy-plain", remote.pk],
        )
    assert RemotePacs.objects.get(pk=remote.pk).secret == "legacy-plain"
    assert secrets_reseal(model=RemotePacs, field_name="secret") == 0
    assert _stored(remote).startswith(PREFIX)
    assert RemotePacs.objects.get(pk=remote.pk).secret == "legacy-plain"


@override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[])
def test_the_migration_seals_plain_secrets_and_unseals_them_going_back(
    transactional_db: None,
) -> None:
    before, sealed = (
        ("archive", "0004_pull_progress"),
        ("archive", "0005_remote_pacs_secret_sealed"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("archive", "RemotePacs")
    remote = old.objects.create(
        name="Legacy", base_url="https://pacs.example.org/dw", auth_kind="token", secret="tok-1"
    )
    executor = MigrationExecutor(connection)
    executor.migrate([sealed])
    assert _stored(remote).startswith(PREFIX)
    assert RemotePacs.objects.get(pk=remote.pk).secret == "tok-1"
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    assert _stored(remote) == "tok-1"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
