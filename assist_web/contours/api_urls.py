from django.urls import path

from assist_web.contours import export_apis
from assist_web.contours.models import Export

app_name = "contours-api"
urlpatterns = [
    path(
        "export-destinations/",
        export_apis.DestinationListApi.as_view(),
        name="export-destinations",
    ),
    path("exports/<int:export_id>/", export_apis.ExportDetailApi.as_view(), name="export-detail"),
    path(
        "revisions/<int:revision_id>/exports/",
        export_apis.RevisionExportCreateApi.as_view(),
        name="revision-exports",
    ),
    path(
        "revisions/<int:revision_id>/rtstruct/",
        export_apis.RevisionObjectDownloadApi.as_view(object=Export.Object.RTSTRUCT),
        name="revision-rtstruct",
    ),
    path(
        "revisions/<int:revision_id>/seg/",
        export_apis.RevisionObjectDownloadApi.as_view(object=Export.Object.SEG),
        name="revision-seg",
    ),
    path(
        "studies/<str:study_uid>/exports/",
        export_apis.StudyExportListApi.as_view(),
        name="study-exports",
    ),
]
