"""REST endpoints of inference jobs and model bundles. Each parses, calls one service, renders.

Worker endpoints (claim, progress, complete, fail, bundle) are the contract with the gpu
worker in workers/gpu; clinicians ask for jobs and follow them per study.
"""

from collections.abc import Callable

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.permissions import signed_in_user
from assist_web.archive.models import Study
from assist_web.contours.services import StructureSummary
from assist_web.inference.jobs import JobRefused, job_create
from assist_web.inference.leases import (
    DicomRef,
    JobConflict,
    JobInvalid,
    job_claim,
    job_complete,
    job_fail,
    job_progress,
)
from assist_web.inference.models import Job, ModelVersion
from assist_web.inference.permissions import (
    IsClinician,
    IsWorker,
    MayChooseSequences,
    MayFollowJob,
)
from assist_web.inference.study_sequences import (
    SequencesInvalid,
    StudySequences,
    study_sequences_get,
    study_sequences_override,
)


def _error(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


def job_json(job: Job, *, show_lease: bool) -> dict[str, object]:
    mv = job.model_version
    return {
        "id": job.pk,
        "state": job.state,
        "percent": job.percent,
        "stage": job.stage,
        "study_instance_uid": job.study.study_instance_uid,
        "sequences": job.sequences,
        "model_version": {
            "id": mv.pk,
            "name": mv.name,
            "version": mv.version,
            "sha256": mv.sha256,
            "bundle_url": f"/api/v1/models/{mv.pk}/bundle/",
        },
        "margins": {"ctv_mm": job.ctv_margin_mm, "ptv_mm": job.ptv_margin_mm},
        "attempt": job.attempt,
        # The lease is the worker's; people following a job see that one exists, not its value.
        "lease_token": (job.lease_token or None) if show_lease else None,
        "result": job.result,
        "error": job.error,
        "worker": job.worker,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "updated_at": job.updated_at,
    }


def _is_worker(request: Request) -> bool:
    return IsWorker().has_permission(request, None)  # type: ignore[arg-type]


class JobDetailApi(APIView):
    permission_classes = [MayFollowJob]

    def get(self, request: Request, job_id: int) -> Response:
        job = get_object_or_404(Job.objects.select_related("study", "model_version"), pk=job_id)
        return Response(job_json(job, show_lease=_is_worker(request)))


class JobClaimApi(APIView):
    permission_classes = [IsWorker]

    class InputSerializer(serializers.Serializer):
        worker = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def post(self, request: Request, job_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        get_object_or_404(Job, pk=job_id)
        try:
            job = job_claim(job_id=job_id, worker=given.validated_data.get("worker", ""))
        except JobConflict as exc:
            return _error(exc.message, status.HTTP_409_CONFLICT)
        return Response(job_json(job, show_lease=True))


class _LeasedApi(APIView):
    permission_classes = [IsWorker]

    def _run(self, job_id: int, call: Callable[[], Job]) -> Response:
        get_object_or_404(Job, pk=job_id)
        try:
            job = call()
        except JobConflict as exc:
            return _error(exc.message, status.HTTP_409_CONFLICT)
        except JobInvalid as exc:
            return _error(exc.message, status.HTTP_400_BAD_REQUEST)
        job = Job.objects.select_related("study", "model_version").get(pk=job.pk)
        return Response(job_json(job, show_lease=True))


class JobProgressApi(_LeasedApi):
    class InputSerializer(serializers.Serializer):
        lease_token = serializers.CharField(max_length=64)
        percent = serializers.IntegerField(min_value=0, max_value=100)
        stage = serializers.CharField(max_length=64, allow_blank=True, required=False)

    def post(self, request: Request, job_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        return self._run(
            job_id,
            lambda: job_progress(
                job_id=job_id,
                lease_token=data["lease_token"],
                percent=data["percent"],
                stage=data.get("stage", ""),
            ),
        )


class _DicomRefSerializer(serializers.Serializer):
    study_instance_uid = serializers.CharField(max_length=64)
    series_instance_uid = serializers.CharField(max_length=64)
    sop_instance_uid = serializers.CharField(max_length=64)


class _StructureSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    volume_ml = serializers.FloatField(min_value=0)


class JobCompleteApi(_LeasedApi):
    class InputSerializer(serializers.Serializer):
        lease_token = serializers.CharField(max_length=64)
        seg = _DicomRefSerializer()
        rtstruct = _DicomRefSerializer()
        structures = _StructureSerializer(many=True)

    def post(self, request: Request, job_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        return self._run(
            job_id,
            lambda: job_complete(
                job_id=job_id,
                lease_token=data["lease_token"],
                seg=DicomRef(**data["seg"]),
                rtstruct=DicomRef(**data["rtstruct"]),
                structures=[StructureSummary(**s) for s in data["structures"]],
            ),
        )


class JobFailApi(_LeasedApi):
    class InputSerializer(serializers.Serializer):
        lease_token = serializers.CharField(max_length=64)
        reason = serializers.CharField(max_length=2000)
        transient = serializers.BooleanField()

    def post(self, request: Request, job_id: int) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        return self._run(
            job_id,
            lambda: job_fail(
                job_id=job_id,
                lease_token=data["lease_token"],
                reason=data["reason"],
                transient=data["transient"],
            ),
        )


class ModelBundleApi(APIView):
    """The bundle zip; workers cache it by the SHA-256 in the header."""

    permission_classes = [IsWorker]

    def get(self, request: Request, model_id: int) -> FileResponse | Response:
        version = get_object_or_404(ModelVersion, pk=model_id)
        path = version.bundle_path
        if not path.is_file():
            return _error("The bundle file is missing on the site.", status.HTTP_404_NOT_FOUND)
        response = FileResponse(
            path.open("rb"),
            content_type="application/zip",
            as_attachment=True,
            filename=f"{version.name}-{version.version}.zip",
        )
        response["X-Bundle-SHA256"] = version.sha256
        return response


class StudyJobsApi(APIView):
    """GET: the study's jobs, newest first. POST: run the active model on it now."""

    permission_classes = [IsClinician]

    def get(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        jobs = study.jobs.select_related("study", "model_version")
        return Response([job_json(job, show_lease=False) for job in jobs])

    def post(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        try:
            job = job_create(study=study, requested_by=signed_in_user(request))
        except JobRefused as exc:
            return _error(exc.message, status.HTTP_400_BAD_REQUEST)
        job = Job.objects.select_related("study", "model_version").get(pk=job.pk)
        return Response(job_json(job, show_lease=False), status=status.HTTP_201_CREATED)


def _sequences_json(study: Study, found: StudySequences) -> dict[str, object]:
    return {
        "study_instance_uid": study.study_instance_uid,
        "sequences": found.as_json(),
        "missing": [kind.value for kind in found.missing],
        "series": found.series_json(),
    }


class StudySequencesApi(APIView):
    """GET: the identified T1/T1c/T2/FLAIR with reasons. PUT {"T1c": uid, "T2": null}: override
    (physicians and site admins, as on the study's sequence page)."""

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "PUT":
            return [MayChooseSequences()]
        return [IsClinician()]

    def get(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        return Response(_sequences_json(study, study_sequences_get(study=study)))

    def put(self, request: Request, study_uid: str) -> Response:
        study = get_object_or_404(Study, study_instance_uid=study_uid)
        body = request.data
        if not isinstance(body, dict) or not all(isinstance(v, str | None) for v in body.values()):
            return _error(
                'Send {"T1": series_uid, ...}; null clears a choice.', status.HTTP_400_BAD_REQUEST
            )
        try:
            found = study_sequences_override(
                study=study,
                series=dict(body),
                user=signed_in_user(request),
            )
        except SequencesInvalid as exc:
            return _error(exc.message, status.HTTP_400_BAD_REQUEST)
        return Response(_sequences_json(study, found))
