"""The site's Celery app for the default queue (ingest post-processing, pulls, exports)."""

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_web.settings")

app = Celery("assist_web")
app.conf.update(broker_url=settings.CELERY_BROKER_URL, **settings.CELERY_SETTINGS)
app.autodiscover_tasks()
