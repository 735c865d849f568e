from django.urls import path

from assist_web.archive import api

app_name = "api"
urlpatterns: list = [
    path("uploads/", api.UploadApi.as_view(), name="uploads"),
]
