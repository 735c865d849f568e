"""Turn received bytes into a checked DICOM dataset, or a reason a person can act on."""

from typing import Any

from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from assist_web.archive.header import Header
from assist_web.archive.reading import DAMAGED, read_part10
from assist_web.archive.refusals import DicomRejected
from assist_web.archive.store import uid_is_valid

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


def parse_part10(data: bytes) -> Header:
    if len(data) < 132:
        raise DicomRejected("Not a DICOM file: too short to hold a DICOM header.")
    header = Header.scanned(data) or Header.of(_read(data), data=data)
    sop_class = header.text("SOPClassUID")
    sop_uid = header.text("SOPInstanceUID")
    if DICOMDIR_SOP_CLASS in (header.media_sop_class_uid, sop_class):
        raise DicomRejected(
            "This is a DICOMDIR (an index of a CD or USB export), not an image; send the "
            "image files it lists instead."
        )
    transfer_syntax = header.transfer_syntax_uid
    if not transfer_syntax or not uid_is_valid(transfer_syntax):
        raise DicomRejected("The file meta information has no valid Transfer Syntax UID.")
    for keyword in _REQUIRED_UIDS:
        value = header.text(keyword)
        if not value:
            raise DicomRejected(
                f"The object has no {keyword}; every image needs one to be archived.",
                sop_class_uid=sop_class,
                sop_instance_uid=sop_uid,
            )
        if not uid_is_valid(value):
            raise DicomRejected(
                f"{keyword} is not a valid DICOM UID.",
                sop_class_uid=sop_class,
                sop_instance_uid=sop_uid,
            )
    _check_pixel_data(header, transfer_syntax)
    return header


def _read(data: bytes) -> Dataset:
    try:
        # Values are converted later, when the DICOM JSON is built; a value that cannot be
        # converted refuses the object there.
        return read_part10(data)
    except InvalidDicomError:
        raise DicomRejected(
            "Not a DICOM Part 10 file (no 'DICM' preamble); send files as written by a "
            "scanner or PACS export."
        ) from None
    except DAMAGED as exc:
        raise DicomRejected(f"The DICOM file is damaged or truncated: {_short(exc)}") from None


def _check_pixel_data(header: Header, transfer_syntax: str) -> None:
    """Uncompressed pixel data must be as long as its header says; short means truncated."""
    sop_class, sop_uid = header.text("SOPClassUID"), header.text("SOPInstanceUID")
    actual = header.pixel_data_size()
    if actual is None:
        # pydicom stops quietly at a cut between two elements; an image without pixels is
        # what such a cut leaves behind.
        if "Image Storage" in UID(sop_class).name:
            raise DicomRejected(
                "The image has no pixel data; the file is probably truncated.",
                sop_class_uid=sop_class,
                sop_instance_uid=sop_uid,
            )
        return
    syntax = UID(transfer_syntax)
    if not syntax.is_transfer_syntax:
        raise DicomRejected(
            f"{transfer_syntax} is not a transfer syntax the archive knows; send the object in "
            "a standard one (Explicit VR Little Endian, for example).",
            sop_class_uid=sop_class,
            sop_instance_uid=sop_uid,
        )
    if syntax.is_compressed:
        return
    try:
        rows, columns = int(_required(header, "Rows")), int(_required(header, "Columns"))
        samples = int(header.get("SamplesPerPixel", 1) or 1)
        bits = int(_required(header, "BitsAllocated"))
        frames = int(header.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        raise DicomRejected(
            "The image has pixel data but no valid Rows, Columns or Bits Allocated.",
            sop_class_uid=sop_class,
            sop_instance_uid=sop_uid,
        ) from None
    if header.text("PhotometricInterpretation") == "YBR_FULL_422":
        # 4:2:2 subsampling stores two samples per pixel, not three (PS3.3 C.7.6.3.1.2).
        samples = 2
    expected_bits = rows * columns * samples * bits * frames
    expected = (expected_bits + 7) // 8
    if actual < expected:
        raise DicomRejected(
            f"The pixel data is truncated: {actual} bytes where the header needs {expected}.",
            sop_class_uid=sop_class,
            sop_instance_uid=sop_uid,
        )


_ABSENT = object()


def _required(header: Header, keyword: str) -> Any:
    """``ds.<keyword>``: AttributeError when the object has no such attribute."""
    value = header.get(keyword, _ABSENT)
    if value is _ABSENT:
        raise AttributeError(keyword)
    return value


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
