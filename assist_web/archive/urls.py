from django.urls import path

from assist_web.archive import pages

app_name = "archive"
urlpatterns = [
    path("", pages.study_list, name="study-list"),
    path("upload/", pages.upload, name="upload"),
    path("viewer/<str:study_uid>/", pages.viewer, name="viewer"),
]
