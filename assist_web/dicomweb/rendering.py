"""Rendered frames and thumbnails (PS3.18 8.3.5.1, 9.5): a frame windowed to 8-bit PNG or JPEG."""

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.pixels import convert_color_space

from assist_web.dicomweb.accept import parse_accept
from assist_web.dicomweb.errors import BadRequest, NotAcceptable, NotFound
from assist_web.dicomweb.frames import decoded_frames
from assist_web.dicomweb.pixels import PixelLayout, pixel_layout

JPEG, PNG = "image/jpeg", "image/png"
DEFAULT_QUALITY = 90
# Big enough to recognise a series in a list, small enough to send dozens per page.
THUMBNAIL_SIZE = 128
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
        viewport = _numbers("viewport", params["viewport"], int, count=2)
        if min(viewport) < 1:
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
    return RenderOptions(_media_type(accept), quality, viewport, window)


def _numbers(name: str, text: str, kind: type, *, count: int) -> tuple:
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


def has_image(layout: PixelLayout) -> bool:
    return layout.rows > 0 and layout.columns > 0


def frame_render(*, path: Path, sha256: str, number: int, options: RenderOptions) -> bytes:
    layout = pixel_layout(path, sha256)
    if not has_image(layout):
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
