"""The review page: the viewer where physicians check, edit and approve a study's contours."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from assist_web.accounts.permissions import clinician_required
from assist_web.archive.models import Study
from assist_web.archive.pages import dicom_date, frontend_assets, person_name


@clinician_required
def viewer(request: HttpRequest, study_uid: str) -> HttpResponse:
    study = get_object_or_404(Study.objects.select_related("patient"), study_instance_uid=study_uid)
    context = {
        "study": study,
        "patient_name": person_name(study.patient.name),
        "study_date": dicom_date(study.study_date),
        "assets": frontend_assets("viewer"),
    }
    return render(request, "archive/viewer.html", context)
