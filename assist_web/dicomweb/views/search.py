"""QIDO-RS views."""

import json

from django.http import HttpResponse
from rest_framework.request import Request

from assist_web.accounts.models import AuditEvent
from assist_web.dicomweb.attributes import Level
from assist_web.dicomweb.qido import qido_search
from assist_web.dicomweb.qido_query import qido_query_parse
from assist_web.dicomweb.views.base import DicomWebView, accept_header, audit, base_url
from assist_web.dicomweb.wado import DICOM_JSON, metadata_check_accept


class SearchView(DicomWebView):
    level: Level = Level.STUDY

    def get(
        self, request: Request, study: str | None = None, series: str | None = None
    ) -> HttpResponse:
        metadata_check_accept(accept_header(request))
        query = qido_query_parse(
            level=self.level, params=dict(request.GET.lists()), study_uid=study, series_uid=series
        )
        result = qido_search(query=query, base_url=base_url(request))
        audit(request, AuditEvent.Action.SEARCH, result.study_uids)
        response = HttpResponse(json.dumps(result.items), content_type=DICOM_JSON)
        if result.truncated:
            # PS3.18 8.3.4.4: say that more matches exist than were returned.
            response["Warning"] = (
                f'299 {request.get_host()} "There are additional results that can be '
                f'requested with offset={query.offset + query.limit}"'
            )
        return response
