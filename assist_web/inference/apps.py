from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "assist_web.inference"
    label = "inference"
    default_auto_field = "django.db.models.BigAutoField"
