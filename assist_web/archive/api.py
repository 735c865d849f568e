"""REST endpoints of the archive."""

from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.models import AuditEvent
from assist_web.accounts.permissions import IsClinicalUser
from assist_web.archive.uploads import UploadedFile, UploadRefused, upload_ingest


class UploadApi(APIView):
    """POST files and zips from the browser; answers with one result per DICOM object."""

    permission_classes = [IsClinicalUser]
    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        uploads = request.FILES.getlist("files")
        try:
            results = upload_ingest(
                files=[UploadedFile(name=f.name or "", size=f.size or 0, stream=f) for f in uploads]
            )
        except UploadRefused as refusal:
            return Response({"detail": refusal.reason}, status=status.HTTP_400_BAD_REQUEST)
        studies = {r.result.study_instance_uid for r in results if r.result.ok}
        if studies:
            audit_record(request=request, action=AuditEvent.Action.STORE, study_uids=studies)
        counts = {"stored": 0, "duplicate": 0, "refused": 0}
        for r in results:
            counts[r.result.outcome] += 1
        return Response(
            {
                "results": [
                    {
                        "file": r.file,
                        "outcome": r.result.outcome,
                        "reason": r.result.reason,
                        "study_instance_uid": r.result.study_instance_uid,
                        "series_instance_uid": r.result.series_instance_uid,
                        "sop_instance_uid": r.result.sop_instance_uid,
                    }
                    for r in results
                ],
                **counts,
            }
        )
