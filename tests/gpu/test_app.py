import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, **env}, check=True)
    return result.stdout


@pytest.fixture
def broker_env(tmp_path: Path) -> dict[str, str]:
    # The embedded broker, in a folder of this test's own.
    return {"CELERY_BROKER_URL": "", "ASSIST_DATA_DIR": str(tmp_path)}


def test_worker_settings(broker_env: dict[str, str]) -> None:
    out = _python(
        "import json; from workers.gpu import app; c = app.conf;"
        "print(json.dumps({'main': app.main, 'acks_late': c.task_acks_late,"
        " 'reject': c.task_reject_on_worker_lost, 'prefetch': c.worker_prefetch_multiplier,"
        " 'routes': c.task_routes, 'queue': c.task_default_queue,"
        " 'serializer': c.task_serializer, 'accept': c.accept_content,"
        " 'broker': c.broker_url}))", **broker_env)
    conf = json.loads(out)
    assert conf == {
        "main": "assist_gpu", "acks_late": True, "reject": True, "prefetch": 1,
        "routes": {"assist.infer": {"queue": "gpu"}}, "queue": "gpu",
        "serializer": "json", "accept": ["json"], "broker": "filesystem://",
    }


def test_the_infer_task_is_registered_by_name(broker_env: dict[str, str]) -> None:
    out = _python("from workers.gpu import app; app.loader.import_default_modules();"
                  "print('assist.infer' in app.tasks)", **broker_env)
    assert out.strip() == "True"


# kombu's JSON module imports django.utils.functional when Django is installed (to serialise
# lazy strings): a few helper modules, no settings, no apps. That is the only Django allowed.
_KOMBU_DJANGO_HELPERS = {"django", "django.utils", "django.utils.functional",
                         "django.utils.regex_helper", "django.utils.version"}


def test_the_worker_never_imports_django(broker_env: dict[str, str]) -> None:
    # DJANGO_SETTINGS_MODULE set, as on a single-machine demo: Celery's Django fixup would
    # set Django up in the worker if the app allowed it.
    out = _python(
        "import sys; from workers.gpu import app; app.loader.import_default_modules();"
        "import workers.gpu.pipeline, workers.gpu.job, workers.gpu.train;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'assist_web')))",
        DJANGO_SETTINGS_MODULE="assist_web.settings", **broker_env)
    imported = set(eval(out))  # noqa: S307 - our own subprocess printed a list of names
    assert imported <= _KOMBU_DJANGO_HELPERS


def test_a_redis_url_from_the_environment_is_the_broker(broker_env: dict[str, str]) -> None:
    out = _python("from workers.gpu import app; print(app.conf.broker_url)",
                  **{**broker_env, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3"})
    assert out.strip() == "redis://127.0.0.1:6379/3"


def test_a_worker_without_site_settings_refuses_to_start(broker_env: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ASSIST_SITE_URL", "ASSIST_WORKER_TOKEN")}
    celery = Path(sys.executable).with_name("celery")
    done = subprocess.run([str(celery), "-A", "workers.gpu", "worker", "-Q", "gpu",
                           "--concurrency", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**env, **broker_env})
    assert done.returncode != 0
    assert "ASSIST gpu worker not started: ASSIST_SITE_URL is not set" in done.stderr
