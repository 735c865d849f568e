"""The site's archive over DICOMweb: QIDO to list a series, WADO-RS to fetch it, STOW-RS to store.

The same client works against any PACS that speaks DICOMweb.
"""

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import requests
from dicomweb_client import DICOMwebClient
from pydicom import Dataset

from workers.gpu.errors import PermanentError, TransientError
from workers.gpu.retry import retrying

_SOP_INSTANCE_UID = "00080018"
_FAILED_SOP_SEQUENCE = "FailedSOPSequence"
_STOW_CHUNK_BYTES = 1024**3


class Archive:
    def __init__(self, site_url: str, token: str,
                 session: requests.Session | None = None) -> None:
        session = session or requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        # A SEG and RTSTRUCT of a clinical study exceed the client's default 1 MB chunk, and a
        # chunked upload carries no Content-Length, which many WSGI servers cannot read. One
        # chunk keeps the upload a plain request with a length.
        self.client = DICOMwebClient(url=f"{site_url.rstrip('/')}/dicomweb", session=session,
                                     timeout=(5.0, 120.0), chunk_size=_STOW_CHUNK_BYTES)
        # One retry policy for the whole worker (workers.gpu.retry), which also covers
        # connection errors; the client's own would retry a second time underneath it.
        self.client.set_http_retry_params(retry=False)

    def series_fetch(self, study_uid: str,
                     sequences: Mapping[str, str]) -> dict[str, list[Dataset]]:
        """Every image of each named series, keyed like ``sequences`` (name -> series UID).

        The series are fetched at once, one thread each: while the archive reads and sends
        one, this process parses another (the threads wait on sockets, not on the GIL).
        """
        with ThreadPoolExecutor(max_workers=max(len(sequences), 1)) as pool:
            futures = {name: pool.submit(self._series, study_uid, name, uid)
                       for name, uid in sequences.items()}
            return {name: future.result() for name, future in futures.items()}

    def _series(self, study_uid: str, name: str, series_uid: str) -> list[Dataset]:
        # One QIDO page, not get_remaining: it only proves the series exists and gives a
        # lower bound on its size, and paging loops forever on servers ignoring offset.
        listed = retrying(
            lambda: self.client.search_for_instances(
                study_instance_uid=study_uid, series_instance_uid=series_uid,
                fields=[_SOP_INSTANCE_UID]),
            what=f"listing the {name} series")
        if not listed:
            raise PermanentError(f"The {name} series of this study is not in the archive "
                                 "(deleted, or the sequence mapping points elsewhere).")
        datasets = retrying(
            lambda: self.client.retrieve_series(
                study_instance_uid=study_uid, series_instance_uid=series_uid),
            what=f"fetching the {name} series")
        if len(datasets) < len(listed):
            raise TransientError(f"The {name} series came back with {len(datasets)} of "
                                 f"{len(listed)} images.")
        return list(datasets)

    def store(self, datasets: Sequence[Dataset], study_uid: str) -> None:
        response = retrying(
            lambda: self.client.store_instances(list(datasets), study_instance_uid=study_uid),
            what="storing the results")
        failed = response.get(_FAILED_SOP_SEQUENCE) if response is not None else None
        if failed:
            reasons = ", ".join(f"{item.get('FailureReason', '?'):#06x}"
                                if isinstance(item.get("FailureReason"), int)
                                else str(item.get("FailureReason", "?")) for item in failed)
            raise PermanentError(f"The archive refused the results (failure reason {reasons}).")
