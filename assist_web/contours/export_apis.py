"""REST endpoints for export: send a revision, list a study's exports, download the objects.

Destinations are configured by site admins in the admin only; the API lists them read-only.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.models import AuditEvent
from assist_web.accounts.permissions import IsClinicalUser, signed_in_user
from assist_web.archive.models import Study
from assist_web.contours.export import (
    ExportRefused,
    export_destinations_enabled,
    export_download,
    export_history,
    export_start,
)
from assist_web.contours.models import Export, Revision
from assist_web.contours.permissions import MayDownloadExport, MaySendExport


class ExportOutputSerializer(serializers.ModelSerializer):
    revision_number = serializers.IntegerField(source="revision.number")
    destination_name = serializers.CharField(source="destination.name", default=None)
    requested_by = serializers.CharField(source="requested_by.username", default=None)

    class Meta:
        model = Export
        fields = [
            "id", "revision", "revision_number", "destination", "destination_name", "kind",
            "object", "sop_instance_uid", "requested_by", "state", "status_code", "error",
            "attempts", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


def _revision(revision_id: int) -> Revision:
    return get_object_or_404(
        Revision.objects.select_related("structure_set__study"), pk=revision_id
    )


def _audit(request: Request, revision: Revision, resource: str) -> None:
    audit_record(
        request=request,
        action=AuditEvent.Action.EXPORT,
        study_uids=[revision.structure_set.study.study_instance_uid],
        resource=resource,
    )


class DestinationListApi(APIView):
    """GET: the enabled destinations to choose from (read-only; the admin configures them)."""

    permission_classes = [IsClinicalUser]

    def get(self, request: Request) -> Response:
        return Response([{"id": d.pk, "name": d.name} for d in export_destinations_enabled()])


class RevisionExportCreateApi(APIView):
    """POST {destination, objects: ["rtstruct", "seg"]}: 202 and the queued exports."""

    permission_classes = [MaySendExport]

    class InputSerializer(serializers.Serializer):
        destination = serializers.PrimaryKeyRelatedField(queryset=export_destinations_enabled())
        objects = serializers.ListField(
            child=serializers.ChoiceField(choices=Export.Object.choices),
            min_length=1, max_length=2, default=["rtstruct"],
        )  # fmt: skip

    def post(self, request: Request, revision_id: int) -> Response:
        revision = _revision(revision_id)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            exports = export_start(
                revision=revision,
                destination=given.validated_data["destination"],
                requested_by=signed_in_user(request),
                objects=given.validated_data["objects"],
            )
        except ExportRefused as exc:
            code = status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST
            return Response({"detail": exc.message}, status=code)
        _audit(request, revision, f"revisions/{revision.pk}/exports")
        exports = [Export.objects.select_related("revision", "destination").get(pk=e.pk)
                   for e in exports]  # fmt: skip
        body = ExportOutputSerializer(exports, many=True).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    permission_classes = [IsClinicalUser]

    def get(self, request: Request, export_id: int) -> Response:
        export = get_object_or_404(
            Export.objects.select_related("revision", "destination", "requested_by"), pk=export_id
        )
        return Response(ExportOutputSerializer(export).data)


class StudyExportListApi(APIView):
    """GET: the study's export history, newest first."""

    permission_classes = [IsClinicalUser]

    def get(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        return Response(ExportOutputSerializer(export_history(study=study), many=True).data)


class RevisionObjectDownloadApi(APIView):
    """GET: the revision's RTSTRUCT or SEG as stored, as a DICOM file attachment."""

    permission_classes = [MayDownloadExport]
    object: str = ""

    def get(self, request: Request, revision_id: int) -> FileResponse | Response:
        revision = _revision(revision_id)
        try:
            path = export_download(
                revision=revision,
                object=self.object,
                user=signed_in_user(request),
            )
        except ExportRefused as exc:
            return Response({"detail": exc.message}, status=status.HTTP_404_NOT_FOUND)
        _audit(request, revision, f"revisions/{revision.pk}/{self.object}")
        filename = f"revision-{revision.pk}-{self.object}.dcm"
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=filename, content_type="application/dicom"
        )
