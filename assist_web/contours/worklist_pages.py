"""The worklist page, the site's front page, and its button that asks for an AI job.

The page is complete without scripts; ``frontend/src/worklist`` then follows jobs and reviews
live and starts jobs in place.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from assist_web.accounts.permissions import clinician_required, signed_in_user
from assist_web.archive.models import Study
from assist_web.archive.pages import frontend_assets, person_name
from assist_web.contours.review_state import ReviewState
from assist_web.contours.worklist import WorklistPage, worklist_get
from assist_web.contours.worklist_apis import WorklistFilterSerializer, worklist_audit
from assist_web.inference.jobs import JobRefused, job_create
from assist_web.inference.models import Job
from workers.sequences import REQUIRED

STATE_CHOICES = [
    *((s.value, s.label) for s in ReviewState),
    *((s.value, f"AI {s.label.lower()}") for s in Job.State),
]


@clinician_required
def worklist(request: HttpRequest) -> HttpResponse:
    params = WorklistFilterSerializer(data=request.GET)
    status, error = 200, ""
    if params.is_valid():
        filters = params.validated_data
        page = worklist_get(query=filters["q"], state=filters["state"], page=filters["page"])
        worklist_audit(request, page)
    else:
        field, errors = next(iter(params.errors.items()))
        status, error = 400, f"{field}: {errors[0]}"
        filters = {"q": request.GET.get("q", "")[:100], "state": "", "page": 1}
        page = WorklistPage(rows=[], number=1, num_pages=1, count=0)
    context = {
        "page": page,
        "q": filters["q"],
        "state": filters["state"],
        "error": error,
        "state_choices": STATE_CHOICES,
        "sequence_names": [kind.value for kind in REQUIRED],
        "assets": frontend_assets("worklist"),
    }
    return render(request, "contours/worklist.html", context, status=status)


@clinician_required  # first: anonymous visitors go to the login page, whatever the method
@require_POST
def study_job_start(request: HttpRequest, study_uid: str) -> HttpResponse:
    """Run the active model on a study now; back to the worklist with what happened."""
    study = get_object_or_404(Study.objects.select_related("patient"), study_instance_uid=study_uid)
    try:
        job_create(study=study, requested_by=signed_in_user(request))
    except JobRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"AI contouring of {person_name(study.patient.name)} is queued.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back or "/")
