from django.apps import AppConfig


class DicomwebConfig(AppConfig):
    name = "assist_web.dicomweb"
    label = "dicomweb"
