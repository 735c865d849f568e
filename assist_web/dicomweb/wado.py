"""WADO-RS retrieval (PS3.18 10.4): stored files as they are, metadata, bulk data."""

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from assist_web.archive.dicomjson import series_metadata
from assist_web.dicomweb.accept import accepted_parts, media_type_matches, parse_accept
from assist_web.dicomweb.errors import BadRequest, NotAcceptable, NotFound
from assist_web.dicomweb.lookup import StoredInstance

DICOM = "application/dicom"
DICOM_JSON = "application/dicom+json"
FILE_CHUNK = 1024 * 1024


def dicom_accept_check(accept: str | None, stored_syntaxes: set[str]) -> None:
    """Refuse (406) a client that cannot take these files as they are stored.

    The stored file is the record and leaves byte for byte: this server does not transcode, so
    a request for one particular transfer syntax is met only where every file already has it.
    """
    for part_type, syntax in accepted_parts(accept):
        if not media_type_matches(part_type, DICOM):
            continue
        if syntax in (None, "*") or stored_syntaxes == {syntax}:
            return
    raise NotAcceptable(
        "Instances are sent as stored, in transfer syntax "
        f"{', '.join(sorted(stored_syntaxes))}; accept "
        'multipart/related; type="application/dicom" with no transfer-syntax or with '
        "transfer-syntax=*."
    )


def file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk


def dicom_parts(instances: list[StoredInstance]) -> Iterable[tuple[str, Iterable[bytes]]]:
    for instance in instances:
        content_type = f"{DICOM}; transfer-syntax={instance.transfer_syntax_uid}"
        yield content_type, file_chunks(instance.path)


def metadata_check_accept(accept: str | None) -> None:
    for media_range in parse_accept(accept):
        if media_range.matches(DICOM_JSON) or media_range.matches("application/json"):
            return
    raise NotAcceptable("Metadata is available as application/dicom+json only.")


def metadata_json(texts: list[str], *, base_url: str) -> str:
    return series_metadata(texts, base_url=base_url)


def bulkdata_tag_parse(text: str) -> int:
    if len(text) != 8:
        raise BadRequest(f"'{text}' is not an 8-hex-digit attribute tag.")
    try:
        return int(text, 16)
    except ValueError:
        raise BadRequest(f"'{text}' is not an 8-hex-digit attribute tag.") from None


def bulkdata_read(path: Path, tag: int) -> bytes:
    """The value of the first element with this tag, top level first, as stored in the file.

    The metadata's BulkDataURIs name a tag only, so an element inside a sequence is found by
    searching the items in order.
    """
    ds = dcmread(path)
    value = _find_value(ds, tag)
    if value is None:
        raise NotFound(f"The instance has no bulk data at {tag:08X}.")
    return value


def _find_value(ds: Dataset, tag: int) -> bytes | None:
    if tag in ds:
        raw = ds.get_item(tag)
        if isinstance(raw, RawDataElement):
            return bytes(raw.value or b"")
        element = ds[tag]
        if isinstance(element.value, bytes):
            return element.value
        return None
    for element in ds:
        if element.VR == "SQ":
            for item in element.value:
                found = _find_value(item, tag)
                if found is not None:
                    return found
    return None
