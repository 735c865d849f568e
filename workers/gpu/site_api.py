"""The site's REST API as the gpu worker uses it: jobs, their lease, and model bundles."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from workers.gpu.errors import JobError, PermanentError
from workers.gpu.retry import retrying
from workers.gpu.targets import Margins

# Connect fast, read patiently: a bundle download or a busy site may take a while to answer.
TIMEOUT_S = (5.0, 120.0)


class LeaseLost(JobError):
    """The site no longer holds this worker's lease (the job moved on): stop, report nothing."""


@dataclass(frozen=True)
class ModelRef:
    id: int
    name: str
    version: str
    sha256: str
    bundle_url: str


@dataclass(frozen=True)
class Job:
    id: int
    study_instance_uid: str
    sequences: dict[str, str]  # channel name -> SeriesInstanceUID
    model: ModelRef
    margins: Margins


def job_parse(body: Mapping[str, Any]) -> Job:
    try:
        model = body["model_version"]
        margins = body.get("margins") or {}
        return Job(
            id=int(body["id"]),
            study_instance_uid=str(body["study_instance_uid"]),
            sequences={str(k): str(v) for k, v in (body["sequences"] or {}).items() if v},
            model=ModelRef(id=int(model["id"]), name=str(model["name"]),
                           version=str(model["version"]), sha256=str(model["sha256"]).lower(),
                           bundle_url=str(model.get("bundle_url") or "")),
            margins=Margins(ctv_mm=float(margins.get("ctv_mm", Margins.ctv_mm)),
                            ptv_mm=float(margins.get("ptv_mm", Margins.ptv_mm))),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentError(f"The site's job record is incomplete ({error}).") from error


class SiteClient:
    def __init__(self, site_url: str, token: str,
                 session: requests.Session | None = None) -> None:
        self.base = site_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def _url(self, path: str) -> str:
        return f"{self.base}/api/v1/{path}"

    def _request(self, method: str, path: str, what: str, **kwargs: Any) -> requests.Response:
        def call() -> requests.Response:
            response = self.session.request(method, self._url(path), timeout=TIMEOUT_S,
                                            **kwargs)
            if response.status_code != 409:
                response.raise_for_status()
            return response

        return retrying(call, what=what)

    def job_get(self, job_id: int) -> Job:
        return job_parse(self._request("GET", f"jobs/{job_id}/", "reading the job").json())

    def job_claim(self, job_id: int, worker: str) -> str | None:
        """The lease token, or None when the job runs elsewhere or is already done (409)."""
        response = self._request("POST", f"jobs/{job_id}/claim/", "claiming the job",
                                 json={"worker": worker})
        if response.status_code == 409:
            return None
        return str(response.json()["lease_token"])

    def _leased(self, job_id: int, action: str, lease: str, body: dict[str, Any]) -> None:
        response = self._request("POST", f"jobs/{job_id}/{action}/", f"job {action}",
                                 json={"lease_token": lease, **body})
        if response.status_code == 409:
            raise LeaseLost(f"The site refused {action}: the lease is no longer ours.")

    def job_progress(self, job_id: int, lease: str, percent: int, stage: str) -> None:
        self._leased(job_id, "progress", lease, {"percent": percent, "stage": stage})

    def job_complete(self, job_id: int, lease: str, body: dict[str, Any]) -> None:
        self._leased(job_id, "complete", lease, body)

    def job_fail(self, job_id: int, lease: str, reason: str, transient: bool) -> None:
        self._leased(job_id, "fail", lease, {"reason": reason, "transient": transient})

    def bundle_download(self, model: ModelRef) -> tuple[bytes, str | None]:
        """The bundle zip and the checksum the site announced in X-Bundle-SHA256."""
        url = model.bundle_url or self._url(f"models/{model.id}/bundle/")
        if url.startswith("/"):
            url = f"{self.base}{url}"

        def call() -> requests.Response:
            response = self.session.get(url, timeout=TIMEOUT_S)
            response.raise_for_status()
            return response

        response = retrying(call, what="downloading the model bundle")
        return response.content, response.headers.get("X-Bundle-SHA256")
