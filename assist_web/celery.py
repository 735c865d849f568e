"""The site's Celery app for the default queue (ingest post-processing, pulls, exports)."""

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_web.settings")

app = Celery("assist_web")
app.conf.update(broker_url=settings.CELERY_BROKER_URL, **settings.CELERY_SETTINGS)
app.autodiscover_tasks()
# Periodic checks (run by `celery -A assist_web beat`); each expires after its own interval,
# so checks missed while no worker ran do not pile up and run back to back.
app.conf.beat_schedule = {
    "inference-jobs-for-settled-studies": {
        "task": "inference.jobs_create_for_settled_studies",
        "schedule": float(settings.ASSIST_SETTLE_CHECK_SECONDS),
        "options": {"expires": float(settings.ASSIST_SETTLE_CHECK_SECONDS)},
    },
    # A revision saved while the broker was unreachable waits in "writing" until sent again.
    "contours-requeue-waiting-revisions": {
        "task": "contours.revisions_requeue_waiting",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "archive-pacs-pulls-sweep": {
        "task": "archive.pacs_pulls_sweep",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "contours-exports-sweep": {
        "task": "contours.exports_sweep",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "inference-requeue-stale-jobs": {
        "task": "inference.jobs_requeue_stale",
        "schedule": float(settings.ASSIST_STALE_CHECK_SECONDS),
        "options": {"expires": float(settings.ASSIST_STALE_CHECK_SECONDS)},
    },
}
