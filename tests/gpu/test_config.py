from pathlib import Path

import pytest

from workers.gpu.config import ConfigurationError, WorkerSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASSIST_SITE_URL", "ASSIST_WORKER_TOKEN", "ASSIST_WORKER_TOKEN_FILE",
                 "ASSIST_WORKER_CACHE", "ASSIST_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSIST_SITE_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("ASSIST_WORKER_TOKEN", "abc")
    monkeypatch.setenv("ASSIST_DATA_DIR", str(tmp_path))
    settings = WorkerSettings.from_env()
    assert (settings.site_url, settings.token) == ("http://127.0.0.1:8000", "abc")
    assert settings.cache_dir == tmp_path.resolve() / "worker-cache"


def test_token_from_a_file_and_explicit_cache(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-file\n")
    monkeypatch.setenv("ASSIST_SITE_URL", "https://site.example")
    monkeypatch.setenv("ASSIST_WORKER_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("ASSIST_WORKER_CACHE", str(tmp_path / "cache"))
    settings = WorkerSettings.from_env()
    assert (settings.token, settings.cache_dir) == ("from-file", tmp_path / "cache")


@pytest.mark.parametrize(("site", "token", "message"), [
    ("", "t", "ASSIST_SITE_URL is not set"),
    ("127.0.0.1:8000", "t", "must be an http"),
    ("http://127.0.0.1:8000", "", "ASSIST_WORKER_TOKEN is not set"),
])
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, site: str, token: str,
                                  message: str) -> None:
    monkeypatch.setenv("ASSIST_SITE_URL", site)
    monkeypatch.setenv("ASSIST_WORKER_TOKEN", token)
    with pytest.raises(ConfigurationError, match=message):
        WorkerSettings.from_env()
