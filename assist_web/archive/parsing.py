"""Turn received bytes into a checked DICOM dataset, or a reason a person can act on."""

import io
from dataclasses import dataclass
from enum import StrEnum

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from assist_web.archive.store import uid_is_valid

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


class RefusalKind(StrEnum):
    """Why an object was refused, for protocols that answer with a code (STOW, C-STORE)."""

    INVALID = "invalid"  # not DICOM, damaged, or missing what the archive needs
    CONFLICT = "conflict"  # contradicts the request or what the archive already holds
    DUPLICATE_UID = "duplicate_uid"  # a different object already holds this SOP Instance UID


class DicomRejected(Exception):
    """The object cannot be archived; ``reason`` is shown to the sender."""

    def __init__(
        self,
        reason: str,
        *,
        kind: RefusalKind = RefusalKind.INVALID,
        sop_class_uid: str = "",
        sop_instance_uid: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.sop_class_uid = sop_class_uid
        self.sop_instance_uid = sop_instance_uid


@dataclass(frozen=True)
class ParsedInstance:
    dataset: Dataset
    transfer_syntax_uid: str


def parse_part10(data: bytes) -> ParsedInstance:
    if len(data) < 132:
        raise DicomRejected("Not a DICOM file: too short to hold a DICOM header.")
    try:
        # Values are converted later, when the DICOM JSON is built; a value that cannot be
        # converted refuses the object there.
        ds = dcmread(io.BytesIO(data), force=False)
    except InvalidDicomError:
        raise DicomRejected(
            "Not a DICOM Part 10 file (no 'DICM' preamble); send files as written by a "
            "scanner or PACS export."
        ) from None
    except (EOFError, ValueError, OSError, KeyError, TypeError, OverflowError) as exc:
        raise DicomRejected(f"The DICOM file is damaged or truncated: {_short(exc)}") from None

    file_meta = getattr(ds, "file_meta", None)
    transfer_syntax = str(getattr(file_meta, "TransferSyntaxUID", "") or "")
    sop_class = str(ds.get("SOPClassUID", "") or "")
    sop_uid = str(ds.get("SOPInstanceUID", "") or "")
    if str(getattr(file_meta, "MediaStorageSOPClassUID", "")) == DICOMDIR_SOP_CLASS or (
        sop_class == DICOMDIR_SOP_CLASS
    ):
        raise DicomRejected(
            "This is a DICOMDIR (an index of a CD or USB export), not an image; send the "
            "image files it lists instead."
        )
    if not transfer_syntax or not uid_is_valid(transfer_syntax):
        raise DicomRejected("The file meta information has no valid Transfer Syntax UID.")
    for keyword in _REQUIRED_UIDS:
        value = str(ds.get(keyword, "") or "")
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
    _check_pixel_data(ds, transfer_syntax)
    return ParsedInstance(dataset=ds, transfer_syntax_uid=transfer_syntax)


def _check_pixel_data(ds: Dataset, transfer_syntax: str) -> None:
    """Uncompressed pixel data must be as long as its header says; short means truncated."""
    if "PixelData" not in ds:
        # pydicom stops quietly at a cut between two elements; an image without pixels is
        # what such a cut leaves behind.
        if "Image Storage" in UID(str(ds.SOPClassUID)).name:
            raise DicomRejected(
                "The image has no pixel data; the file is probably truncated.",
                sop_class_uid=str(ds.SOPClassUID),
                sop_instance_uid=str(ds.SOPInstanceUID),
            )
        return
    if UID(transfer_syntax).is_compressed:
        return
    try:
        rows, columns = int(ds.Rows), int(ds.Columns)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        bits = int(ds.BitsAllocated)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        raise DicomRejected(
            "The image has pixel data but no valid Rows, Columns or Bits Allocated.",
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        ) from None
    if str(ds.get("PhotometricInterpretation", "")) == "YBR_FULL_422":
        # 4:2:2 subsampling stores two samples per pixel, not three (PS3.3 C.7.6.3.1.2).
        samples = 2
    expected_bits = rows * columns * samples * bits * frames
    expected = (expected_bits + 7) // 8
    actual = len(ds.PixelData)
    if actual < expected:
        raise DicomRejected(
            f"The pixel data is truncated: {actual} bytes where the header needs {expected}.",
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        )


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
