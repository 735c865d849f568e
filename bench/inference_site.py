"""A live ASSIST site with a real gpu worker, for the end-to-end mode of bench/inference.py.

Starts, on loopback with a fresh data dir: gunicorn (the web), the default-queue worker and
beat (they make a job once a study has been quiet for the settle time, exactly as in
production), and ``celery -A workers.gpu worker -Q gpu`` reaching the site only over HTTP with
a worker token. SQLite and the embedded broker unless a database or broker URL is given.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from bench.local_site import free_port

REPO = Path(__file__).resolve().parents[1]
PY = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
DEMO = REPO / "workers/gpu/bundles/assist-brain-tumour-demo"
# Celery's log lines start "[2026-11-26 18:01:02,345: INFO/MainProcess]".
_LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/\w+\] job (\d+): (.+) "
                       r"\(\d+%\)$")

_SETUP = """
import io
from pathlib import Path
from rest_framework.authtoken.models import Token
from assist_web.accounts.models import Role, User
from assist_web.inference.services import model_version_activate, model_version_register
from workers.gpu.bundle_archive import bundle_pack
admin = User.objects.create_user("bench-admin", role=Role.SITE_ADMIN)
robot = User.objects.create_user("bench-gpu", role=Role.WORKER)
bundle = io.BytesIO(bundle_pack(Path({bundle!r})))
model_version_activate(version=model_version_register(bundle_file=bundle, uploaded_by=admin),
                       user=admin)
print(Token.objects.create(user=admin).key, Token.objects.create(user=robot).key)
"""


@dataclass
class Site:
    url: str
    session: requests.Session
    worker_log: Path
    worker_pid: int
    web_pid: int
    worker_token: str


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 90,
              poll_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout} s")
        time.sleep(poll_s)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code < 500
    except requests.ConnectionError:
        return False


@contextmanager
def site_running(workdir: Path, *, database_url: str, broker_url: str, settle_s: int,
                 worker_threads: int = 0, bundle: Path = DEMO) -> Iterator[Site]:
    port = free_port()
    # Settle checks every 3 s (production: 15 s): the settle wait is timed apart from the job.
    env = {**os.environ, "ASSIST_DATA_DIR": str(workdir), "SECRET_KEY": uuid.uuid4().hex * 2,
           "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
           "ASSIST_STUDY_SETTLE_SECONDS": str(settle_s), "ASSIST_SETTLE_CHECK_SECONDS": "3",
           "PYTHONUNBUFFERED": "1"}
    for name, value in (("DATABASE_URL", database_url), ("CELERY_BROKER_URL", broker_url)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    _database_reset(database_url)
    manage = [PY, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
    setup = _SETUP.format(bundle=str(bundle))
    keys = subprocess.run([*manage, "shell", "--no-imports", "-c", setup], env=env, check=True,
                          cwd=REPO, capture_output=True, text=True).stdout.split()
    user_token, worker_token = keys[-2], keys[-1]
    url = f"http://127.0.0.1:{port}"
    gpu_env = {**env, "ASSIST_SITE_URL": url, "ASSIST_WORKER_TOKEN": worker_token}
    if worker_threads:  # torch's CPU threads in the gpu worker (OpenMP reads this at start)
        gpu_env["OMP_NUM_THREADS"] = str(worker_threads)
    celery = [PY, "-m", "celery"]
    commands = {
        "web": ([PY, "-m", "gunicorn", "assist_web.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                 "--threads", "4", "--timeout", "300"], env),
        "default": ([*celery, "-A", "assist_web", "worker", "-Q", "default", "-P", "solo",
                     "--purge", "-l", "WARNING"], env),
        "beat": ([*celery, "-A", "assist_web", "beat", "-s", str(workdir / "beat-schedule"),
                  "-l", "WARNING"], env),
        "gpu": ([*celery, "-A", "workers.gpu", "worker", "-Q", "gpu", "-P", "solo",
                 "--without-heartbeat", "--without-gossip", "--without-mingle", "--purge",
                 "-l", "INFO"],
                gpu_env),
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, (command, process_env) in commands.items():
            with (workdir / f"{name}.log").open("wb") as log:
                processes[name] = subprocess.Popen(command, env=process_env, cwd=REPO,
                                                   stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True)
        gpu_log = workdir / "gpu.log"
        _wait_for(lambda: " ready." in gpu_log.read_text(errors="replace"), "the gpu worker")
        _wait_for(lambda: _answers(f"{url}/dicomweb/studies"), "the web server")
        session = requests.Session()
        session.headers["Authorization"] = f"Token {user_token}"
        yield Site(url=url, session=session, worker_log=gpu_log,
                   worker_pid=processes["gpu"].pid, web_pid=processes["web"].pid,
                   worker_token=worker_token)
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _database_reset(url: str) -> None:
    """A PostgreSQL database starts empty, as the SQLite file in a fresh data dir does."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def study_store(site: Site, files: list[bytes]) -> None:
    """STOW-RS the whole study in one request, as a PACS forwarding it would."""
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n"
                    + f + b"\r\n" for f in files) + b"--" + boundary.encode() + b"--\r\n"
    response = site.session.post(
        f"{site.url}/dicomweb/studies", data=body, timeout=300,
        headers={"Accept": "application/dicom+json",
                 "Content-Type": f'multipart/related; type="application/dicom"; '
                                 f"boundary={boundary}"})
    if response.status_code != 200:
        raise RuntimeError(f"STOW-RS answered {response.status_code}: {response.text[:300]}")


def job_wait(site: Site, study_uid: str, timeout: float = 600) -> dict[str, object]:
    """The study's first job once it has succeeded (RuntimeError if it failed)."""
    found: dict[str, object] = {}

    def finished() -> bool:
        jobs = site.session.get(f"{site.url}/api/v1/studies/{study_uid}/jobs/", timeout=30)
        if jobs.status_code == 200 and jobs.json():
            found.update(jobs.json()[-1])
        return found.get("state") in ("succeeded", "failed")

    # Polled slowly: the job's own timestamps give the times, and each poll costs the site CPU
    # that the worker would otherwise have (on two cores a request in the middle of the network
    # run stalls one of torch's threads; polling every second cost the worker 1-2 s a study).
    _wait_for(finished, f"a finished job for study {study_uid}", timeout, poll_s=5.0)
    if found["state"] != "succeeded":
        raise RuntimeError(f"the job failed: {found['error']}")
    return found


def stage_times(log: Path, job_id: int) -> list[tuple[str, float]]:
    """(stage, epoch seconds) of each progress report of ``job_id``, from the worker log."""
    marks = []
    for line in log.read_text(errors="replace").splitlines():
        match = _LOG_LINE.match(line)
        if match and int(match.group(2)) == job_id:
            when = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
            marks.append((match.group(3), when.timestamp()))
    return marks


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and of its live descendants (gunicorn's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident size of a process and its live descendants."""
    own = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
    return max([own, *(peak_rss_mb(child) for child in _children(pid))])
