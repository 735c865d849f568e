from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "assist_web.archive"
    label = "archive"
    default_auto_field = "django.db.models.BigAutoField"
