"""WADO-RS views for whole objects, metadata and bulk data."""

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.request import Request

from assist_web.accounts.models import AuditEvent
from assist_web.dicomweb.frames import frame_choice, frames_read
from assist_web.dicomweb.lookup import instance_find, instances_find, metadata_texts
from assist_web.dicomweb.multipart import multipart_content_type, multipart_stream, new_boundary
from assist_web.dicomweb.pixels import PIXEL_DATA_TAG
from assist_web.dicomweb.views.base import DicomWebView, accept_header, audit, base_url
from assist_web.dicomweb.wado import (
    DICOM,
    DICOM_JSON,
    bulkdata_read,
    bulkdata_tag_parse,
    dicom_accept_check,
    dicom_parts,
    metadata_check_accept,
    metadata_json,
)


class RetrieveView(DicomWebView):
    """Study, series or instance as multipart/related; type="application/dicom"."""

    def get(
        self, request: Request, study: str, series: str | None = None, sop: str | None = None
    ) -> StreamingHttpResponse:
        instances = instances_find(study=study, series=series, sop=sop)
        dicom_accept_check(accept_header(request), {i.transfer_syntax_uid for i in instances})
        audit(request, AuditEvent.Action.READ, [study])
        boundary = new_boundary()
        response = StreamingHttpResponse(
            multipart_stream(dicom_parts(instances), boundary),
            content_type=multipart_content_type(DICOM, boundary),
        )
        return response


class MetadataView(DicomWebView):
    def get(
        self, request: Request, study: str, series: str | None = None, sop: str | None = None
    ) -> HttpResponse:
        metadata_check_accept(accept_header(request))
        texts = metadata_texts(study=study, series=series, sop=sop)
        audit(request, AuditEvent.Action.READ, [study])
        return HttpResponse(
            metadata_json(texts, base_url=base_url(request)), content_type=DICOM_JSON
        )


class BulkdataView(DicomWebView):
    def get(self, request: Request, study: str, series: str, sop: str, tag: str) -> HttpResponse:
        number = bulkdata_tag_parse(tag)
        instance = instance_find(study=study, series=series, sop=sop)
        if number == PIXEL_DATA_TAG:
            # Pixel data is served as its frames, so Accept chooses stored or native bytes.
            choice = frame_choice(accept_header(request), instance.transfer_syntax_uid)
            numbers = list(range(1, instance.number_of_frames + 1))
            values = frames_read(
                path=instance.path,
                sha256=instance.sha256,
                numbers=numbers,
                as_stored=choice.as_stored,
            )
            content_type = choice.content_type
        else:
            values = [bulkdata_read(instance.path, number)]
            content_type = "application/octet-stream"
        audit(request, AuditEvent.Action.READ, [study])
        return multipart_response(values, content_type)


def multipart_response(values: list[bytes], part_content_type: str) -> HttpResponse:
    boundary = new_boundary()
    part_type = part_content_type.split(";")[0]
    body = b"".join(multipart_stream(((part_content_type, [v]) for v in values), boundary))
    return HttpResponse(body, content_type=multipart_content_type(part_type, boundary))
