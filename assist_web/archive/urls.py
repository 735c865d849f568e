from django.urls import path

from assist_web.archive import pages
from assist_web.contours import review_pages, worklist_pages

app_name = "archive"
urlpatterns = [
    # The front page is the worklist; the name stays, pages and scripts link to it.
    path("", worklist_pages.worklist, name="study-list"),
    path(
        "studies/<uid:study_uid>/ai-job/",
        worklist_pages.study_job_start,
        name="study-job-start",
    ),
    path("upload/", pages.upload, name="upload"),
    path("viewer/<uid:study_uid>/", review_pages.viewer, name="viewer"),
]
