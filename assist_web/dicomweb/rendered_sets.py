"""Rendered studies and series (PS3.18 9.5): which images, in what form, one part each."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from assist_web.dicomweb.accept import ANY, media_type_matches, parse_accept
from assist_web.dicomweb.errors import BadRequest, NotAcceptable, NotFound
from assist_web.dicomweb.lookup import StoredInstance
from assist_web.dicomweb.pixels import pixel_layout
from assist_web.dicomweb.rendering import (
    JPEG,
    NO_IMAGES,
    PNG,
    RenderOptions,
    frame_render,
    has_image,
)

logger = logging.getLogger(__name__)

# Rendering a 512x512 slice costs the web worker about 2 ms of CPU as JPEG and up to 30 ms as
# PNG: a thousand instances, a long CT series, keep one response under half a minute.
MAX_RENDERED_INSTANCES = 1000


@dataclass(frozen=True)
class RenderedChoice:
    media_type: str
    multipart: bool


def rendered_choice(accept: str | None, *, single: bool) -> RenderedChoice:
    """The answer to a study or series rendered request: multipart JPEG or PNG, or one image.

    A plain ``image/png`` is honoured only where the resource holds a single image: sending
    the first of many would hide the rest from a client that asked for all of them.
    """
    single_part_asked = False
    for media_range in parse_accept(accept):
        if media_range.media_type in ("multipart/related", "multipart/*"):
            part_type = media_range.params.get("type", ANY).lower() or ANY
            for candidate in (JPEG, PNG):
                if media_type_matches(part_type, candidate):
                    return RenderedChoice(candidate, multipart=True)
        elif media_range.media_type == ANY:
            return RenderedChoice(JPEG, multipart=True)
        elif image := next((c for c in (JPEG, PNG) if media_range.matches(c)), None):
            if single:
                return RenderedChoice(image, multipart=False)
            single_part_asked = True
    if single_part_asked:
        raise NotAcceptable(
            'This resource holds several images: ask for multipart/related; type="image/png" '
            '(or type="image/jpeg") to get them all, or for its thumbnail to get one.'
        )
    raise NotAcceptable(
        'Rendered studies and series are available as multipart/related; type="image/jpeg" '
        'or type="image/png".'
    )


def render_count_check(count: int) -> None:
    if count > MAX_RENDERED_INSTANCES:
        raise BadRequest(
            f"This resource holds {count} instances; at most {MAX_RENDERED_INSTANCES} are "
            "rendered in one response. Ask for each series, or for single instances, instead."
        )


def images_only(instances: list[StoredInstance]) -> list[StoredInstance]:
    """The instances that have an image; 404 if none do.

    Rows and Columns belong to the Image Pixel module, which an object has with its pixel
    data or not at all (a SEG has them, an RTSTRUCT or SR does not).
    """
    images = _images(instances)
    if not images:
        raise NotFound(NO_IMAGES)
    return images


def representative_image(instances: list[StoredInstance]) -> StoredInstance:
    """The middle image of the series with the most instances.

    A study's largest series is nearly always its main acquisition rather than a localiser,
    a dose report or a structure set, and its middle slice shows the anatomy where an end
    slice often shows air. Ties go to the series shown first.
    """
    by_series: dict[str, list[StoredInstance]] = {}
    for instance in instances:
        by_series.setdefault(instance.series_uid, []).append(instance)
    for series in sorted(by_series.values(), key=len, reverse=True):
        # The middle instance first: a series is nearly always images only, and reading
        # every header of a long series would slow the viewer's first picture.
        middle = series[len(series) // 2]
        if has_image(pixel_layout(middle.path, middle.sha256)):
            return middle
        if images := _images(series):
            return images[len(images) // 2]
    raise NotFound(NO_IMAGES)


def rendered_parts(
    instances: list[StoredInstance], options: RenderOptions
) -> Iterator[tuple[str, list[bytes]]]:
    """(Content-Type, [image]) of each instance's first frame, rendered as it is sent.

    The response has begun by then, so an image that cannot be rendered (pixel data this site
    cannot decode) is left out rather than cutting the body short, and logged.
    """
    for number, instance in enumerate(instances, start=1):
        try:
            image = frame_render(
                path=instance.path, sha256=instance.sha256, number=1, options=options
            )
        except Exception as error:  # whatever the decoder raised: go on
            logger.warning(
                "Rendered images: image %d of %d left out, it could not be rendered (%s)",
                number,
                len(instances),
                type(error).__name__,
            )
            continue
        yield options.media_type, [image]


def _images(instances: list[StoredInstance]) -> list[StoredInstance]:
    return [i for i in instances if has_image(pixel_layout(i.path, i.sha256))]
