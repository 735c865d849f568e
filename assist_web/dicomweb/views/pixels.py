"""WADO-RS views for frames, rendered images and thumbnails."""

from django.http import HttpResponse
from rest_framework.request import Request

from assist_web.accounts.models import AuditEvent
from assist_web.dicomweb.frames import frame_choice, frame_numbers_parse, frames_read
from assist_web.dicomweb.lookup import StoredInstance, instance_find, instances_find
from assist_web.dicomweb.rendering import THUMBNAIL_SIZE, frame_render, render_options_parse
from assist_web.dicomweb.views.base import DicomWebView, accept_header, audit
from assist_web.dicomweb.views.retrieve import multipart_response


class FramesView(DicomWebView):
    def get(self, request: Request, study: str, series: str, sop: str, frames: str) -> HttpResponse:
        instance = instance_find(study=study, series=series, sop=sop)
        numbers = frame_numbers_parse(frames, instance.number_of_frames)
        choice = frame_choice(accept_header(request), instance.transfer_syntax_uid)
        values = frames_read(
            path=instance.path, sha256=instance.sha256, numbers=numbers, as_stored=choice.as_stored
        )
        audit(request, AuditEvent.Action.READ, [study])
        return multipart_response(values, choice.content_type)


class RenderedView(DicomWebView):
    """An instance (its first frame) or one frame, windowed to PNG or JPEG."""

    def get(
        self, request: Request, study: str, series: str, sop: str, frames: str = "1"
    ) -> HttpResponse:
        instance = instance_find(study=study, series=series, sop=sop)
        number = frame_numbers_parse(frames, instance.number_of_frames)[0]
        return _rendered(request, instance, number, default_viewport=None)


class ThumbnailView(DicomWebView):
    """A small image of the middle instance of a series, or the middle frame of an instance."""

    def get(
        self, request: Request, study: str, series: str, sop: str | None = None
    ) -> HttpResponse:
        instances = instances_find(study=study, series=series, sop=sop)
        instance = instances[len(instances) // 2]
        number = instance.number_of_frames // 2 + 1
        return _rendered(request, instance, number, default_viewport=THUMBNAIL_SIZE)


def _rendered(
    request: Request, instance: StoredInstance, number: int, *, default_viewport: int | None
) -> HttpResponse:
    options = render_options_parse(
        accept=accept_header(request), params=request.GET, default_viewport=default_viewport
    )
    image = frame_render(path=instance.path, sha256=instance.sha256, number=number, options=options)
    audit(request, AuditEvent.Action.READ, [instance.study_uid])
    return HttpResponse(image, content_type=options.media_type)
