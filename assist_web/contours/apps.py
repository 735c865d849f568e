from django.apps import AppConfig


class ContoursConfig(AppConfig):
    name = "assist_web.contours"
    label = "contours"
    default_auto_field = "django.db.models.BigAutoField"
