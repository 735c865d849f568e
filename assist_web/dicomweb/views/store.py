"""STOW-RS views, and the two URLs that share a path with a GET of another service."""

import json

from django.conf import settings
from django.http import HttpResponse
from rest_framework.request import Request

from assist_web.accounts.models import AuditEvent, Role
from assist_web.archive.store import uid_is_valid
from assist_web.dicomweb.attributes import Level
from assist_web.dicomweb.errors import BadRequest, LengthRequired, PayloadTooLarge
from assist_web.dicomweb.multipart import MultipartBody, Readable, boundary_from_content_type
from assist_web.dicomweb.stow import DICOM, stow_response, stow_store
from assist_web.dicomweb.views.base import audit, base_url
from assist_web.dicomweb.views.retrieve import RetrieveView
from assist_web.dicomweb.views.search import SearchView
from assist_web.dicomweb.wado import DICOM_JSON


def _body_stream(request: Request) -> tuple[Readable, int | None]:
    """The request body to read and its declared length, after the size checks that need no
    reading."""
    limit = settings.ASSIST_MAX_UPLOAD_BYTES
    length = request.META.get("CONTENT_LENGTH")
    if length:
        try:
            declared = int(length)
        except ValueError:
            raise BadRequest("Content-Length is not a number.") from None
        if declared == 0:
            raise BadRequest("The body is empty; send a multipart/related body of DICOM files.")
        if declared > limit:
            raise PayloadTooLarge(f"The body is {declared} bytes; this site accepts {limit}.")
        return request.stream, declared  # the Django request itself
    if request.META.get("wsgi.input_terminated"):
        # A chunked upload (dicomweb-client sends one above 1 MB) through a server such as
        # gunicorn that ends the stream itself; MultipartBody stops reading past the limit.
        return request.META["wsgi.input"], None
    raise LengthRequired()


def _stow(request: Request, study: str | None) -> HttpResponse:
    if study is not None and not uid_is_valid(study):
        raise BadRequest(f"'{study}' in the URL is not a valid DICOM UID.")
    stream, length = _body_stream(request)
    boundary = boundary_from_content_type(request.META.get("CONTENT_TYPE", ""), part_type=DICOM)
    body = MultipartBody(
        stream, boundary, max_bytes=settings.ASSIST_MAX_UPLOAD_BYTES, length=length
    )
    # A gpu worker sends back what it derived from archived images (SEG, RTSTRUCT).
    derived = getattr(request.user, "role", None) == Role.WORKER
    try:
        outcome = stow_store(body=body, study_uid=study, derived=derived)
    finally:
        body.close()
    audit(request, AuditEvent.Action.STORE, outcome.study_uids or [study or ""])
    reply = stow_response(outcome, base_url=base_url(request), study_uid=study)
    return HttpResponse(json.dumps(reply), status=outcome.status, content_type=DICOM_JSON)


class StudiesView(SearchView):
    """GET searches studies (QIDO-RS); POST stores instances (STOW-RS)."""

    level = Level.STUDY

    def post(self, request: Request) -> HttpResponse:
        return _stow(request, None)


class StudyView(RetrieveView):
    """GET retrieves the study (WADO-RS); POST stores instances into it (STOW-RS)."""

    def post(self, request: Request, study: str) -> HttpResponse:
        return _stow(request, study)
