"""WADO-RS views for frames, rendered images and thumbnails."""

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.request import Request

from assist_web.accounts.models import AuditEvent
from assist_web.dicomweb.frames import frame_choice, frame_numbers_parse, frames_read
from assist_web.dicomweb.lookup import StoredInstance, instance_find, instances_find
from assist_web.dicomweb.multipart import multipart_content_type, multipart_stream, new_boundary
from assist_web.dicomweb.rendered_sets import (
    images_only,
    render_count_check,
    rendered_choice,
    rendered_parts,
    representative_image,
)
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


class RenderedInstancesView(DicomWebView):
    """Every image of a study or series, rendered: one part per instance, its first frame.

    Parts follow series then instance number. One frame per instance keeps a part per
    instance, as a viewer laying out a study expects; a multi-frame object's other frames
    are at its frames/{n}/rendered. Objects without an image (RTSTRUCT, SR) are left out.
    Parts are rendered as the body is sent, so memory holds one image at a time; the
    instance cap bounds the CPU one request may take.
    """

    def get(
        self, request: Request, study: str, series: str | None = None
    ) -> HttpResponse | StreamingHttpResponse:
        instances = instances_find(study=study, series=series)
        render_count_check(len(instances))
        images = images_only(instances)
        choice = rendered_choice(accept_header(request), single=len(images) == 1)
        if not choice.multipart:
            return _rendered(request, images[0], 1, default_viewport=None)
        # The chosen part type is a one-type Accept header for the shared parameter parsing.
        options = render_options_parse(accept=choice.media_type, params=request.GET)
        audit(request, AuditEvent.Action.READ, [study])
        boundary = new_boundary()
        return StreamingHttpResponse(
            multipart_stream(rendered_parts(images, options), boundary),
            content_type=multipart_content_type(options.media_type, boundary),
        )


class ThumbnailView(DicomWebView):
    """A small image of a study, a series or an instance: see representative_image."""

    def get(
        self, request: Request, study: str, series: str | None = None, sop: str | None = None
    ) -> HttpResponse:
        instance = representative_image(instances_find(study=study, series=series, sop=sop))
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
