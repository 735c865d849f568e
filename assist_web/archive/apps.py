from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "assist_web.archive"
    label = "archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pydicom import config

        # pydicom's validation warnings quote element values, which may be patient data;
        # the archive checks what it needs itself, so values never reach the logs.
        config.settings.reading_validation_mode = config.IGNORE
        config.settings.writing_validation_mode = config.IGNORE
