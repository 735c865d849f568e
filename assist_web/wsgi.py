import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_web.settings")
application = get_wsgi_application()
# Import every view now, while the worker starts, rather than in some client's first request;
# then keep what start-up allocated out of the garbage collector's scans for the process's life.
get_resolver().url_patterns  # noqa: B018 - the access imports the views
gc.freeze()
