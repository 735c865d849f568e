"""A plain reader of the Part 10 files nearly every object arrives as, for the ingest hot path.

Building pydicom's ``FileDataset`` costs more than everything else ingest does with an object's
bytes (``bench/archive_cpu.py``): a generator step per element, a ``Dataset`` per item, and
attribute bookkeeping on each. Ingest only needs each element's raw value, so ``scan_part10``
walks the bytes of a little-endian file (explicit or implicit VR, sequences and encapsulated
pixel data included) into the same ``RawDataElement`` tuples pydicom's reader makes, with items
of a sequence as nested dicts. Wherever pydicom's reader would do something of its own
(guess a VR, switch encodings mid-stream, stop early on a cut, warn), it answers None and the
caller reads the file with pydicom instead, so what ingest sees is pydicom's reading, element
for element (the tests compare both over pydicom's corpus of vendor files).
"""

import struct
from dataclasses import dataclass

from pydicom.datadict import DicomDictionary
from pydicom.dataelem import RawDataElement
from pydicom.filereader import ENCODED_VR
from pydicom.tag import BaseTag
from pydicom.uid import ImplicitVRLittleEndian
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from assist_web.archive.reading import (
    DEFER_BYTES,
    EXPLICIT_LITTLE,
    PREFIX_END,
    starts_explicit_group_2,
)

# A dataset: each element's raw value, or for a sequence its items.
Elements = dict[int, RawDataElement | list["Elements"]]

_TAG_LENGTH = struct.Struct("<HHL")
_EXPLICIT = struct.Struct("<HH2sH")
_LONG_LENGTH = struct.Struct("<L")
_VRS = {vr: vr.decode() for vr in ENCODED_VR if len(vr) == 2}
_LONG = frozenset(str(vr) for vr in EXPLICIT_VR_LENGTH_32)
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED_LENGTH = 0xFFFFFFFF
SEQUENCE_END_BYTES = b"\xfe\xff\xdd\xe0"  # the delimiter ending undefined-length values
_TRANSFER_SYNTAX = 0x00020010


class _NotPlain(Exception):
    """pydicom's reader has a rule of its own for what comes here."""


@dataclass(frozen=True)
class Scanned:
    meta: Elements  # the file meta group
    elements: Elements  # the dataset
    transfer_syntax_uid: str
    implicit: bool


def scan_part10(data: bytes) -> Scanned | None:
    """The file's elements as pydicom reads them (values above DEFER_BYTES at the top level
    left unread), or None where only pydicom's own reader gives that."""
    if data[128:PREFIX_END] != b"DICM" or not starts_explicit_group_2(data, PREFIX_END):
        return None
    try:
        meta, start = _dataset(data, PREFIX_END, len(data), implicit=False, meta=True)
        syntax = meta.get(_TRANSFER_SYNTAX)
        if syntax is None or not isinstance(syntax, RawDataElement) or syntax.VR != "UI":
            return None
        uid = (syntax.value or b"").decode("ascii").rstrip("\0 ").strip()
        if uid == ImplicitVRLittleEndian:
            implicit = True
        elif uid in EXPLICIT_LITTLE:
            implicit = False
        else:
            return None
        if data[start : start + 2] in (b"", b"\x00\x00"):  # nothing after the meta, a command set
            return None
        _check_encoding(data, start, implicit)
        elements, _ = _dataset(data, start, len(data), implicit=implicit, top=True)
    except (_NotPlain, struct.error, UnicodeDecodeError):
        return None
    return Scanned(meta=meta, elements=elements, transfer_syntax_uid=uid, implicit=implicit)


def dataset_bytes(data: bytes) -> bytes | None:
    """A Part 10 file's bytes after its file meta group: the object itself, without what the
    writer of the file added (its implementation, the sender's AE title). None where the file
    does not start as PS3.10 7.1 writes it."""
    if data[128:PREFIX_END] != b"DICM" or not starts_explicit_group_2(data, PREFIX_END):
        return None
    try:
        _, start = _dataset(data, PREFIX_END, len(data), implicit=False, meta=True)
    except (_NotPlain, struct.error, UnicodeDecodeError):
        return None
    return data[start:]


def _check_encoding(data: bytes, at: int, implicit: bool) -> None:
    """pydicom reads a dataset whose first element looks otherwise encoded in the other way."""
    head = data[at + 4 : at + 6]
    if len(head) == 2 and (head.isalpha() and head.isupper()) == implicit:
        raise _NotPlain


def _dataset(
    data: bytes, at: int, end: int, *, implicit: bool, top: bool = False, meta: bool = False,
    undefined: bool = False,
) -> tuple[Elements, int]:  # fmt: skip
    """The elements from ``at`` up to ``end`` (or an item delimiter where ``undefined``), and
    where reading stopped."""
    elements: Elements = {}
    while at < end:
        if at + 8 > end:
            raise _NotPlain  # a cut inside an element's header
        group, number, length = _TAG_LENGTH.unpack_from(data, at)
        tag = group << 16 | number
        if meta and group != 2:
            return elements, at
        if group == 0xFFFE:
            if tag == _ITEM_END and undefined:
                return elements, at + 8
            raise _NotPlain
        if implicit:
            vr = None
            at += 8
        else:
            _, _, code, length = _EXPLICIT.unpack_from(data, at)
            vr = _VRS.get(code)
            if vr is None:
                raise _NotPlain
            at += 8
            if vr in _LONG:
                (length,) = _LONG_LENGTH.unpack_from(data, at)
                at += 4
        value_at = at
        if length == UNDEFINED_LENGTH:
            vr = vr or _dictionary_vr(tag)
            if vr == "SQ":
                elements[tag], at = _sequence(data, at, None, end, implicit)
                continue
            if vr == "UN":
                raise _NotPlain
            found = data.find(SEQUENCE_END_BYTES, at)
            if found < 0 or found + 8 > end:
                raise _NotPlain
            size, at = found - at, found + 8
            value = data[value_at:found] if not top or size < DEFER_BYTES else None
        else:
            if (vr or _known_vr(tag)) == "SQ":
                if at + length > end:
                    raise _NotPlain
                elements[tag], at = _sequence(data, at, length, end, implicit)
                continue
            if top and length > DEFER_BYTES:
                value = None  # left in the bytes; pydicom reads on past a cut here too
                at = min(at + length, end)
            elif at + length > end:
                raise _NotPlain
            else:
                value = data[at : at + length]
                at += length
        elements[tag] = RawDataElement(BaseTag(tag), vr, length, value, value_at, implicit, True)
    if undefined or at != end:
        raise _NotPlain
    return elements, at


def _sequence(
    data: bytes, at: int, length: int | None, limit: int, implicit: bool
) -> tuple[list[Elements], int]:
    end = limit if length is None else at + length
    items: list[Elements] = []
    while length is None or at < end:
        if at + 8 > end:
            raise _NotPlain
        group, number, item_length = _TAG_LENGTH.unpack_from(data, at)
        tag = group << 16 | number
        at += 8
        if tag == _SEQUENCE_END and length is None:
            return items, at
        if tag != _ITEM:
            raise _NotPlain
        if not implicit:
            _check_item_encoding(data, at)
        if item_length == UNDEFINED_LENGTH:
            item, at = _dataset(data, at, end, implicit=implicit, undefined=True)
        else:
            if at + item_length > end:
                raise _NotPlain
            item, at = _dataset(data, at, at + item_length, implicit=implicit)
        items.append(item)
    return items, at


def _check_item_encoding(data: bytes, at: int) -> None:
    """An item of an explicit VR dataset that pydicom would read as implicit VR."""
    if data[at : at + 2] == b"\xfe\xff":
        return  # an empty item's delimiter
    head = data[at + 4 : at + 6]
    if len(head) == 2 and not (head.isalpha() and head.isupper()):
        raise _NotPlain


def _dictionary_vr(tag: int) -> str:
    vr = _known_vr(tag)
    if vr is None:
        raise _NotPlain  # pydicom looks at the value to guess
    return vr


def _known_vr(tag: int) -> str | None:
    entry = DicomDictionary.get(tag)
    if entry is None or " or " in entry[0]:
        return None
    return str(entry[0])
