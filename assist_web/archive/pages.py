"""Server-rendered pages of the archive: the study list."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assist_web.archive.models import Study


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = Study.objects.select_related("patient").order_by("-last_received_at")[:200]
    return render(request, "archive/study_list.html", {"studies": studies})
