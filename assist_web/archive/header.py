"""An arriving object's attribute values, as ingest asks for them.

Read from the object's DICOM JSON (built once, for the index) wherever that gives exactly what
pydicom's ``ds.get`` would, and from pydicom otherwise: converting each value in pydicom costs
more than all the rest of the parsing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag
from pydicom.valuerep import STR_VR, VR, PersonName

from assist_web.archive.dicomjson import dataset_json, elements_json, instance_json
from assist_web.archive.reading import DAMAGED, read_part10
from assist_web.archive.refusals import DicomRejected
from assist_web.archive.scanning import SEQUENCE_END_BYTES, UNDEFINED_LENGTH, scan_part10

_PIXEL_DATA = BaseTag(0x7FE00010)
_MEDIA_SOP_CLASS = 0x00020002
_NOT_PLAIN = frozenset({"PN", "SQ", "AT"})  # values pydicom gives as objects of its own
_TAGS: dict[str, str] = {}
# What pydicom gives for an element without a value: "" for text, None for numbers (DS, IS too).
_EMPTY_TEXT = frozenset(STR_VR) - {VR.DS, VR.IS}


@dataclass
class Header:
    """An object's attribute values and DICOM JSON. Made by ``scanned`` (without pydicom's
    reader; the pydicom dataset is then read only if something asks for it) or by ``of``
    (from a dataset pydicom read)."""

    data: bytes  # the Part 10 bytes the values were read from
    transfer_syntax_uid: str
    media_sop_class_uid: str
    elements: Mapping[Any, Any]  # the dataset's elements, raw where not yet converted
    body: dict[str, Any] | None = None  # DICOM JSON with bulk data URIs holding only the tag
    bulk: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # text() answers, asked many times
    _dataset: Dataset | None = None

    @classmethod
    def of(cls, ds: Dataset, *, data: bytes) -> "Header":
        meta = getattr(ds, "file_meta", None)
        try:
            transfer_syntax_uid = str(getattr(meta, "TransferSyntaxUID", "") or "")
            media_sop_class_uid = str(getattr(meta, "MediaStorageSOPClassUID", "") or "")
        except DAMAGED:
            raise _damaged("The file meta information") from None
        header = cls(
            data=data,
            transfer_syntax_uid=transfer_syntax_uid,
            media_sop_class_uid=media_sop_class_uid,
            elements=ds._dict,
            _dataset=ds,
        )
        try:
            header.body = dataset_json(ds, header.bulk)
        except Exception:  # noqa: BLE001 - instance_json() reports it when the JSON is needed
            header.body, header.bulk = None, []
        return header

    @classmethod
    def scanned(cls, data: bytes) -> "Header | None":
        """The header of a file the plain reader covers, values and JSON included; None
        where pydicom is needed to read or convert it."""
        scanned = scan_part10(data)
        if scanned is None:
            return None
        bulk: list[dict[str, Any]] = []
        body = elements_json(scanned.elements, bulk)
        if body is None:
            return None
        return cls(
            data=data,
            transfer_syntax_uid=scanned.transfer_syntax_uid,
            media_sop_class_uid=_meta_uid(scanned.meta.get(_MEDIA_SOP_CLASS)),
            elements=scanned.elements,
            body=body,
            bulk=bulk,
        )

    @property
    def dataset(self) -> Dataset:
        """The object as pydicom reads it (read now if it was scanned)."""
        if self._dataset is None:
            try:
                self._dataset = read_part10(self.data)
            except DAMAGED:
                raise _damaged("The object") from None
        return self._dataset

    def get(self, keyword: str, default: object = None) -> Any:
        """``ds.get(keyword, default)``, or a value equal to it for ``str()``, ``int()`` and
        truth (an ``int`` for IS, a ``float`` for DS, ``None`` or ``""`` for no value)."""
        entry = self._entry(keyword)
        if entry is None:
            return default if self.body is not None else self._converted(keyword, default)
        vr = entry["vr"]
        value = entry.get("Value")
        if vr not in _NOT_PLAIN:
            if value is None and len(entry) == 1:
                return "" if vr in _EMPTY_TEXT else None
            if value is not None and len(value) == 1:
                return value[0]
        elif vr == "PN" and value is not None and len(value) == 1 and len(value[0]) == 1:
            return PersonName(value[0]["Alphabetic"])
        return self._converted(keyword, default)

    def text(self, keyword: str) -> str:
        """``str(ds.get(keyword, "") or "")``."""
        value = self.texts.get(keyword)
        if value is None:
            value = self.texts[keyword] = str(self.get(keyword, "") or "")
        return value

    def pixel_data_size(self) -> int | None:
        elem = self.elements.get(_PIXEL_DATA)
        if elem is None:
            return None
        if isinstance(elem, RawDataElement):
            if elem.value is not None:
                return len(elem.value)
            # Deferred: what reading it would give, the declared length or up to the end, or
            # for an undefined length (encapsulated frames) up to the sequence delimiter.
            if elem.length != UNDEFINED_LENGTH:
                return min(elem.length, max(len(self.data) - elem.value_tell, 0))
            end = self.data.find(SEQUENCE_END_BYTES, elem.value_tell)
            if end >= 0:
                return end - elem.value_tell
        return len(self._converted("PixelData", b""))

    def json_text(self) -> str:
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
            transfer_syntax_uid=self.transfer_syntax_uid,
        )

    def _converted(self, keyword: str, default: object) -> Any:
        """The value as pydicom converts it; a refusal where the bytes cannot be converted (a
        scanned object's values are converted only when asked, which may be during indexing)."""
        try:
            return self.dataset.get(keyword, default)
        except DAMAGED:
            raise _damaged(keyword) from None

    def _entry(self, keyword: str) -> dict[str, Any] | None:
        if self.body is None:
            return None
        key = _TAGS.get(keyword)
        if key is None:
            key = _TAGS[keyword] = f"{tag_for_keyword(keyword):08X}"
        return self.body.get(key)


def _damaged(what: str) -> DicomRejected:
    return DicomRejected(f"{what} cannot be read: the DICOM file is damaged.")


def _meta_uid(elem: object) -> str:
    if not isinstance(elem, RawDataElement) or not elem.value:
        return ""
    return elem.value.decode("latin-1").rstrip("\0 ").strip()
