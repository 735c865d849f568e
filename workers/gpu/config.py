"""The gpu worker's settings, from the environment only (no Django settings here)."""

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from workers.broker import data_dir


class ConfigurationError(RuntimeError):
    pass


def _secret(name: str) -> str:
    """``NAME`` or the contents of the file named by ``NAME_FILE`` (Docker/systemd secrets)."""
    value = os.environ.get(name, "").strip()
    path = os.environ.get(f"{name}_FILE", "").strip()
    if value and path:
        raise ConfigurationError(f"Set {name} or {name}_FILE, not both.")
    if path:
        return Path(path).read_text().strip()
    return value


def _site_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(
            f"ASSIST_SITE_URL must be an http(s) URL such as http://127.0.0.1:8000, "
            f"not {value!r}.")
    return value.rstrip("/")


def _cache_dir() -> Path:
    explicit = os.environ.get("ASSIST_WORKER_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("ASSIST_DATA_DIR"):
        return data_dir() / "worker-cache"
    return Path("~/.cache/assist").expanduser()


@dataclass(frozen=True)
class WorkerSettings:
    site_url: str
    token: str
    cache_dir: Path
    worker_name: str

    @classmethod
    def from_env(cls) -> "WorkerSettings":
        site = os.environ.get("ASSIST_SITE_URL", "").strip()
        if not site:
            raise ConfigurationError("ASSIST_SITE_URL is not set (e.g. http://127.0.0.1:8000).")
        token = _secret("ASSIST_WORKER_TOKEN")
        if not token:
            raise ConfigurationError(
                "ASSIST_WORKER_TOKEN is not set: the API token of a user with the worker role.")
        return cls(site_url=_site_url(site), token=token, cache_dir=_cache_dir(),
                   worker_name=socket.gethostname())
