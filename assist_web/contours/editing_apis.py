"""REST endpoints a physician's viewer calls while editing: the editing notice, CTV and PTV
from an edited GTV, and interpolation between slices. Physicians only; nothing is stored but
the notice."""

from typing import Any

import numpy as np
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.permissions import signed_in_user
from assist_web.contours.editing import editing_claim, editing_release
from assist_web.contours.errors import ReviewError, ReviewInvalid
from assist_web.contours.interpolation import slices_interpolate
from assist_web.contours.margins import targets_from_gtv
from assist_web.contours.models import StructureSet
from assist_web.contours.permissions import MayEditContours
from assist_web.contours.reference import ReferenceGrid, structure_set_grid
from assist_web.contours.revision_apis import refused
from assist_web.contours.serializers import editor_json
from workers.structures.runs import RunsError, mask_to_runs, runs_to_mask


def _structure_set(structure_set_id: int) -> StructureSet:
    return get_object_or_404(StructureSet, pk=structure_set_id)


def _editor_json(structure_set: StructureSet) -> dict[str, Any]:
    return {"editor": editor_json(structure_set)}


def _mask(grid: ReferenceGrid, runs: Any, what: str) -> np.ndarray:
    try:
        return runs_to_mask(runs, grid.shape)
    except RunsError as exc:
        raise ReviewInvalid(f"{what}: {exc}") from exc


class EditingApi(APIView):
    """POST: claim the set for editing, or keep the claim alive (every 30 s); DELETE: release.

    Both answer ``{"editor": ...}``: whoever edits now, which is someone else while their
    claim is alive.
    """

    permission_classes = [MayEditContours]

    def post(self, request: Request, structure_set_id: int) -> Response:
        structure_set = editing_claim(
            structure_set=_structure_set(structure_set_id),
            user=signed_in_user(request),
        )
        return Response(_editor_json(structure_set))

    def delete(self, request: Request, structure_set_id: int) -> Response:
        try:
            structure_set = editing_release(
                structure_set=_structure_set(structure_set_id),
                user=signed_in_user(request),
            )
        except ReviewError as error:
            return refused(error)
        return Response(_editor_json(structure_set))


class MarginsApi(APIView):
    """POST {reference_series_uid, gtv, brain}: CTV and PTV with the site's margins."""

    permission_classes = [MayEditContours]

    class InputSerializer(serializers.Serializer):
        reference_series_uid = serializers.CharField(max_length=64)
        gtv = serializers.JSONField()
        brain = serializers.JSONField()

    def post(self, request: Request, structure_set_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            grid = structure_set_grid(
                structure_set=_structure_set(structure_set_id),
                series_uid=data["reference_series_uid"],
            )
            targets = targets_from_gtv(
                grid=grid, gtv=_mask(grid, data["gtv"], "GTV"),
                brain=_mask(grid, data["brain"], "Brain"),
            )  # fmt: skip
        except ReviewError as error:
            return refused(error)
        return Response(
            {
                "CTV": mask_to_runs(targets.ctv),
                "PTV": mask_to_runs(targets.ptv),
                "ctv_margin_mm": targets.ctv_margin_mm,
                "ptv_margin_mm": targets.ptv_margin_mm,
            }
        )


class InterpolateApi(APIView):
    """POST {reference_series_uid, runs}: the mask with empty slices between contoured ones
    filled."""

    permission_classes = [MayEditContours]

    class InputSerializer(serializers.Serializer):
        reference_series_uid = serializers.CharField(max_length=64)
        runs = serializers.JSONField()

    def post(self, request: Request, structure_set_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            grid = structure_set_grid(
                structure_set=_structure_set(structure_set_id),
                series_uid=data["reference_series_uid"],
            )
            mask = _mask(grid, data["runs"], "Mask")
        except ReviewError as error:
            return refused(error)
        return Response({"runs": mask_to_runs(slices_interpolate(mask, grid.spacing[1:]))})
