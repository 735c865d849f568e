from django.urls import path

from assist_web.archive import pages
from assist_web.contours import review_pages

app_name = "archive"
urlpatterns = [
    path("", pages.study_list, name="study-list"),
    path("upload/", pages.upload, name="upload"),
    path("viewer/<str:study_uid>/", review_pages.viewer, name="viewer"),
]
