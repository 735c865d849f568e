"""What the benchmarks that start their own servers share: a free port, waiting for HTTP, an
empty PostgreSQL database, and the CPU's name for the figures' machine line."""

import platform
import socket
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, session: requests.Session | None = None, timeout: float = 60) -> None:
    """Until the URL answers with anything but a server error."""
    get = session.get if session is not None else requests.get
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(url, timeout=10).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def reset_database(url: str) -> None:
    """An empty PostgreSQL database of that name (dropped first: a benchmark starts from
    nothing); other URLs (SQLite) are left alone."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
