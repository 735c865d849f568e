import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_web.settings")
