from django.urls import path

from assist_web.contours import editing_apis, export_apis, revision_apis
from assist_web.contours.models import Export

app_name = "contours-api"
urlpatterns = [
    path(
        "structure-sets/<int:structure_set_id>/",
        revision_apis.StructureSetDetailApi.as_view(),
        name="structure-set",
    ),
    path(
        "studies/<uid:study_uid>/structure-set/",
        revision_apis.StudyStructureSetApi.as_view(),
        name="study-structure-set",
    ),
    path(
        "structure-sets/<int:structure_set_id>/revisions/",
        revision_apis.RevisionCreateApi.as_view(),
        name="structure-set-revisions",
    ),
    path(
        "structure-sets/<int:structure_set_id>/editing/",
        editing_apis.EditingApi.as_view(),
        name="structure-set-editing",
    ),
    path(
        "structure-sets/<int:structure_set_id>/margins/",
        editing_apis.MarginsApi.as_view(),
        name="structure-set-margins",
    ),
    path(
        "structure-sets/<int:structure_set_id>/interpolate/",
        editing_apis.InterpolateApi.as_view(),
        name="structure-set-interpolate",
    ),
    path(
        "revisions/<int:revision_id>/labelmap/",
        revision_apis.RevisionLabelmapApi.as_view(),
        name="revision-labelmap",
    ),
    path(
        "revisions/<int:revision_id>/approve/",
        revision_apis.RevisionApproveApi.as_view(),
        name="revision-approve",
    ),
    path(
        "revisions/<int:revision_id>/metrics/",
        revision_apis.RevisionMetricsApi.as_view(),
        name="revision-metrics",
    ),
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
        "studies/<uid:study_uid>/exports/",
        export_apis.StudyExportListApi.as_view(),
        name="study-exports",
    ),
]
