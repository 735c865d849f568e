"""What every DICOMweb view shares: authentication, permission, audit and the base URL."""

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.authentication import CachedTokenAuthentication
from assist_web.accounts.permissions import IsClinicalUser


class _DicomNegotiation(BaseContentNegotiation):
    """Leave Accept to the views: DRF's renderers know no DICOM media types and would answer
    406 before a view could read the header. Only refusals go through the JSON renderer."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> None:
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class DicomWebView(APIView):
    authentication_classes = [CachedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsClinicalUser]
    renderer_classes = [JSONRenderer]
    parser_classes: list[Any] = []
    content_negotiation_class = _DicomNegotiation


def base_url(request: HttpRequest) -> str:
    """The absolute /dicomweb root as this client reached it, without a trailing slash."""
    studies = reverse("dicomweb:studies")
    return request.build_absolute_uri(studies[: -len("/studies")])


def accept_header(request: HttpRequest) -> str | None:
    return request.META.get("HTTP_ACCEPT")


def audit(request: Request, action: str, study_uids: Iterable[str]) -> None:
    audit_record(request=request, action=action, study_uids=study_uids, resource=request.path)
