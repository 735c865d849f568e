"""DICOMweb (PS3.18) URLs. UIDs are captured as plain strings and checked in the views, so a
malformed UID is answered with a 400 that says so rather than a bare 404."""

from django.urls import path

from assist_web.dicomweb.attributes import Level
from assist_web.dicomweb.views.pixels import (
    FramesView,
    RenderedInstancesView,
    RenderedView,
    ThumbnailView,
)
from assist_web.dicomweb.views.retrieve import BulkdataView, MetadataView, RetrieveView
from assist_web.dicomweb.views.search import SearchView
from assist_web.dicomweb.views.store import StudiesView, StudyView

app_name = "dicomweb"

_STUDY = "studies/<str:study>"
_SERIES = f"{_STUDY}/series/<str:series>"
_INSTANCE = f"{_SERIES}/instances/<str:sop>"

urlpatterns = [
    path("studies", StudiesView.as_view(), name="studies"),
    path("series", SearchView.as_view(level=Level.SERIES), name="series"),
    path("instances", SearchView.as_view(level=Level.INSTANCE), name="instances"),
    path(_STUDY, StudyView.as_view(), name="study"),
    path(f"{_STUDY}/metadata", MetadataView.as_view(), name="study-metadata"),
    path(f"{_STUDY}/rendered", RenderedInstancesView.as_view(), name="study-rendered"),
    path(f"{_STUDY}/thumbnail", ThumbnailView.as_view(), name="study-thumbnail"),
    path(f"{_STUDY}/series", SearchView.as_view(level=Level.SERIES), name="study-series"),
    path(f"{_STUDY}/instances", SearchView.as_view(level=Level.INSTANCE), name="study-instances"),
    path(_SERIES, RetrieveView.as_view(), name="series-retrieve"),
    path(f"{_SERIES}/metadata", MetadataView.as_view(), name="series-metadata"),
    path(f"{_SERIES}/rendered", RenderedInstancesView.as_view(), name="series-rendered"),
    path(f"{_SERIES}/thumbnail", ThumbnailView.as_view(), name="series-thumbnail"),
    path(f"{_SERIES}/instances", SearchView.as_view(level=Level.INSTANCE), name="series-instances"),
    path(_INSTANCE, RetrieveView.as_view(), name="instance"),
    path(f"{_INSTANCE}/metadata", MetadataView.as_view(), name="instance-metadata"),
    path(f"{_INSTANCE}/rendered", RenderedView.as_view(), name="instance-rendered"),
    path(f"{_INSTANCE}/thumbnail", ThumbnailView.as_view(), name="instance-thumbnail"),
    path(f"{_INSTANCE}/frames/<str:frames>", FramesView.as_view(), name="frames"),
    path(
        f"{_INSTANCE}/frames/<str:frames>/rendered", RenderedView.as_view(), name="frame-rendered"
    ),
    path(f"{_INSTANCE}/bulkdata/<str:tag>", BulkdataView.as_view(), name="bulkdata"),
]
