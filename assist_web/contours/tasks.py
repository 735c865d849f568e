"""Celery tasks of the contours app (default queue). Each takes IDs and calls one service."""

from celery import Task

from assist_web.celery import app
from assist_web.contours.cstore import DestinationUnreachable
from assist_web.contours.export import EXPORT_SEND_TASK, export_send, exports_sweep
from assist_web.contours.revision_writing import revision_write, revisions_requeue_waiting
from assist_web.contours.revisions import REVISION_WRITE_TASK

# A planning system that is restarting is back within seconds; one that is down stays down,
# and the physician should see "failed" soon rather than a spinner. 2 + 4 + 8 s, then give up.
_RETRIES = 3
_BACKOFF_S = 2
_BACKOFF_CAP_S = 8


@app.task(name=EXPORT_SEND_TASK, bind=True, ignore_result=True, max_retries=_RETRIES)
def export_send_run(self: Task, export_id: int) -> None:
    retries = int(self.request.retries)
    try:
        export_send(export_id=export_id, final_attempt=retries >= _RETRIES)
    except DestinationUnreachable as exc:
        if retries >= _RETRIES:
            return  # recorded as failed; nothing left to try
        raise self.retry(countdown=min(_BACKOFF_CAP_S, _BACKOFF_S * 2**retries)) from exc


@app.task(name=REVISION_WRITE_TASK, ignore_result=True)
def revision_write_run(revision_id: int) -> None:
    revision_write(revision_id=revision_id)


@app.task(name="contours.revisions_requeue_waiting", ignore_result=True)
def requeue_waiting_revisions() -> int:
    """Periodic (Celery beat): revisions whose write message was lost are sent again."""
    return len(revisions_requeue_waiting())


@app.task(name="contours.exports_sweep", ignore_result=True)
def sweep_exports() -> None:
    """Periodic (Celery beat): exports whose message or worker was lost."""
    exports_sweep()
