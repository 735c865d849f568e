"""Periodic inference bookkeeping on the default queue, run by Celery beat (assist_web.celery)."""

from assist_web.celery import app
from assist_web.inference.jobs import jobs_create_for_settled_studies, jobs_requeue_stale


@app.task(name="inference.jobs_create_for_settled_studies", ignore_result=True)
def jobs_for_settled_studies() -> int:
    return len(jobs_create_for_settled_studies())


@app.task(name="inference.jobs_requeue_stale", ignore_result=True)
def requeue_stale_jobs() -> int:
    return len(jobs_requeue_stale())
