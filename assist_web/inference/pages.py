"""The sequence mapping page: which series the model reads as T1, T1c, T2 and FLAIR, and why.

Every clinical user sees the mapping; physicians and site admins change it, and the next job
of the study reads the series they chose. A job can be asked for from here too.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from assist_web.accounts.models import User
from assist_web.accounts.permissions import clinician_required, signed_in_user
from assist_web.archive.models import Study
from assist_web.inference.jobs import JobRefused, job_create
from assist_web.inference.permissions import MayChooseSequences
from assist_web.inference.study_sequences import (
    SequencesInvalid,
    study_sequences_get,
    study_sequences_override,
)
from workers.sequences import REQUIRED

_RECENT_JOBS = 5


@dataclass(frozen=True)
class SeriesRow:
    series_instance_uid: str
    number: int | None
    description: str
    images: int
    identified_as: str
    reason: str


def may_override(user: User) -> bool:
    return bool(user.is_superuser or user.role in MayChooseSequences.roles)


def _series_rows(study: Study, verdicts: dict[str, tuple[str, str]]) -> list[SeriesRow]:
    rows = study.series.filter(modality="MR").order_by("series_number", "id")
    return [
        SeriesRow(
            series_instance_uid=s.series_instance_uid,
            number=s.series_number,
            description=s.description,
            images=s.num_instances,
            identified_as=verdicts.get(s.series_instance_uid, ("unknown", ""))[0],
            reason=verdicts.get(s.series_instance_uid, ("", "not judged"))[1],
        )
        for s in rows
    ]


def _page(
    request: HttpRequest, study: Study, *, error: str = "", status: int = 200
) -> HttpResponse:
    found = study_sequences_get(study=study)
    verdicts = {v.series_instance_uid: (v.kind.value, v.reason) for v in found.verdicts}
    mapping = [(kind.value, found.chosen.get(kind), kind in found.overridden) for kind in REQUIRED]
    context = {
        "study": study,
        "mapping": mapping,
        "series": _series_rows(study, verdicts),
        "missing": [kind.value for kind in found.missing],
        "may_override": may_override(signed_in_user(request)),
        "jobs": study.jobs.select_related("model_version")[:_RECENT_JOBS],
        "error": error,
    }
    return render(request, "inference/study_sequences.html", context, status=status)


@clinician_required
@require_http_methods(["GET", "POST"])
def study_sequences(request: HttpRequest, study_uid: str) -> HttpResponse:
    study = get_object_or_404(Study, study_instance_uid=study_uid)
    if request.method == "GET":
        return _page(request, study)
    user = signed_in_user(request)
    if request.POST.get("action") == "run":
        try:
            job = job_create(study=study, requested_by=user)
        except JobRefused as refusal:
            return _page(request, study, error=refusal.message, status=400)
        messages.success(request, f"Job {job.pk} is queued with {job.model_version}.")
        return redirect(request.path)
    if not may_override(user):
        raise PermissionDenied("Only physicians and site admins change the sequence mapping.")
    chosen = {kind.value: request.POST.get(kind.value, "").strip() or None for kind in REQUIRED}
    try:
        study_sequences_override(study=study, series=chosen, user=user)
    except SequencesInvalid as invalid:
        return _page(request, study, error=invalid.message, status=400)
    messages.success(request, "Sequence mapping saved; the next job of this study uses it.")
    return redirect(request.path)
