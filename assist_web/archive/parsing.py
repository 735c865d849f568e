"""Turn received bytes into a checked DICOM dataset, or a reason a person can act on."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.tag import BaseTag
from pydicom.uid import UID
from pydicom.valuerep import STR_VR

from assist_web.archive.dicomjson import dataset_json, instance_json
from assist_web.archive.reading import read_part10
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


_PIXEL_DATA = BaseTag(0x7FE00010)
_NOT_PLAIN = frozenset({"PN", "SQ", "AT"})  # values pydicom gives as objects of its own
_TAGS: dict[str, str] = {}
# What pydicom gives for an element without a value: "" for text, None for numbers (DS, IS too).
_EMPTY_TEXT = frozenset(STR_VR) - {"DS", "IS"}


@dataclass
class Header:
    """An object's attribute values, read from its DICOM JSON (built once, for the index)
    wherever that gives exactly what pydicom's ``ds.get`` would, and from pydicom otherwise:
    converting each value in pydicom costs more than all the rest of the parsing."""

    dataset: Dataset
    data: bytes  # the Part 10 bytes the dataset was read from
    body: dict[str, Any] | None = None  # DICOM JSON with bulk data URIs holding only the tag
    bulk: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # text() answers, asked many times

    @classmethod
    def of(cls, ds: Dataset, *, data: bytes) -> "Header":
        header = cls(dataset=ds, data=data)
        try:
            header.body = dataset_json(ds, header.bulk)
        except Exception:  # noqa: BLE001 - instance_json() reports it when the JSON is needed
            header.body, header.bulk = None, []
        return header

    def get(self, keyword: str, default: object = None) -> Any:
        """``ds.get(keyword, default)``, or a value equal to it for ``str()``, ``int()`` and
        truth (an ``int`` for IS, a ``float`` for DS, ``None`` or ``""`` for no value)."""
        entry = self._entry(keyword)
        if entry is None:
            return default if self.body is not None else self.dataset.get(keyword, default)
        vr = entry["vr"]
        if vr not in _NOT_PLAIN:
            value = entry.get("Value")
            if value is None and len(entry) == 1:
                return "" if vr in _EMPTY_TEXT else None
            if value is not None and len(value) == 1:
                return value[0]
        return self.dataset.get(keyword, default)

    def text(self, keyword: str) -> str:
        """``str(ds.get(keyword, "") or "")``."""
        value = self.texts.get(keyword)
        if value is None:
            value = self.texts[keyword] = str(self.get(keyword, "") or "")
        return value

    def pixel_data_size(self) -> int | None:
        elem = self.dataset._dict.get(_PIXEL_DATA)
        if elem is None:
            return None
        if isinstance(elem, RawDataElement):
            if elem.value is not None:
                return len(elem.value)
            # Deferred: what reading it would give, the declared length or up to the end.
            # (An undefined length, encapsulated frames, is left to pydicom.)
            if self.data[elem.value_tell - 4 : elem.value_tell] != b"\xff\xff\xff\xff":
                return min(elem.length, max(len(self.data) - elem.value_tell, 0))
        return len(self.dataset.PixelData)

    def json_text(self, *, transfer_syntax_uid: str) -> str:
        """The instance's stored DICOM JSON; raises what pydicom raises on a value it cannot
        convert."""
        if self.body is None:
            self.bulk = []
            self.body = dataset_json(self.dataset, self.bulk)
        return instance_json(
            body=self.body,
            bulk=self.bulk,
            study_uid=self.text("StudyInstanceUID"),
            series_uid=self.text("SeriesInstanceUID"),
            sop_uid=self.text("SOPInstanceUID"),
            transfer_syntax_uid=transfer_syntax_uid,
        )

    def _entry(self, keyword: str) -> dict[str, Any] | None:
        if self.body is None:
            return None
        key = _TAGS.get(keyword)
        if key is None:
            key = _TAGS[keyword] = f"{tag_for_keyword(keyword):08X}"
        return self.body.get(key)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ParsedInstance:
    dataset: Dataset
    transfer_syntax_uid: str
    header: Header


def parse_part10(data: bytes) -> ParsedInstance:
    if len(data) < 132:
        raise DicomRejected("Not a DICOM file: too short to hold a DICOM header.")
    try:
        # Values are converted later, when the DICOM JSON is built; a value that cannot be
        # converted refuses the object there.
        ds = read_part10(data)
    except InvalidDicomError:
        raise DicomRejected(
            "Not a DICOM Part 10 file (no 'DICM' preamble); send files as written by a "
            "scanner or PACS export."
        ) from None
    except (EOFError, ValueError, OSError, KeyError, TypeError, OverflowError) as exc:
        raise DicomRejected(f"The DICOM file is damaged or truncated: {_short(exc)}") from None

    file_meta = getattr(ds, "file_meta", None)
    transfer_syntax = str(getattr(file_meta, "TransferSyntaxUID", "") or "")
    header = Header.of(ds, data=data)
    sop_class = header.text("SOPClassUID")
    sop_uid = header.text("SOPInstanceUID")
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
    return ParsedInstance(dataset=ds, transfer_syntax_uid=transfer_syntax, header=header)


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
    if UID(transfer_syntax).is_compressed:
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
