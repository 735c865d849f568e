"""Celery tasks of the archive (default queue). Each takes IDs and calls one service."""

from assist_web.archive.pacs.pulling import pacs_pull_execute
from assist_web.celery import app


@app.task(name="archive.pacs_pull_run", ignore_result=True)
def pacs_pull_run(pull_id: int) -> None:
    # Transient PACS failures are retried per request inside the pull (see pacs.client):
    # retrying the whole task would fetch again what is already stored and blur the counts.
    pacs_pull_execute(pull_id=pull_id)
