"""WADO-RS frames (PS3.18 8.7.3.5.3 and 10.4): as stored, or decoded to native pixels."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.encaps import get_frame
from pydicom.pixels import iter_pixels, pack_bits

from assist_web.dicomweb.accept import accepted_parts, media_type_matches
from assist_web.dicomweb.errors import BadRequest, NotAcceptable, NotFound
from assist_web.dicomweb.pixels import NATIVE_SYNTAX, PixelLayout, pixel_layout

OCTET_STREAM = "application/octet-stream"
# PS3.18 table 8.7.3-5: the single-frame media type of each compressed transfer syntax.
SYNTAX_MEDIA_TYPES = {
    "1.2.840.10008.1.2.5": "image/dicom-rle",
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg",
    "1.2.840.10008.1.2.4.70": "image/jpeg",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.92": "image/jpx",
    "1.2.840.10008.1.2.4.93": "image/jpx",
    "1.2.840.10008.1.2.4.201": "image/jphc",
    "1.2.840.10008.1.2.4.202": "image/jphc",
    "1.2.840.10008.1.2.4.203": "image/jphc",
}
_UNCOMPRESSED = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
}


@dataclass(frozen=True)
class FrameChoice:
    as_stored: bool
    part_type: str  # media type of each part, e.g. application/octet-stream
    transfer_syntax_uid: str

    @property
    def content_type(self) -> str:
        return f"{self.part_type}; transfer-syntax={self.transfer_syntax_uid}"


def frame_numbers_parse(text: str, number_of_frames: int) -> list[int]:
    try:
        numbers = [int(n) for n in text.split(",")]
    except ValueError:
        raise BadRequest(f"'{text}' is not a comma-separated list of frame numbers.") from None
    if any(n < 1 for n in numbers):
        raise BadRequest("Frame numbers start at 1.")
    beyond = [n for n in numbers if n > number_of_frames]
    if beyond:
        raise NotFound(f"Frame {beyond[0]} does not exist: the instance has {number_of_frames}.")
    return numbers


def frame_choice(accept: str | None, stored_syntax: str) -> FrameChoice:
    """Pick stored or native frames from what the client accepts, best first; else 406."""
    stored_type = SYNTAX_MEDIA_TYPES.get(stored_syntax, OCTET_STREAM)
    stored_is_native = stored_syntax in _UNCOMPRESSED
    for part_type, syntax in accepted_parts(accept):
        generic = part_type in ("*/*", "application/*", OCTET_STREAM)
        if syntax == "*" or syntax == stored_syntax:
            if generic:
                return FrameChoice(True, OCTET_STREAM, _reported(stored_syntax))
            if media_type_matches(part_type, stored_type):
                return FrameChoice(True, stored_type, _reported(stored_syntax))
            continue
        if syntax is None and stored_type != OCTET_STREAM and not generic:
            if media_type_matches(part_type, stored_type):
                return FrameChoice(True, stored_type, stored_syntax)
            continue
        if syntax in (None, NATIVE_SYNTAX) and media_type_matches(part_type, OCTET_STREAM):
            return FrameChoice(stored_is_native, OCTET_STREAM, NATIVE_SYNTAX)
    raise NotAcceptable(
        "Frames are available as application/octet-stream (Explicit VR Little Endian, or "
        f"transfer-syntax=* for the stored {stored_syntax})"
        + (f" or {stored_type}" if stored_type != OCTET_STREAM else "")
        + "."
    )


def _reported(syntax: str) -> str:
    # Uncompressed frames always leave as little-endian native bytes (frame bytes carry no VR,
    # and big-endian or deflated files are decoded), so they are labelled native.
    return NATIVE_SYNTAX if syntax in _UNCOMPRESSED else syntax


def frames_read(*, path: Path, sha256: str, numbers: list[int], as_stored: bool) -> list[bytes]:
    layout = pixel_layout(path, sha256)
    if layout.direct and _fits(layout, numbers):
        return _native_slices(path, layout, numbers)
    if as_stored and layout.encapsulated:
        return [_encapsulated_frame(path, layout, n) for n in numbers]
    return _decoded(path, layout, numbers)


def _fits(layout: PixelLayout, numbers: list[int]) -> bool:
    needed = max(numbers) * layout.frame_size
    return layout.value_length is not None and needed <= layout.value_length


def _native_slices(path: Path, layout: PixelLayout, numbers: list[int]) -> list[bytes]:
    assert layout.value_offset is not None
    size = layout.frame_size
    frames = []
    with open(path, "rb") as handle:
        for number in numbers:
            handle.seek(layout.value_offset + (number - 1) * size)
            frames.append(handle.read(size))
    return frames


def _encapsulated_frame(path: Path, layout: PixelLayout, number: int) -> bytes:
    assert layout.value_offset is not None
    with open(path, "rb") as handle:
        if layout.fragments is not None:
            chunks = []
            for offset, length in layout.fragments[number - 1]:
                handle.seek(offset)
                chunks.append(handle.read(length))
            return b"".join(chunks)
        # No offset table and fragments that do not map one to one: pydicom finds the frame
        # boundaries by their JPEG markers.
        handle.seek(layout.value_offset)
        return get_frame(handle, number - 1, number_of_frames=layout.number_of_frames)


def decoded_frames(path: Path, numbers: list[int]) -> list[np.ndarray]:
    """Pixel arrays of the given 1-based frames, decoded by pydicom's plugins."""
    return list(iter_pixels(str(path), indices=[n - 1 for n in numbers]))


def _decoded(path: Path, layout: PixelLayout, numbers: list[int]) -> list[bytes]:
    frames = []
    for array in decoded_frames(path, numbers):
        if layout.bits_allocated == 1:
            frames.append(pack_bits(array))
        else:
            frames.append(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    return frames
