"""REST endpoints for remote PACS: list them, search one, start a pull, follow a pull.

Site admins configure remotes in the admin; any clinical user may search and pull.
"""

import dataclasses
import re
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.models import AuditEvent
from assist_web.accounts.permissions import IsClinicalUser, signed_in_user
from assist_web.archive.models import PacsPull
from assist_web.archive.pacs.client import PacsError
from assist_web.archive.pacs.services import (
    PacsQueryInvalid,
    pacs_pull_start,
    pacs_remotes_enabled,
    pacs_search,
)

# DICOM DA range matching (PS3.4 C.2.2.2.5): a date, or a range with either end open.
_DATE_RANGE = re.compile(r"^(?P<start>\d{8})?(?P<dash>-)?(?P<end>\d{8})?$")


def _error(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


def study_date_range(text: str) -> tuple[date | None, date | None]:
    match = _DATE_RANGE.match(text.strip())
    if not text.strip() or not match or not (match["start"] or match["end"]):
        raise PacsQueryInvalid(
            "StudyDate must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD (either end may be left out)."
        )
    try:
        start = datetime.strptime(match["start"], "%Y%m%d").date() if match["start"] else None
        end = datetime.strptime(match["end"], "%Y%m%d").date() if match["end"] else None
    except ValueError:
        raise PacsQueryInvalid(f"StudyDate {text!r} is not a real date.") from None
    return (start, end) if match["dash"] else (start, start)


class RemotePacsListApi(APIView):
    permission_classes = [IsClinicalUser]

    def get(self, request: Request) -> Response:
        return Response([{"id": r.pk, "name": r.name} for r in pacs_remotes_enabled()])


class RemoteStudySearchApi(APIView):
    """GET ?PatientID=..&StudyDate=20240101-20241231: the studies the PACS finds."""

    permission_classes = [IsClinicalUser]

    def get(self, request: Request, remote_id: int) -> Response:
        remote = get_object_or_404(pacs_remotes_enabled(), pk=remote_id)
        patient_id = request.query_params.get("PatientID", "").strip() or None
        raw_date = request.query_params.get("StudyDate", "")
        try:
            date_from, date_to = study_date_range(raw_date) if raw_date else (None, None)
            studies = pacs_search(
                remote=remote, patient_id=patient_id, date_from=date_from, date_to=date_to
            )
        except PacsQueryInvalid as exc:
            return _error(exc.message, status.HTTP_400_BAD_REQUEST)
        except PacsError as exc:
            return _error(exc.message, status.HTTP_502_BAD_GATEWAY)
        audit_record(
            request=request,
            action=AuditEvent.Action.SEARCH,
            study_uids=[s.study_instance_uid for s in studies] or [""],
            resource=f"pacs/{remote.pk}/studies",
        )
        return Response([dataclasses.asdict(s) for s in studies])


class PullOutputSerializer(serializers.ModelSerializer):
    remote_name = serializers.CharField(source="remote.name")

    class Meta:
        model = PacsPull
        fields = [
            "id",
            "remote",
            "remote_name",
            "study_instance_uid",
            "patient_id",
            "date_from",
            "date_to",
            "state",
            "num_studies",
            "num_stored",
            "num_duplicate",
            "num_refused",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PullCreateApi(APIView):
    """POST {remote, study_uid} or {remote, patient_id, date_from?, date_to?}: 202 and the pull."""

    permission_classes = [IsClinicalUser]

    class InputSerializer(serializers.Serializer):
        remote = serializers.PrimaryKeyRelatedField(queryset=pacs_remotes_enabled())
        study_uid = serializers.CharField(max_length=64, required=False, allow_blank=True)
        patient_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
        date_from = serializers.DateField(
            required=False, allow_null=True, input_formats=["iso-8601", "%Y%m%d"]
        )
        date_to = serializers.DateField(
            required=False, allow_null=True, input_formats=["iso-8601", "%Y%m%d"]
        )

    def post(self, request: Request) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            pull = pacs_pull_start(
                remote=data["remote"],
                requested_by=signed_in_user(request),
                study_uid=data.get("study_uid") or None,
                patient_id=data.get("patient_id") or None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except PacsQueryInvalid as exc:
            return _error(exc.message, status.HTTP_400_BAD_REQUEST)
        return Response(PullOutputSerializer(pull).data, status=status.HTTP_202_ACCEPTED)


class PullDetailApi(APIView):
    permission_classes = [IsClinicalUser]

    def get(self, request: Request, pull_id: int) -> Response:
        pull = get_object_or_404(PacsPull.objects.select_related("remote"), pk=pull_id)
        return Response(PullOutputSerializer(pull).data)
