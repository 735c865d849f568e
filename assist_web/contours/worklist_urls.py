from django.urls import path

from assist_web.contours import metrics_apis, worklist_apis

app_name = "worklist-api"
urlpatterns = [
    path("worklist/", worklist_apis.WorklistApi.as_view(), name="worklist"),
    path(
        "model-versions/<int:model_version_id>/metrics/",
        metrics_apis.ModelVersionMetricsApi.as_view(),
        name="model-version-metrics",
    ),
]
