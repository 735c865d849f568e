"""A DICOMweb connection to one remote PACS: QIDO-RS to find, WADO-RS to fetch one instance.

Searches go through dicomweb-client. Instances are fetched through the same requests session
but kept as the bytes the PACS sent, because dicomweb-client hands back decoded datasets and
re-encoding one is not guaranteed to reproduce the original file.

Every request retries only the transient failures (no connection, timeout, HTTP 502/503/504),
a few times with backoff; anything else fails at once with a reason a person can act on.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset

from assist_web.archive.models import RemotePacs
from assist_web.archive.pacs.multipart import multipart_parts
from assist_web.archive.store import uid_is_valid

logger = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_HTTP_STATUSES = frozenset({502, 503, 504})
# 4 tries over about 7 s ride out a PACS restart or a proxy hiccup without tying up a worker
# for minutes when the PACS is really down. Module constants so tests can shorten them.
RETRY_ATTEMPTS = 4
RETRY_BASE_DELAY_S = 1.0
# (connect, read): a PACS that does not accept a connection in 5 s is not there; a large
# instance from a busy PACS can take a while to arrive.
REQUEST_TIMEOUT_S = (5.0, 120.0)
# A search is for a person choosing studies; more than this is a query to narrow down.
SEARCH_LIMIT = 200
_ACCEPT_ANY_DICOM = 'multipart/related; type="application/dicom"; transfer-syntax=*'
_STUDY_FIELDS = [
    "StudyInstanceUID",
    "PatientID",
    "PatientName",
    "StudyDate",
    "AccessionNumber",
    "StudyDescription",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
]


class PacsError(Exception):
    """The PACS could not answer; ``message`` says why in words for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PacsUnreachable(PacsError):
    pass


class PacsAuthenticationFailed(PacsError):
    pass


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


class PacsConnection:
    def __init__(self, remote: RemotePacs) -> None:
        self.remote_name = remote.name
        self.base_url = remote.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.verify = remote.verify_tls
        if remote.auth_kind == RemotePacs.AuthKind.BASIC:
            self._session.auth = (remote.username, remote.secret)
        elif remote.auth_kind == RemotePacs.AuthKind.TOKEN:
            self._session.headers["Authorization"] = f"Bearer {remote.secret}"
        self._client = DICOMwebClient(
            url=self.base_url, session=self._session, timeout=REQUEST_TIMEOUT_S
        )
        # Our own retry below covers every request the same way; theirs would nest inside it.
        self._client.set_http_retry_params(retry=False)

    def studies_search(
        self, *, filters: dict[str, str], limit: int | None = SEARCH_LIMIT
    ) -> list[StudySummary]:
        found = self._retrying(
            "a study search",
            lambda: self._client.search_for_studies(
                search_filters=filters,
                fields=_STUDY_FIELDS,
                limit=limit,
                get_remaining=limit is None,
            ),
        )
        return [_summary(self._dataset(item)) for item in found]

    def instances_list(self, *, study_uid: str) -> list[InstanceRef]:
        found = self._retrying(
            "an instance search",
            lambda: self._client.search_for_instances(
                study_instance_uid=study_uid,
                fields=["SeriesInstanceUID", "SOPInstanceUID"],
                get_remaining=True,
            ),
        )
        refs = []
        for item in found:
            ds = self._dataset(item)
            refs.append(
                InstanceRef(
                    study_instance_uid=study_uid,
                    series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
                    sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
                )
            )
        return refs

    def instance_retrieve(self, ref: InstanceRef) -> bytes:
        """One instance as the Part 10 file the PACS holds, in its stored transfer syntax."""
        if not ref.valid:
            # The UIDs become URL path segments; a malformed one from the PACS must not.
            raise PacsError("The PACS listed an instance with an invalid UID.")
        url = (
            f"{self.base_url}/studies/{ref.study_instance_uid}/series/{ref.series_instance_uid}"
            f"/instances/{ref.sop_instance_uid}"
        )

        def get() -> requests.Response:
            response = self._session.get(
                url, headers={"Accept": _ACCEPT_ANY_DICOM}, timeout=REQUEST_TIMEOUT_S
            )
            response.raise_for_status()
            return response

        response = self._retrying("an instance retrieval", get)
        parts = multipart_parts(response.content, response.headers.get("Content-Type", ""))
        if len(parts) != 1:
            raise PacsError(f"The PACS sent {len(parts)} objects for one instance.")
        return parts[0]

    def _dataset(self, item: dict[str, Any]) -> Dataset:
        try:
            return Dataset.from_json(item)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise PacsError(
                f"PACS {self.remote_name} sent a search result that is not valid DICOM JSON."
            ) from None

    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                return call()
            except requests.exceptions.SSLError:
                raise PacsError(
                    f"The TLS certificate of PACS {self.remote_name} could not be verified."
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"no answer ({type(exc).__name__})"
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                if status in (401, 403):
                    raise PacsAuthenticationFailed(
                        f"PACS {self.remote_name} refused the credentials (authentication "
                        f"failed, HTTP {status}); a site admin should check them."
                    ) from None
                if status not in TRANSIENT_HTTP_STATUSES:
                    raise PacsError(
                        f"PACS {self.remote_name} answered HTTP {status} to {what}."
                    ) from None
                failure = f"HTTP {status}"
            except ValueError:
                # dicomweb-client's JSON and format checks: the URL answers, but not as DICOMweb.
                raise PacsError(
                    f"PACS {self.remote_name} sent an answer to {what} that is not DICOMweb; "
                    "check the base URL."
                ) from None
            except requests.RequestException as exc:
                raise PacsError(
                    f"The request to PACS {self.remote_name} failed ({type(exc).__name__})."
                ) from None
            if attempt < RETRY_ATTEMPTS:
                delay = RETRY_BASE_DELAY_S * 2 ** (attempt - 1)
                logger.info("PACS %s: %s, retrying in %.1fs", self.remote_name, failure, delay)
                time.sleep(delay)
        raise PacsUnreachable(
            f"PACS {self.remote_name} is unreachable at {self.base_url}: {failure} "
            f"after {RETRY_ATTEMPTS} tries."
        )


def _joined(value: object) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return "\\".join(str(v) for v in value)  # type: ignore[attr-defined]


def _summary(ds: Dataset) -> StudySummary:
    def count(keyword: str) -> int | None:
        value = ds.get(keyword)
        return int(value) if value not in (None, "") else None

    return StudySummary(
        study_instance_uid=str(ds.get("StudyInstanceUID", "")),
        patient_id=str(ds.get("PatientID", "")),
        patient_name=str(ds.get("PatientName", "")),
        study_date=str(ds.get("StudyDate", "")),
        accession_number=str(ds.get("AccessionNumber", "")),
        description=str(ds.get("StudyDescription", "")),
        modalities=_joined(ds.get("ModalitiesInStudy")),
        num_series=count("NumberOfStudyRelatedSeries"),
        num_instances=count("NumberOfStudyRelatedInstances"),
    )


def study_filters(
    *, patient_id: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> dict[str, str]:
    """QIDO-RS matching keys for a patient and a date range (either end may be open)."""
    filters: dict[str, str] = {}
    if patient_id:
        filters["PatientID"] = patient_id
    if date_from or date_to:
        start = f"{date_from:%Y%m%d}" if date_from else ""
        end = f"{date_to:%Y%m%d}" if date_to else ""
        filters["StudyDate"] = start if start == end else f"{start}-{end}"
    return filters
