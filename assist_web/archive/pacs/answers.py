"""What a PACS sends back, read defensively.

A PACS is another vendor's software, sometimes misconfigured or pointed at the wrong URL; its
answers must neither exhaust the worker's memory nor end in an error that the person who asked
cannot act on. Bodies are read here, up to a limit, before requests or dicomweb-client hold
them; search results are turned into typed summaries that tolerate odd values.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions
from django.conf import settings
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from assist_web.archive.pacs.errors import AnswerTooLarge, AnswerTooSlow
from assist_web.archive.reading import DAMAGED
from assist_web.archive.store import uid_is_valid

logger = logging.getLogger(__name__)

# A page of search results is some hundreds of kilobytes (500 studies with nine attributes
# each); an answer a hundred times that is not a search result.
MAX_JSON_BYTES = 64 * 1024**2
_CHUNK_BYTES = 1024**2
# An answer must keep coming: after the grace time, at this average rate at least. The read
# timeout alone would wait for ever on a PACS that sends a byte a minute; a slow WAN link
# (some MB/s) passes easily, a 2 GB object at this floor is given two and a half hours.
ANSWER_GRACE_S = 120.0
ANSWER_MIN_BYTES_PER_S = 256 * 1024


def body_bounded(response: requests.Response, *args: object, **kwargs: object) -> None:
    """A requests response hook: read the body now, refusing it once it passes its limit
    (search answers: MAX_JSON_BYTES; an instance: the largest upload the site accepts), so that
    a PACS streaming without end costs a bounded amount of memory, or once it falls behind
    ANSWER_MIN_BYTES_PER_S after ANSWER_GRACE_S, so that one dripping it holds no worker for
    ever. The size counted is after any Content-Encoding is undone, so a compressed bomb is
    caught too."""
    accept = response.request.headers.get("Accept", "") if response.request else ""
    limit = MAX_JSON_BYTES if "json" in accept else settings.ASSIST_MAX_UPLOAD_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise AnswerTooLarge(limit)
    body = bytearray()
    started = time.monotonic()
    for piece in _pieces(response):
        body += piece
        if len(body) > limit:
            response.close()
            raise AnswerTooLarge(limit)
        elapsed = time.monotonic() - started
        if elapsed > ANSWER_GRACE_S + len(body) / ANSWER_MIN_BYTES_PER_S:
            response.close()
            raise AnswerTooSlow(len(body), elapsed)
    # requests keeps a read body here; Session.send then finds it read (see its `stream` path).
    response._content = bytes(body)


def _pieces(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, decoded: each piece is what one read brought, so a sender's
    pace is seen between pieces (requests' iter_content waits for whole chunks). urllib3's
    errors are raised as requests raises them."""
    try:
        while piece := response.raw.read1(_CHUNK_BYTES, decode_content=True):
            yield piece
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None


def dataset_of(item: Any) -> Dataset | None:
    """A search result (one DICOM JSON object) as a dataset; None when it is not valid DICOM
    JSON (pydicom raises its whole range of errors on hostile values)."""
    try:
        return Dataset.from_json(item)
    except DAMAGED:
        return None


@dataclass(frozen=True)
class StudySummary:
    study_instance_uid: str
    patient_id: str
    patient_name: str
    study_date: str
    accession_number: str
    description: str
    modalities: str
    num_series: int | None
    num_instances: int | None


@dataclass(frozen=True)
class InstanceRef:
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str

    @property
    def valid(self) -> bool:
        return all(
            uid_is_valid(uid)
            for uid in (self.study_instance_uid, self.series_instance_uid, self.sop_instance_uid)
        )


def study_summary(ds: Dataset) -> StudySummary | None:
    """The study a search result describes; None when it has no valid Study Instance UID
    (it could be neither shown usefully nor pulled)."""
    uid = _text(ds, "StudyInstanceUID")
    if not uid_is_valid(uid):
        return None
    return StudySummary(
        study_instance_uid=uid,
        patient_id=_text(ds, "PatientID"),
        patient_name=_text(ds, "PatientName"),
        study_date=_text(ds, "StudyDate"),
        accession_number=_text(ds, "AccessionNumber"),
        description=_text(ds, "StudyDescription"),
        modalities=_text(ds, "ModalitiesInStudy"),
        num_series=_count(ds, "NumberOfStudyRelatedSeries"),
        num_instances=_count(ds, "NumberOfStudyRelatedInstances"),
    )


def instance_ref(ds: Dataset, *, study_uid: str) -> InstanceRef:
    return InstanceRef(
        study_instance_uid=study_uid,
        series_instance_uid=_text(ds, "SeriesInstanceUID"),
        sop_instance_uid=_text(ds, "SOPInstanceUID"),
    )


def _text(ds: Dataset, keyword: str) -> str:
    """A value as text, several values joined by backslashes as DICOM writes them."""
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return str(value)
        if isinstance(value, MultiValue | list | tuple):
            return "\\".join(str(v) for v in value)
        return str(value)
    except DAMAGED:
        return ""


def _count(ds: Dataset, keyword: str) -> int | None:
    """A count the PACS reports, or None where it is missing or not a count."""
    try:
        value = int(ds.get(keyword))
    except DAMAGED:
        return None
    return value if value >= 0 else None
