"""Rendered frames and thumbnails (PS3.18 8.3.5.1, 9.5): a frame windowed to 8-bit PNG or JPEG."""

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.pixels import convert_color_space

from assist_web.dicomweb.accept import ANY, media_type_matches, parse_accept
from assist_web.dicomweb.errors import BadRequest, NotAcceptable, NotFound
from assist_web.dicomweb.frames import decoded_frames
from assist_web.dicomweb.lookup import StoredInstance
from assist_web.dicomweb.pixels import PixelLayout, pixel_layout

JPEG, PNG = "image/jpeg", "image/png"
DEFAULT_QUALITY = 90
# Big enough to recognise a series in a list, small enough to send dozens per page.
THUMBNAIL_SIZE = 128
# Rendering a 512x512 slice costs the web worker about 2 ms of CPU as JPEG and up to 30 ms as
# PNG: a thousand instances, a long CT series, keep one response under half a minute.
MAX_RENDERED_INSTANCES = 1000
NO_IMAGES = (
    "Nothing here has pixel data to render: structure sets, reports and other objects without "
    "an image have no rendered form."
)


@dataclass(frozen=True)
class RenderOptions:
    media_type: str = JPEG
    quality: int = DEFAULT_QUALITY
    viewport: tuple[int, int] | None = None  # (width, height) the image is fitted into
    window: tuple[float, float] | None = None  # (center, width) overriding the file's


def render_options_parse(
    *, accept: str | None, params: Mapping[str, str], default_viewport: int | None = None
) -> RenderOptions:
    viewport = (default_viewport, default_viewport) if default_viewport else None
    if params.get("viewport"):
        viewport = _numbers("viewport", params["viewport"], int, count=2)  # type: ignore[assignment]
        if min(viewport) < 1:  # type: ignore[type-var]
            raise BadRequest("viewport width and height must be positive.")
    window = None
    if params.get("window"):
        center, width = _numbers("window", params["window"], float, count=2)
        if width <= 0:
            raise BadRequest("window width must be positive.")
        window = (center, width)
    quality = DEFAULT_QUALITY
    if params.get("quality"):
        quality = int(_numbers("quality", params["quality"], int, count=1)[0])
        if not 1 <= quality <= 100:
            raise BadRequest("quality must be between 1 and 100.")
    return RenderOptions(_media_type(accept), quality, viewport, window)  # type: ignore[arg-type]


def _numbers(name: str, text: str, kind: type, *, count: int) -> tuple:  # type: ignore[type-arg]
    pieces = text.split(",")
    try:
        values = tuple(kind(p) for p in pieces[:count])
    except ValueError:
        raise BadRequest(f"{name} must be {count} comma-separated numbers, not '{text}'.") from None
    if len(values) < count:
        raise BadRequest(f"{name} must be {count} comma-separated numbers, not '{text}'.")
    return values


def _media_type(accept: str | None) -> str:
    for media_range in parse_accept(accept):
        for candidate in (JPEG, PNG):
            if media_range.matches(candidate):
                return candidate
    raise NotAcceptable("Rendered images are available as image/jpeg or image/png.")


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
        if _has_image(pixel_layout(middle.path, middle.sha256)):
            return middle
        if images := _images(series):
            return images[len(images) // 2]
    raise NotFound(NO_IMAGES)


def rendered_parts(
    instances: list[StoredInstance], options: RenderOptions
) -> Iterator[tuple[str, list[bytes]]]:
    """(Content-Type, [image]) of each instance's first frame, rendered as it is sent."""
    for instance in instances:
        image = frame_render(path=instance.path, sha256=instance.sha256, number=1, options=options)
        yield options.media_type, [image]


def _images(instances: list[StoredInstance]) -> list[StoredInstance]:
    return [i for i in instances if _has_image(pixel_layout(i.path, i.sha256))]


def _has_image(layout: PixelLayout) -> bool:
    return layout.rows > 0 and layout.columns > 0


def frame_render(*, path: Path, sha256: str, number: int, options: RenderOptions) -> bytes:
    layout = pixel_layout(path, sha256)
    if not _has_image(layout):
        raise NotFound(NO_IMAGES)
    array = _frame_array(path, layout, number)
    image = Image.fromarray(_to_8bit(array, layout, options.window))
    if options.viewport:
        width, height = options.viewport
        scale = min(width / image.width, height / image.height)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    if options.media_type == PNG:
        image.save(buffer, format="PNG")
    else:
        image.save(buffer, format="JPEG", quality=options.quality)
    return buffer.getvalue()


def _frame_array(path: Path, layout: PixelLayout, number: int) -> np.ndarray:
    if not (layout.direct and layout.value_length and layout.value_offset is not None):
        return decoded_frames(path, [number])[0]
    signed = "i" if layout.pixel_representation else "u"
    dtype = np.dtype(f"<{signed}{layout.bits_allocated // 8}")
    with open(path, "rb") as handle:
        handle.seek(layout.value_offset + (number - 1) * layout.frame_size)
        array = np.frombuffer(handle.read(layout.frame_size), dtype=dtype)
    samples = layout.samples_per_pixel
    if samples == 1:
        return array.reshape(layout.rows, layout.columns)
    if layout.planar_configuration:
        return array.reshape(samples, layout.rows, layout.columns).transpose(1, 2, 0)
    array = array.reshape(layout.rows, layout.columns, samples)
    if layout.photometric.startswith("YBR_FULL"):
        array = convert_color_space(array, "YBR_FULL", "RGB")
    return array


def _to_8bit(
    array: np.ndarray, layout: PixelLayout, window: tuple[float, float] | None
) -> np.ndarray:
    if array.ndim == 3:
        if array.dtype == np.uint8:
            return array
        top = float(2 ** min(layout.bits_stored, 16) - 1)
        return np.clip(array.astype(np.float64) / top * 255.0, 0, 255).astype(np.uint8)
    slope, intercept = layout.rescale
    values = array.astype(np.float64) * slope + intercept
    window = window or layout.window
    if window:
        # PS3.3 C.11.2.1.2.1, the linear VOI function.
        center, width = window
        low = center - 0.5 - (width - 1) / 2
        scaled = ((values - (center - 0.5)) / max(width - 1, 1) + 0.5) * 255.0
        scaled = np.where(values <= low, 0.0, scaled)
    else:
        lowest, highest = float(values.min()), float(values.max())
        scaled = (values - lowest) / (highest - lowest or 1.0) * 255.0
    pixels = np.clip(scaled, 0, 255).astype(np.uint8)
    if layout.photometric == "MONOCHROME1":
        pixels = 255 - pixels  # MONOCHROME1 shows low values bright
    return pixels
