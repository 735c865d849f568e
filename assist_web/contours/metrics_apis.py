"""How much physicians change the AI's contours, per model version, over REST."""

from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.contours.metrics_summary import model_version_metrics_summary
from assist_web.contours.worklist_apis import MayReadWorklist
from assist_web.inference.models import ModelVersion


class ModelVersionMetricsApi(APIView):
    """GET: per structure, n, median and quartiles of each metric over the approved revisions."""

    permission_classes = [MayReadWorklist]

    def get(self, request: Request, model_version_id: int) -> Response:
        version = get_object_or_404(ModelVersion, pk=model_version_id)
        return Response(model_version_metrics_summary(model_version=version).as_json())
