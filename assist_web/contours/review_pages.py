"""The review page: the viewer where physicians check, edit and approve a study's contours."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import ensure_csrf_cookie

from assist_web.accounts.models import Role
from assist_web.accounts.permissions import clinician_required
from assist_web.archive.models import Study
from assist_web.archive.pages import dicom_date, frontend_assets, person_name
from assist_web.contours.models import StructureSet


@clinician_required
@ensure_csrf_cookie
def viewer(request: HttpRequest, study_uid: str) -> HttpResponse:
    study = get_object_or_404(Study.objects.select_related("patient"), study_instance_uid=study_uid)
    newest = StructureSet.objects.filter(study=study).values_list("pk", flat=True).first()
    context = {
        "study": study,
        # The page asks the API for this set only: a study without one costs no 404.
        "structure_set_id": newest or "",
        "patient_name": person_name(study.patient.name),
        "study_date": dicom_date(study.study_date),
        "assets": frontend_assets("viewer"),
        # The page offers editing only to physicians; the API enforces it either way.
        "can_edit": getattr(request.user, "role", None) == Role.PHYSICIAN,
    }
    return render(request, "contours/review.html", context)
