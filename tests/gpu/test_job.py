"""A job from claim to /complete/ or /fail/, against the REST contract over real HTTP.

The images come from an in-memory store standing in for DICOMweb (the lead's integration
test covers QIDO/WADO/STOW against the real archive).
"""

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from pydicom import Dataset

from tests.gpu.conftest import DEMO_BUNDLE
from tests.gpu.site_standin import SiteState, site_running
from workers.gpu.bundle_archive import bundle_pack, bundle_sha256
from workers.gpu.bundle_cache import BundleCache
from workers.gpu.job import WorkerContext, job_run
from workers.gpu.site_api import SiteClient
from workers.gpu.uids import result_uids

STUDY = "1.2.826.0.1.3680043.8.498.1"
JOB_ID = 42


class MemoryStore:
    def __init__(self, series: dict[str, list[Dataset]], failure: Exception | None = None):
        self.series = series
        self.failure = failure
        self.fetched: list[str] = []
        self.stored: list[Dataset] = []

    def series_fetch(self, study_uid: str,
                     sequences: Mapping[str, str]) -> dict[str, list[Dataset]]:
        if self.failure:
            raise self.failure
        self.fetched.extend(sequences)
        return {name: self.series[name] for name in sequences}

    def store(self, datasets: Sequence[Dataset], study_uid: str) -> None:
        self.stored.extend(datasets)


@pytest.fixture(scope="module")
def bundle_zip() -> bytes:
    return bundle_pack(DEMO_BUNDLE)


def _job(bundle_zip: bytes, sequences: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": JOB_ID, "state": "queued", "percent": 0, "stage": "",
        "study_instance_uid": STUDY,
        "sequences": sequences or {"T1": "1.1", "T1c": "1.2", "T2": "1.3", "FLAIR": "1.4"},
        "model_version": {"id": 3, "name": "assist-brain-tumour-demo", "version": "0.1.0",
                          "sha256": bundle_sha256(bundle_zip), "bundle_url": ""},
        "margins": {"ctv_mm": 15.0, "ptv_mm": 3.0},
        "attempt": 1, "lease_token": None, "result": None, "error": None,
    }


@pytest.fixture
def run(tmp_path: Path, bundle_zip: bytes) -> Iterator[Any]:
    def go(state: SiteState, store: MemoryStore) -> str:
        with site_running(state) as url:
            site = SiteClient(url, state.token)
            cache = BundleCache(tmp_path / "bundles", lambda model: (bundle_zip, None))
            return job_run(JOB_ID, WorkerContext(site=site, archive=store, bundles=cache,
                                                 worker_name="gpu-1"))
    yield go


def test_a_job_runs_and_completes_with_its_deterministic_objects(
        run: Any, bundle_zip: bytes, study_series: dict[str, list[Dataset]]) -> None:
    state, store = SiteState(job=_job(bundle_zip)), MemoryStore(study_series)

    assert run(state, store) == "done"

    assert state.posted("claim") == [{"worker": "gpu-1"}]
    assert [p["stage"] for p in state.posted("progress")] == [
        "fetching", "preparing", "segmenting", "contouring", "storing"]
    uids = result_uids(study_uid=STUDY, job_id=JOB_ID, model_sha256=bundle_sha256(bundle_zip))
    [complete] = state.posted("complete")
    assert complete["lease_token"] == "lease-1"
    assert complete["seg"]["sop_instance_uid"] == uids.seg_sop
    assert complete["rtstruct"]["series_instance_uid"] == uids.rtstruct_series
    assert [s["name"] for s in complete["structures"]] == ["GTV", "Edema", "CTV", "PTV",
                                                           "Brain"]
    assert all(s["volume_ml"] > 0 for s in complete["structures"])
    assert [ds.Modality for ds in store.stored] == ["SEG", "RTSTRUCT"]
    assert state.posted("fail") == []


def test_a_job_claimed_elsewhere_is_left_alone(run: Any, bundle_zip: bytes,
                                               study_series: dict[str, list[Dataset]]) -> None:
    state, store = SiteState(job=_job(bundle_zip), claim_status=409), MemoryStore(study_series)

    assert run(state, store) == "skipped"

    assert [(method, path) for method, path, _ in state.calls] == [
        ("POST", f"/api/v1/jobs/{JOB_ID}/claim/")]
    assert (store.fetched, store.stored) == ([], [])


def test_a_missing_sequence_fails_at_once_and_for_good(
        run: Any, bundle_zip: bytes, study_series: dict[str, list[Dataset]]) -> None:
    job = _job(bundle_zip, sequences={"T1": "1.1", "T1c": "1.2", "FLAIR": "1.4"})
    state, store = SiteState(job=job), MemoryStore(study_series)

    assert run(state, store) == "failed"

    assert state.posted("fail") == [{
        "lease_token": "lease-1", "transient": False,
        "reason": "No T2 series is assigned to this study; set the sequence mapping and run "
                  "the job again."}]
    assert (store.fetched, store.stored, state.posted("complete")) == ([], [], [])


def test_an_unreachable_archive_fails_the_job_as_transient(
        run: Any, bundle_zip: bytes, study_series: dict[str, list[Dataset]]) -> None:
    state = SiteState(job=_job(bundle_zip))
    store = MemoryStore(study_series, failure=requests.ConnectionError("refused"))

    assert run(state, store) == "failed"

    assert state.posted("fail") == [{"lease_token": "lease-1", "transient": True,
                                     "reason": "The site could not be reached."}]


def test_a_lost_lease_stops_the_job_without_reporting(
        run: Any, bundle_zip: bytes, study_series: dict[str, list[Dataset]]) -> None:
    state = SiteState(job=_job(bundle_zip), progress_status=409)
    store = MemoryStore(study_series)

    assert run(state, store) == "lost"

    assert (state.posted("fail"), state.posted("complete"), store.stored) == ([], [], [])
