"""Where an instance's pixel data sits in its stored file, read once and cached in-process.

Frame requests are the hot path of a viewer: parsing a whole file per frame costs more than
the frame itself. The header is parsed on first use and the layout is cached by path and
checksum, so a stored file that changed (it never should) is never served from a stale entry.
"""

import bisect
import functools
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydicom import dcmread
from pydicom.multival import MultiValue
from pydicom.uid import UID

PIXEL_DATA_TAG = 0x7FE00010
NATIVE_SYNTAX = "1.2.840.10008.1.2.1"  # Explicit VR Little Endian
# Uncompressed little-endian syntaxes whose pixel bytes are already the native frame layout.
_DIRECT_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}
_LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"SQ", b"UC", b"UR", b"UT"}
_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xE000FFFE
_SEQUENCE_END = 0xE0DDFFFE


@dataclass(frozen=True)
class PixelLayout:
    transfer_syntax_uid: str
    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    planar_configuration: int
    photometric: str
    number_of_frames: int
    window: tuple[float, float] | None  # first (center, width) in the file
    rescale: tuple[float, float]  # (slope, intercept)
    value_offset: int | None  # start of the PixelData value; None: no fast access
    value_length: int | None  # None for encapsulated (undefined length)
    # Encapsulated: each frame's fragments as (offset, length); None when the file does not
    # say where frames start (then pydicom's own frame search is used).
    fragments: tuple[tuple[tuple[int, int], ...], ...] | None

    @property
    def encapsulated(self) -> bool:
        return UID(self.transfer_syntax_uid).is_encapsulated

    @property
    def direct(self) -> bool:
        """Native frames can be sliced straight out of the file."""
        return (
            self.transfer_syntax_uid in _DIRECT_SYNTAXES
            and self.value_offset is not None
            and self.bits_allocated % 8 == 0
        )

    @property
    def frame_size(self) -> int:
        return self.rows * self.columns * self.samples_per_pixel * self.bits_allocated // 8


def pixel_layout(path: Path, sha256: str) -> PixelLayout:
    return _layout(str(path), sha256)


@functools.lru_cache(maxsize=8192)
def _layout(path: str, sha256: str) -> PixelLayout:  # sha256 is part of the cache key
    with open(path, "rb") as handle:
        ds = dcmread(handle, stop_before_pixels=True)
        tag_offset = handle.tell()
        syntax = str(ds.file_meta.TransferSyntaxUID)
        value_offset, value_length = _pixel_value_position(handle, tag_offset, syntax)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        fragments = None
        if value_offset is not None and value_length is None:
            fragments = _frame_fragments(handle, value_offset, frames)
    center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
    return PixelLayout(
        transfer_syntax_uid=syntax,
        rows=int(ds.get("Rows", 0) or 0),
        columns=int(ds.get("Columns", 0) or 0),
        samples_per_pixel=int(ds.get("SamplesPerPixel", 1) or 1),
        bits_allocated=int(ds.get("BitsAllocated", 8) or 8),
        bits_stored=int(ds.get("BitsStored", ds.get("BitsAllocated", 8)) or 8),
        pixel_representation=int(ds.get("PixelRepresentation", 0) or 0),
        planar_configuration=int(ds.get("PlanarConfiguration", 0) or 0),
        photometric=str(ds.get("PhotometricInterpretation", "MONOCHROME2")),
        number_of_frames=frames,
        window=(center, width) if center is not None and width and width > 0 else None,
        rescale=(
            float(ds.get("RescaleSlope", 1) or 1),
            float(ds.get("RescaleIntercept", 0) or 0),
        ),
        value_offset=value_offset,
        value_length=value_length,
        fragments=fragments,
    )


def _first(value: object) -> float | None:
    if isinstance(value, MultiValue | list | tuple):
        value = value[0] if len(value) else None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _pixel_value_position(
    handle: BinaryIO, tag_offset: int, syntax: str
) -> tuple[int | None, int | None]:
    """(value offset, length or None if undefined) of a little-endian top-level PixelData."""
    if syntax in ("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"):
        return None, None  # big endian or deflated: offsets in the file mean nothing
    handle.seek(tag_offset)
    head = handle.read(12)
    if len(head) < 8:
        return None, None
    group, element = struct.unpack("<HH", head[:4])
    if (group << 16 | element) != PIXEL_DATA_TAG:
        return None, None
    if syntax == "1.2.840.10008.1.2":  # implicit VR: tag, 4-byte length
        (length,) = struct.unpack("<I", head[4:8])
        offset = tag_offset + 8
    elif head[4:6] in _LONG_VRS:
        (length,) = struct.unpack("<I", head[8:12])
        offset = tag_offset + 12
    else:
        (length,) = struct.unpack("<H", head[6:8])
        offset = tag_offset + 8
    return offset, (None if length == _UNDEFINED else length)


def _frame_fragments(
    handle: BinaryIO, value_offset: int, frames: int
) -> tuple[tuple[tuple[int, int], ...], ...] | None:
    """Fragments per frame from the Basic Offset Table, or from one fragment per frame."""
    handle.seek(value_offset)
    items: list[tuple[int, int]] = []  # (offset of content, length) of every item
    while True:
        head = handle.read(8)
        if len(head) < 8:
            return None
        tag_group, tag_element, length = struct.unpack("<HHI", head)
        tag = tag_element << 16 | tag_group
        if tag == _SEQUENCE_END:
            break
        if tag != _ITEM or length == _UNDEFINED:
            return None
        items.append((handle.tell(), length))
        handle.seek(length, 1)
    if not items:
        return None
    table_offset, table_length = items[0]
    fragments = items[1:]
    if table_length:
        handle.seek(table_offset)
        table = struct.unpack(f"<{table_length // 4}I", handle.read(table_length))
        first = fragments[0][0] - 8 if fragments else 0
        starts = [first + o for o in table]
        grouped: list[list[tuple[int, int]]] = [[] for _ in starts]
        for offset, length in fragments:
            index = bisect.bisect_right(starts, offset - 8) - 1
            if index < 0:
                return None
            grouped[index].append((offset, length))
        return tuple(tuple(g) for g in grouped) if len(grouped) == frames else None
    if frames == 1:
        return (tuple(fragments),)
    if len(fragments) == frames:
        return tuple((f,) for f in fragments)
    return None
