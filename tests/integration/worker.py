"""A real ``celery -A assist_web worker`` process sharing this test's database and data dir."""

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from assist_web.celery import app

REPO = Path(__file__).resolve().parents[2]
_READY_TIMEOUT_S = 60


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def worker_start(
    *,
    data_dir: Path,
    database_url: str,
    app_name: str = "assist_web",
    queue: str = "default",
    env_extra: dict[str, str] | None = None,
    log_name: str = "worker.log",
) -> WorkerProcess:
    """Start a worker (the site's default queue, or ``workers.gpu`` on gpu) and wait for it.

    The broker is this process's: the same CELERY_BROKER_URL when one is set (Redis). With the
    embedded broker, the worker derives its queue folder from ASSIST_DATA_DIR, so the test's
    data dir gets a link to the folder this process publishes to (computed from its own data
    dir at import time): both ends then meet without changing either's configuration.
    """
    if app.conf.broker_url.startswith("filesystem://") and not (data_dir / "broker").exists():
        published_to = Path(str(app.conf.broker_transport_options["data_folder_in"])).parent
        (data_dir / "broker").symlink_to(published_to, target_is_directory=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ASSIST_DATA_DIR": str(data_dir),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        **(env_extra or {}),
    }
    log_path = data_dir.parent / log_name
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app_name, "worker", "-Q", queue,
             "-P", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
             # Messages left by an earlier, interrupted run name pulls of another database.
             "--purge", "-l", "INFO", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = WorkerProcess(process=process, log_path=log_path)
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while " ready." not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise RuntimeError(f"the worker did not start:\n{worker.log()[-3000:]}")
        time.sleep(0.2)
    return worker
