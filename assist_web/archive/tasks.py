"""Celery tasks of the archive (default queue). Each takes IDs and calls one service."""

from assist_web.archive.pacs.pulling import PACS_PULL_TASK, pacs_pull_execute, pacs_pulls_sweep
from assist_web.celery import app


@app.task(name=PACS_PULL_TASK, ignore_result=True)
def pacs_pull_run(pull_id: int) -> None:
    # Transient PACS failures are retried per request inside the pull (see pacs.client):
    # retrying the whole task would fetch again what is already stored and blur the counts.
    pacs_pull_execute(pull_id=pull_id)


@app.task(name="archive.pacs_pulls_sweep", ignore_result=True)
def sweep_pacs_pulls() -> None:
    """Periodic (Celery beat): pulls whose message or worker was lost."""
    pacs_pulls_sweep()
