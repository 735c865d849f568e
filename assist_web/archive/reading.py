"""Part 10 bytes read into a pydicom dataset, where ingest needs one: a file the plain reader
(``scanning.py``) leaves to pydicom, a value only pydicom converts, de-identification.

For an object of a few dozen elements, most of what pydicom's ``dcmread`` spends goes on
work around the elements: converting file meta values to check them, a second pass looking
for a command set (group 0000), choosing among every encoding pydicom knows. For the
little-endian transfer syntaxes nearly every object arrives in, the file meta group and the
dataset are read here with pydicom's own ``read_dataset`` into the same ``FileDataset``, at
about two thirds of the CPU (bench/archive_cpu.py); any other file (big endian, deflated, no
transfer syntax, no 'DICM' prefix, a command set, a file meta group not in explicit VR) goes
to ``dcmread``. The tests compare both readers over pydicom's corpus of vendor files.
"""

import io
import struct
import zlib

from pydicom import dcmread
from pydicom.charset import default_encoding
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.errors import BytesLengthException
from pydicom.filereader import read_dataset
from pydicom.tag import BaseTag
from pydicom.uid import (
    AllTransferSyntaxes,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ImplicitVRLittleEndian,
)

# Values larger than this (pixel data, in practice) are left in the received bytes rather than
# copied out: the archive stores the bytes as they came and never decodes pixels at ingest.
DEFER_BYTES = 16 * 1024
# Every transfer syntax but these encodes the dataset in explicit VR little endian (PS3.5 A.4).
EXPLICIT_LITTLE = frozenset(AllTransferSyntaxes) - {
    ImplicitVRLittleEndian,
    ExplicitVRBigEndian,
    DeflatedExplicitVRLittleEndian,
}
PREFIX_END = 132  # the 128-byte preamble and 'DICM'
# What pydicom raises reading damaged bytes or converting a damaged value (beside
# InvalidDicomError: no DICOM at all). Its reader and converters trust lengths and VRs from the
# file, so a flipped byte surfaces as any of these; a nesting of sequences deep enough to
# exhaust the stack too.
DAMAGED: tuple[type[Exception], ...] = (
    EOFError,
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    NotImplementedError,
    RecursionError,
    struct.error,
    zlib.error,  # a deflated dataset
    BytesLengthException,
)


def read_part10(data: bytes) -> FileDataset:
    """What ``dcmread`` gives with values above DEFER_BYTES left unread (a deflated file is
    read whole); raises what it raises."""
    ds = _read_little_endian(data)
    return ds if ds is not None else _read_any(data)


def _read_little_endian(data: bytes) -> FileDataset | None:
    """The file read as pydicom reads it, or None where it needs one of pydicom's other cases."""
    if data[128:PREFIX_END] != b"DICM" or not starts_explicit_group_2(data, PREFIX_END):
        return None
    fp = io.BytesIO(data)
    fp.seek(PREFIX_END)
    file_meta = FileMetaDataset(read_dataset(fp, False, True, stop_when=_past_file_meta))
    file_meta.set_original_encoding(False, True, default_encoding)
    syntax = file_meta.get("TransferSyntaxUID")
    if syntax == ImplicitVRLittleEndian:
        implicit = True
    elif syntax in EXPLICIT_LITTLE:
        implicit = False
    else:
        return None
    start = fp.tell()
    if data[start : start + 2] in (b"", b"\x00\x00"):  # nothing after the meta, a command set
        return None
    dataset = read_dataset(fp, implicit, True, defer_size=DEFER_BYTES)
    ds = FileDataset(fp, dataset, data[:128], file_meta, implicit, True)
    ds.set_original_encoding(implicit, True, dataset._character_set)
    return ds


def _read_any(data: bytes) -> FileDataset:
    ds = dcmread(io.BytesIO(data), force=False, defer_size=DEFER_BYTES)
    meta = getattr(ds, "file_meta", None)
    if getattr(meta, "TransferSyntaxUID", None) == DeflatedExplicitVRLittleEndian:
        # Read from the inflated stream: a deferred value's offset is not one into ``data``.
        ds = dcmread(io.BytesIO(data), force=False)
    return ds


def starts_explicit_group_2(data: bytes, at: int) -> bool:
    """A (0002,xxxx) element with an explicit VR, as PS3.10 7.1 writes the file meta group."""
    head = data[at : at + 6]
    return (
        len(head) == 6 and head[:2] == b"\x02\x00" and head[4:6].isalpha() and head[4:6].isupper()
    )


def _past_file_meta(tag: BaseTag, vr: str | None, length: int) -> bool:
    return tag >> 16 != 2
