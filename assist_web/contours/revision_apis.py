"""REST endpoints of the review: structure sets, revisions, their masks, saving and approval.

Views parse, call one service and render; services raise ReviewError subclasses, answered as
``{"detail": message}`` with the error's status.
"""

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.models import AuditEvent
from assist_web.accounts.permissions import signed_in_user
from assist_web.archive.models import Study
from assist_web.contours.approval import revision_approve
from assist_web.contours.errors import ReviewError
from assist_web.contours.labelmap import labelmap_json
from assist_web.contours.metrics import metrics_json
from assist_web.contours.models import Approval, Revision, StructureSet
from assist_web.contours.permissions import MayEditContours, MayReadReview
from assist_web.contours.revisions import DECISIONS, SubmittedStructure, revision_save
from assist_web.contours.serializers import (
    revision_json,
    structure_set_json,
    structure_set_load,
)


def refused(error: ReviewError) -> Response:
    return Response({"detail": error.message}, status=error.status)


def revision_get(revision_id: int) -> Revision:
    return get_object_or_404(
        Revision.objects.select_related("structure_set__study"), pk=revision_id
    )


def audit_read(request: Request, structure_set: StructureSet) -> None:
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        study_uids=[structure_set.study.study_instance_uid],
    )


class StructureSetDetailApi(APIView):
    """GET: the set, its review state, editor and revisions."""

    permission_classes = [MayReadReview]

    def get(self, request: Request, structure_set_id: int) -> Response:
        try:
            structure_set = structure_set_load(pk=structure_set_id)
        except StructureSet.DoesNotExist:
            return Response({"detail": "No such structure set."}, status=404)
        audit_read(request, structure_set)
        return Response(structure_set_json(structure_set))


class StudyStructureSetApi(APIView):
    """GET: the study's newest structure set (404 when the AI has not contoured it yet)."""

    permission_classes = [MayReadReview]

    def get(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        newest = study.structure_sets.order_by("-created_at", "-id").first()
        if newest is None:
            return Response(
                {"detail": "This study has no contours yet."}, status=status.HTTP_404_NOT_FOUND
            )
        structure_set = structure_set_load(pk=newest.pk)
        audit_read(request, structure_set)
        return Response(structure_set_json(structure_set))


class RevisionLabelmapApi(APIView):
    """GET: the revision's structures as runs on the reference grid, read from its SEG."""

    permission_classes = [MayReadReview]

    def get(self, request: Request, revision_id: int) -> Response:
        revision = revision_get(revision_id)
        try:
            body = labelmap_json(revision=revision)
        except ReviewError as error:
            return refused(error)
        audit_read(request, revision.structure_set)
        return Response(body)


class _StructureInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    decision = serializers.ChoiceField(choices=DECISIONS)
    # Checked by the runs codec against the grid; per-item checks here would cost more than
    # decoding (a brain is tens of thousands of runs).
    runs = serializers.JSONField(required=False, allow_null=True)


class RevisionCreateApi(APIView):
    """POST {parent_id, reference_series_uid, structures}: 201 and the revision, "writing"."""

    permission_classes = [MayEditContours]

    class InputSerializer(serializers.Serializer):
        parent_id = serializers.IntegerField()
        reference_series_uid = serializers.CharField(max_length=64)
        structures = _StructureInput(many=True, allow_empty=False)

    def post(self, request: Request, structure_set_id: int) -> Response:
        structure_set = get_object_or_404(
            StructureSet.objects.select_related("study"), pk=structure_set_id
        )
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            revision = revision_save(
                structure_set=structure_set,
                user=signed_in_user(request),
                parent_id=data["parent_id"],
                reference_series_uid=data["reference_series_uid"],
                structures=[
                    SubmittedStructure(name=s["name"], decision=s["decision"], runs=s.get("runs"))
                    for s in data["structures"]
                ],
            )
        except ReviewError as error:
            return refused(error)
        audit_record(
            request=request,
            action=AuditEvent.Action.STORE,
            study_uids=[structure_set.study.study_instance_uid],
            resource=f"structure-sets/{structure_set.pk}/revisions/{revision.number}",
        )
        saved = Revision.objects.select_related("author", "model_version").get(pk=revision.pk)
        return Response(revision_json(saved), status=status.HTTP_201_CREATED)


class RevisionApproveApi(APIView):
    """POST {password}: sign the revision off; 200 and the revision with its approval."""

    permission_classes = [MayEditContours]

    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(trim_whitespace=False)

    def post(self, request: Request, revision_id: int) -> Response:
        revision = revision_get(revision_id)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            revision_approve(
                revision=revision,
                user=signed_in_user(request),
                password=given.validated_data["password"],
            )
        except ReviewError as error:
            return refused(error)
        audit_record(
            request=request,
            action=AuditEvent.Action.APPROVE,
            study_uids=[revision.structure_set.study.study_instance_uid],
            resource=f"revisions/{revision.pk}/approve",
        )
        approved = Revision.objects.select_related(
            "author", "model_version", "approval__approved_by"
        ).get(pk=revision.pk)
        return Response(revision_json(approved))


class RevisionMetricsApi(APIView):
    """GET: each structure of the approved revision measured against the AI revision."""

    permission_classes = [MayReadReview]

    def get(self, request: Request, revision_id: int) -> Response:
        revision = revision_get(revision_id)
        approval = Approval.objects.filter(revision=revision).first()
        if approval is None:
            return Response(
                {"detail": f"Revision {revision.number} is not approved; metrics are measured "
                           "at approval."},
                status=status.HTTP_404_NOT_FOUND,
            )  # fmt: skip
        audit_read(request, revision.structure_set)
        return Response(metrics_json(approval=approval))
