from django.urls import path

from assist_web.archive import api
from assist_web.archive.pacs import apis as pacs_apis

app_name = "api"
urlpatterns: list = [
    path("uploads/", api.UploadApi.as_view(), name="uploads"),
    path("pacs/", pacs_apis.RemotePacsListApi.as_view(), name="pacs-list"),
    path(
        "pacs/<int:remote_id>/studies",
        pacs_apis.RemoteStudySearchApi.as_view(),
        name="pacs-studies",
    ),
    path("pulls/", pacs_apis.PullCreateApi.as_view(), name="pull-create"),
    path("pulls/<int:pull_id>/", pacs_apis.PullDetailApi.as_view(), name="pull-detail"),
]
