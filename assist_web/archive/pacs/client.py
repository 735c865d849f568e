"""A DICOMweb connection to one remote PACS: QIDO-RS to find, WADO-RS to fetch one instance.

Searches go through dicomweb-client. Instances are fetched through the same requests session
but kept as the bytes the PACS sent, because dicomweb-client hands back decoded datasets and
re-encoding one is not guaranteed to reproduce the original file.

Every request retries only the transient failures (no connection, timeout, HTTP 429/502/503/
504), a few times with backoff; anything else fails at once with a reason a person can act on.
Every answer is read within a size limit (answers.py), and a listing is fetched page by page
within a count limit, so a PACS that misbehaves costs bounded memory and time.
"""

import functools
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset

from assist_web.archive.models import RemotePacs
from assist_web.archive.pacs.answers import (
    InstanceRef,
    StudySummary,
    body_bounded,
    dataset_of,
    instance_ref,
    study_summary,
)
from assist_web.archive.pacs.errors import (
    AnswerTooLarge,
    AnswerTooSlow,
    PacsAuthenticationFailed,
    PacsError,
    PacsUnreachable,
)
from assist_web.archive.pacs.multipart import multipart_parts

logger = logging.getLogger(__name__)

T = TypeVar("T")

# 429: the PACS asks us to slow down, which the backoff does.
TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})
# 4 tries over about 7 s ride out a PACS restart or a proxy hiccup without tying up a worker
# for minutes when the PACS is really down. Module constants so tests can shorten them.
RETRY_ATTEMPTS = 4
RETRY_BASE_DELAY_S = 1.0
# (connect, read): a PACS that does not accept a connection in 5 s is not there; a large
# instance from a busy PACS can take a while to arrive.
REQUEST_TIMEOUT_S = (5.0, 120.0)
# A search is for a person choosing studies; more than this is a query to narrow down.
SEARCH_LIMIT = 200
# Listings for a pull are fetched in pages of this many results.
PAGE_SIZE = 500
# A pull by patient and dates that matches more studies than this was not meant.
MAX_STUDIES_PULLED = 1_000
# The largest studies (long functional or diffusion series) hold some tens of thousands of
# images; a listing longer than this is a PACS answering something else.
MAX_INSTANCES_LISTED = 100_000
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

__all__ = [
    "InstanceRef",
    "PacsAuthenticationFailed",
    "PacsConnection",
    "PacsError",
    "PacsUnreachable",
    "StudySummary",
    "study_filters",
]


class PacsConnection:
    def __init__(self, remote: RemotePacs) -> None:
        self.remote_name = remote.name
        self.base_url = remote.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.verify = remote.verify_tls
        self._session.hooks["response"].append(body_bounded)
        if remote.auth_kind == RemotePacs.AuthKind.BASIC:
            self._session.auth = (remote.username, remote.secret)
        elif remote.auth_kind == RemotePacs.AuthKind.TOKEN:
            self._session.headers["Authorization"] = f"Bearer {remote.secret}"
        self._client = DICOMwebClient(
            url=self.base_url, session=self._session, timeout=REQUEST_TIMEOUT_S
        )
        # Our own retry below covers every request the same way; theirs would nest inside it.
        self._client.set_http_retry_params(retry=False)

    def studies_search(self, *, filters: dict[str, str]) -> list[StudySummary]:
        """One page of studies for a person to choose from (at most SEARCH_LIMIT)."""
        found = self._retrying(
            "a study search",
            lambda: self._client.search_for_studies(
                search_filters=filters, fields=_STUDY_FIELDS, limit=SEARCH_LIMIT
            ),
        )
        return self._summaries([self._dataset(item) for item in found])

    def studies_all(self, *, filters: dict[str, str]) -> list[StudySummary]:
        """Every study matching, for a pull."""

        def page(offset: int) -> list[dict[str, Any]]:
            return self._client.search_for_studies(
                search_filters=filters, fields=_STUDY_FIELDS, limit=PAGE_SIZE, offset=offset
            )

        return self._summaries(
            self._listing("a study search", page, "StudyInstanceUID", MAX_STUDIES_PULLED)
        )

    def instances_list(self, *, study_uid: str) -> list[InstanceRef]:
        def page(offset: int) -> list[dict[str, Any]]:
            return self._client.search_for_instances(
                study_instance_uid=study_uid,
                fields=["SeriesInstanceUID", "SOPInstanceUID"],
                limit=PAGE_SIZE,
                offset=offset,
            )

        found = self._listing("an instance search", page, "SOPInstanceUID", MAX_INSTANCES_LISTED)
        return [instance_ref(ds, study_uid=study_uid) for ds in found]

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

    def _listing(
        self,
        what: str,
        page: Callable[[int], list[dict[str, Any]]],
        key: str,
        maximum: int,
    ) -> list[Dataset]:
        """Every result of a search, page after page until the PACS has no more (what
        dicomweb-client's get_remaining does, which loops for ever on a PACS that ignores
        ``offset``). Results are told apart by ``key``: a page that brings nothing new ends the
        listing too. Should that page be full, the PACS ignored the offset with more to
        send, and the listing fails rather than pull part of a study."""
        found: dict[str, Dataset] = {}
        offset = 0
        while True:
            items = self._retrying(what, functools.partial(page, offset))
            fresh = {}
            for item in items:
                ds = self._dataset(item)
                uid = str(ds.get(key, ""))
                if uid not in found:
                    fresh[uid] = ds
            if not fresh:
                if len(items) == PAGE_SIZE:
                    raise PacsError(
                        f"PACS {self.remote_name} answers every page of {what} with the same "
                        f"{PAGE_SIZE} results (it ignores the offset parameter), so the rest "
                        "cannot be listed. Ask its administrator."
                    )
                return list(found.values())
            found.update(fresh)
            if len(found) > maximum:
                raise PacsError(
                    f"{what.capitalize()} on PACS {self.remote_name} found more than {maximum} "
                    "results; narrow the query."
                )
            offset += len(items)

    def _summaries(self, found: list[Dataset]) -> list[StudySummary]:
        summaries = [study_summary(ds) for ds in found]
        kept = [s for s in summaries if s is not None]
        if len(kept) < len(summaries):
            logger.warning(
                "PACS %s: %d search result(s) without a valid Study Instance UID left out",
                self.remote_name,
                len(summaries) - len(kept),
            )
        return kept

    def _dataset(self, item: Any) -> Dataset:
        ds = dataset_of(item)
        if ds is None:
            raise PacsError(
                f"PACS {self.remote_name} sent a search result that is not valid DICOM JSON."
            )
        return ds

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
            except AnswerTooLarge as exc:
                raise PacsError(
                    f"PACS {self.remote_name} sent more than {exc.limit // 1024**2} MB in answer "
                    f"to {what}; check the base URL."
                ) from None
            except AnswerTooSlow as exc:
                raise PacsError(
                    f"PACS {self.remote_name} sent its answer to {what} too slowly "
                    f"({exc.received // 1024} kB in {exc.seconds:.0f} s) and was cut off."
                ) from None
            except (ValueError, TypeError, RecursionError):
                # dicomweb-client's JSON and format checks (a JSON nesting deep enough to
                # exhaust the parser is RecursionError): the URL answers, but not as DICOMweb.
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
