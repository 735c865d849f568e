"""PACS secrets sealed (assist_web/sealed.py): the column holds ciphertext from now on."""

from django.db import migrations

import assist_web.sealed


def _seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    assist_web.sealed.secrets_reseal(
        model=apps.get_model("archive", "RemotePacs"),
        field_name="secret",
        using=schema_editor.connection.alias,
    )


def _unseal(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("archive", "RemotePacs")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret FROM {model._meta.db_table}")  # noqa: S608
        for key, stored in cursor.fetchall():
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET secret = %s WHERE id = %s",  # noqa: S608
                [assist_web.sealed.secret_unseal(stored or ""), key],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_pull_progress"),
    ]

    operations = [
        migrations.AlterField(
            model_name="remotepacs",
            name="secret",
            field=assist_web.sealed.SealedTextField(blank=True, verbose_name="password or token"),
        ),
        migrations.RunPython(_seal, _unseal),
    ]
