"""The review page: the viewer where physicians check, edit and approve a study's contours."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from assist_web.accounts.models import Role
from assist_web.accounts.permissions import clinician_required
from assist_web.archive.models import Series, Study
from assist_web.archive.pages import dicom_date, frontend_assets, person_name
from assist_web.contours.models import StructureSet
from assist_web.inference.study_sequences import study_sequences_get
from workers.sequences import SequenceKind

# Series the viewer lists but cannot draw (as frontend/src/viewer/seriesList.ts).
NON_IMAGE_MODALITIES = ("SEG", "RTSTRUCT", "RTPLAN", "RTDOSE", "SR", "PR", "KO", "REG", "DOC")
# The preview fills one of three views on a wide screen; larger would only cost bytes.
PREVIEW_VIEWPORT = "512,512"


@clinician_required
@ensure_csrf_cookie
def viewer(request: HttpRequest, study_uid: str) -> HttpResponse:
    study = get_object_or_404(Study.objects.select_related("patient"), study_instance_uid=study_uid)
    newest = StructureSet.objects.filter(study=study).values_list("pk", flat=True).first()
    preview_uid = _first_series_uid(study=study, requested=request.GET.get("series", ""))
    context = {
        "study": study,
        # The page asks the API for this set only: a study without one costs no 404.
        "structure_set_id": newest or "",
        "patient_name": person_name(study.patient.name),
        "study_date": dicom_date(study.study_date),
        "assets": frontend_assets("viewer"),
        # The page offers editing only to physicians; the API enforces it either way.
        "can_edit": getattr(request.user, "role", None) == Role.PHYSICIAN,
        "preview_series_uid": preview_uid or "",
        "preview_url": _preview_url(study_uid, preview_uid) if preview_uid else "",
    }
    return render(request, "contours/review.html", context)


def _first_series_uid(*, study: Study, requested: str) -> str | None:
    """The series the page will most likely show first: the one asked for, else the T1c.

    Its middle slice, rendered by the server, is in the HTML so that the browser fetches it
    while the viewer's script loads; the page drops it if it chooses another series.
    """
    images = Series.objects.filter(study=study).exclude(modality__in=NON_IMAGE_MODALITIES)
    if requested and images.filter(series_instance_uid=requested).exists():
        return requested
    t1c = study_sequences_get(study=study).chosen.get(SequenceKind.T1C)
    return t1c.series_instance_uid if t1c else None


def _preview_url(study_uid: str, series_uid: str) -> str:
    path = reverse("dicomweb:series-thumbnail", kwargs={"study": study_uid, "series": series_uid})
    return f"{path}?viewport={PREVIEW_VIEWPORT}"
