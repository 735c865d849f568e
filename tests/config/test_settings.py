"""Settings come from the environment, and a bad or missing value stops the process early."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _settings_probe(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ASSIST_ROLE",
            "ALLOWED_HOSTS",
            "SECRET_KEY_FALLBACKS",
        }
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_secret_key_and_debug_off_the_site_refuses_to_start(tmp_path: Path) -> None:
    result = _settings_probe({"ASSIST_DATA_DIR": str(tmp_path)}, "settings.SECRET_KEY")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file-0123456789\n")

    result = _settings_probe(
        {"ASSIST_DATA_DIR": str(tmp_path), "SECRET_KEY_FILE": str(key_file)}, "settings.SECRET_KEY"
    )

    assert result.stdout.strip() == "from-a-file-0123456789"


def test_earlier_keys_come_from_a_list_or_a_file(tmp_path: Path) -> None:
    listed = _settings_probe(
        {
            "ASSIST_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40,
            "SECRET_KEY_FALLBACKS": " old-1 ,old-2,",
        },
        "settings.SECRET_KEY_FALLBACKS",
    )
    keys_file = tmp_path / "fallbacks"
    keys_file.write_text("old-3\n")
    from_file = _settings_probe(
        {
            "ASSIST_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40,
            "SECRET_KEY_FALLBACKS_FILE": str(keys_file),
        },
        "settings.SECRET_KEY_FALLBACKS",
    )

    assert listed.stdout.strip() == "['old-1', 'old-2']"
    assert from_file.stdout.strip() == "['old-3']"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"ASSIST_ROLE": "satellite"}, "ASSIST_ROLE must be one of"),
        ({"ASSIST_DICOM_PORT": "eleven"}, "ASSIST_DICOM_PORT must be an integer"),
    ],
)
def test_a_malformed_value_is_named_in_the_error(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = _settings_probe({"ASSIST_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40, **env}, "1")

    assert result.returncode != 0
    assert message in result.stderr


def test_defaults_are_sqlite_and_the_embedded_broker_in_the_data_dir(tmp_path: Path) -> None:
    result = _settings_probe(
        {"ASSIST_DATA_DIR": str(tmp_path), "DEBUG": "1"},
        "settings.DATABASES['default']['NAME'], settings.CELERY_BROKER_URL, "
        "settings.CELERY_SETTINGS['broker_transport_options']['data_folder_in'], "
        "settings.ASSIST_ROLE",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        f"{tmp_path}/assist.sqlite3",
        "filesystem://",
        f"{tmp_path}/broker/queue",
        "both",
    ]


def test_the_gpu_worker_derives_the_same_embedded_broker_without_django(tmp_path: Path) -> None:
    code = (
        "import sys; from workers.broker import broker_config; c = broker_config(); "
        "print(c.url, c.transport_options['data_folder_in']); "
        "print('django' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "ASSIST_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["filesystem://", f"{tmp_path}/broker/queue", "False"]


def test_database_and_broker_urls_are_taken_from_the_environment(tmp_path: Path) -> None:
    result = _settings_probe(
        {
            "ASSIST_DATA_DIR": str(tmp_path),
            "DEBUG": "1",
            "DATABASE_URL": "postgres://assist@db.example:5432/assist",
            "CELERY_BROKER_URL": "redis://cache.example:6379/3",
        },
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST'], "
        "settings.CELERY_BROKER_URL",
    )

    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "db.example",
        "redis://cache.example:6379/3",
    ]
