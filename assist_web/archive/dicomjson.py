"""DICOM JSON (PS3.18 F.2) for one instance, with bulk data as BulkDataURI.

Every arriving object is turned into DICOM JSON, so this is on the ingest hot path. Letting
pydicom convert each element to a typed value and then to JSON costs more than reading the
file; ``dataset_json`` builds the same JSON from the raw bytes pydicom read, for the values whose
conversion is plain (ASCII text, little-endian numbers, binary), and hands every other element
to pydicom's own ``to_json_dict``, so the result is pydicom's, element for element (the tests
compare both over pydicom's whole corpus of vendor files). ``elements_json`` does the same for
elements read without pydicom (``scanning.py``), and gives up where pydicom would be needed.
"""

import base64
import json
import re
import struct
from typing import TYPE_CHECKING, Any

from pydicom import config
from pydicom.datadict import DicomDictionary
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import _LUT_DESCRIPTOR_TAGS

from assist_web.archive.scanning import UNDEFINED_LENGTH

if TYPE_CHECKING:
    from assist_web.archive.scanning import Elements

# Stored in the index instead of the site's URL, which depends on how a client reaches it;
# replaced by the request's own base URL when metadata is served.
BASE_PLACEHOLDER = "@@DICOMWEB_BASE@@"
# Values above this size go out as BulkDataURI; 1 KiB matches common servers and keeps the
# per-series metadata small for viewers.
BULK_DATA_THRESHOLD = 1024
# pydicom's rule: base64 makes a value a third longer than its bytes.
_BULK_BYTES = (BULK_DATA_THRESHOLD // 4) * 3

_NUMBERS = {
    vr: (code, struct.calcsize("<" + code))
    for vr, code in {
        "US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d", "SV": "q", "UV": "Q"
    }.items()
}  # fmt: skip
# A set of plain ints: ``in`` on pydicom's own collection compares tags in Python, one by one.
_LUT_TAGS = frozenset(int(tag) for tag in _LUT_DESCRIPTOR_TAGS)
_PIXEL_DATA = 0x7FE00010
_BINARY = frozenset({"OB", "OW", "OD", "OF", "OL", "OV"})
# pydicom splits these at backslashes after trimming the whole value's trailing padding.
_SPLIT_TRIMMED = frozenset({"UI", "CS", "AS", "DA", "TM", "DT"})
# ... these it splits first, then trims each value.
_SPLIT_EACH = frozenset({"SH", "LO", "UC"})
_SINGLE = frozenset({"ST", "LT", "UT"})
_INTEGER = re.compile(r" *[+-]?[0-9]{1,15} *")
_DECIMAL = re.compile(r" *[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})? *")
# Sequences are parsed into items by pydicom (whose elements then come back here); an explicit
# UN may be given its real VR by pydicom's dictionary.
_PYDICOM_ONLY = frozenset({"SQ", "UN"})


class _Slow(Exception):
    """This element needs pydicom's conversion."""


def dataset_json(ds: Dataset, bulk: list[dict[str, Any]]) -> dict[str, Any]:
    """``ds.to_json_dict()`` with bulk data as a BulkDataURI holding only the tag (8 hex
    digits); each such entry is appended to ``bulk`` so the caller can put its prefix in front."""
    body: dict[str, Any] = {}
    plain = not _converts_otherwise()
    for tag, elem in list(ds._dict.items()):
        key = f"{tag:08X}"
        if plain and isinstance(elem, RawDataElement):
            try:
                body[key] = _raw_json(elem, tag)
                if "BulkDataURI" in body[key]:
                    bulk.append(body[key])
                continue
            except _Slow:
                pass
        element = ds[tag]
        if element.VR == "SQ":
            items = [dataset_json(item, bulk) for item in element.value]
            body[key] = {"vr": "SQ", "Value": items}
            continue
        body[key] = element.to_json_dict(
            bulk_data_element_handler=_tag_only, bulk_data_threshold=BULK_DATA_THRESHOLD
        )
        if "BulkDataURI" in body[key]:
            bulk.append(body[key])
    return body


def elements_json(elements: "Elements", bulk: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``dataset_json`` for elements read by ``scanning.scan_part10``, or None where an element
    needs pydicom's conversion (the caller then reads the file with pydicom)."""
    if _converts_otherwise():
        return None
    try:
        return _elements_json(elements, bulk)
    except _Slow:
        return None


def _elements_json(elements: "Elements", bulk: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for tag, elem in elements.items():
        if type(elem) is list:
            body[f"{tag:08X}"] = {"vr": "SQ", "Value": [_elements_json(i, bulk) for i in elem]}
            continue
        entry = body[f"{tag:08X}"] = _raw_json(elem, tag)  # type: ignore[arg-type]
        if "BulkDataURI" in entry:
            bulk.append(entry)
    return body


def _tag_only(element: DataElement) -> str:
    return f"{element.tag:08X}"


def _raw_json(raw: RawDataElement, tag: int) -> dict[str, Any]:
    vr = raw.VR
    if vr is None:
        vr = _implicit_vr(tag, raw.length)
    if vr in _PYDICOM_ONLY or tag in _LUT_TAGS:
        raise _Slow  # pydicom looks up a VR, parses items or corrects the value itself
    value = raw.value
    if value is None:  # deferred by the reader: only large values are
        if vr in _BINARY and raw.length > _BULK_BYTES:
            return {"vr": vr, "BulkDataURI": f"{tag:08X}"}
        raise _Slow
    if not value:
        return {"vr": vr}
    if vr in _BINARY:
        if len(value) > _BULK_BYTES:
            return {"vr": vr, "BulkDataURI": f"{tag:08X}"}
        return {"vr": vr, "InlineBinary": base64.b64encode(value).decode()}
    if vr in _NUMBERS:
        if not raw.is_little_endian:
            raise _Slow
        code, size = _NUMBERS[vr]
        count, rest = divmod(len(value), size)
        if rest:
            raise _Slow  # pydicom decides between refusing and UN
        numbers = struct.unpack(f"<{count}{code}", value)
        if code in "fd":
            return {"vr": vr, "Value": [float(n) for n in numbers]}
        return {"vr": vr, "Value": list(numbers)}
    if vr == "AT":
        if not raw.is_little_endian or len(value) % 4:
            raise _Slow  # pydicom warns and cuts
        pairs = struct.iter_unpack("<HH", value)
        return {"vr": vr, "Value": [f"{group << 16 | element:08X}" for group, element in pairs]}
    if not value.isascii() or b"\x1b" in value:
        raise _Slow  # the character set decides
    text = value.decode("ascii")
    if vr in _SPLIT_TRIMMED:
        values = text.rstrip(" \0").split("\\")
        if vr == "UI":
            values = [v.strip() for v in values]  # pydicom's UID strips whitespace
    elif vr in _SPLIT_EACH:
        values = [v.rstrip("\0 ") for v in text.split("\\")]
    elif vr == "AE":
        values = [v.strip() for v in text.split("\\")]  # spaces on both sides mean nothing
    elif vr in _SINGLE:
        values = [text.rstrip("\0 ")]
    elif vr == "PN":
        return _person_name(vr, text)
    elif vr == "IS":
        values = text.rstrip(" \0").split("\\")
        if not all(_INTEGER.fullmatch(v) for v in values):
            raise _Slow
        return {"vr": vr, "Value": [int(v) for v in values]}
    elif vr == "DS":
        values = text.strip().rstrip(" \0").split("\\")
        if not all(_DECIMAL.fullmatch(v) for v in values):
            raise _Slow
        return {"vr": vr, "Value": [float(v) for v in values]}
    else:
        raise _Slow
    if len(values) == 1 and not values[0]:
        return {"vr": vr}
    return {"vr": vr, "Value": values}


def _converts_otherwise() -> bool:
    """Settings under which pydicom's values are not the plain ones built here."""
    return bool(
        config.datetime_conversion
        or config.use_DS_numpy
        or config.use_IS_numpy
        or config.use_DS_decimal
        or config.use_none_as_empty_text_VR_value
    )


def _person_name(vr: str, text: str) -> dict[str, Any]:
    text = text.rstrip("\0 ")
    if not text:
        return {"vr": vr}
    names = []
    for name in text.split("\\"):
        groups = name.split("=")
        while groups and not groups[-1]:
            groups.pop()
        if not groups or len(groups) > 3:
            raise _Slow
        names.append(dict(zip(("Alphabetic", "Ideographic", "Phonetic"), groups, strict=False)))
    return {"vr": vr, "Value": names}


def _implicit_vr(tag: int, length: int) -> str:
    if tag == _PIXEL_DATA:  # 'OB or OW': pydicom's choice for implicit VR (PS3.5 A.1, A.4)
        return "OB" if length == UNDEFINED_LENGTH else "OW"
    entry = DicomDictionary.get(tag)
    if entry is None or " or " in entry[0] or entry[0] == "UN":
        raise _Slow  # private, unknown or ambiguous: pydicom's lookup rules apply
    return entry[0]


def instance_json(
    *,
    body: dict[str, Any],
    bulk: list[dict[str, Any]],
    study_uid: str,
    series_uid: str,
    sop_uid: str,
    transfer_syntax_uid: str,
) -> str:
    """The stored DICOM JSON text of an instance from what dataset_json made (and changes it)."""
    prefix = (
        f"{BASE_PLACEHOLDER}/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/bulkdata/"
    )
    for entry in bulk:
        entry["BulkDataURI"] = prefix + entry["BulkDataURI"]
    body["00020010"] = {"vr": "UI", "Value": [transfer_syntax_uid]}
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def series_metadata(instance_texts: list[str], *, base_url: str) -> str:
    return ("[" + ",".join(instance_texts) + "]").replace(BASE_PLACEHOLDER, base_url)
