"""A phantom study in, SEG and RTSTRUCT out: a live site, a real broker and a real gpu worker.

The worker is ``celery -A workers.gpu worker -Q gpu``, a separate process that reaches the site
only over HTTP (DICOMweb and the jobs API) with a worker token, exactly as a GPU box would.
"""

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.archive.ingest import instances_ingest
from assist_web.archive.models import Instance, Series
from assist_web.contours.models import Revision
from assist_web.inference.jobs import jobs_requeue_stale
from assist_web.inference.models import Job, ModelVersion
from assist_web.inference.services import model_version_activate, model_version_register
from tests.integration.worker import WorkerProcess, worker_start
from tests.multipart import multipart_parts
from tests.peers.fixtures import database_url
from workers.gpu.bundle_archive import bundle_pack
from workers.phantoms import make_phantom, write_phantom_study

pytestmark = [pytest.mark.django_db(transaction=True)]

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "workers/gpu/bundles/assist-brain-tumour-demo"
_JOB_TIMEOUT_S = 240


@pytest.fixture
def phantom_study(tmp_path: Path) -> str:
    files = write_phantom_study(make_phantom(9100, site="umea", grid="small"), tmp_path / "in")
    paths = sorted(p for paths in files.series.values() for p in paths)
    results = instances_ingest(items=[p.read_bytes() for p in paths])
    assert {r.outcome for r in results} == {"stored"}
    return results[0].study_instance_uid


@pytest.fixture
def active_model(sam: User) -> ModelVersion:
    version = model_version_register(
        bundle_file=io.BytesIO(bundle_pack(DEMO_BUNDLE)), uploaded_by=sam
    )
    return model_version_activate(version=version, user=sam)


@pytest.fixture
def worker_env(live_server: object) -> dict[str, str]:
    robot = User.objects.create_user(username="gpu-1", role=Role.WORKER)
    token = Token.objects.create(user=robot)
    return {"ASSIST_SITE_URL": str(live_server.url), "ASSIST_WORKER_TOKEN": token.key}  # type: ignore[attr-defined]


def _gpu_worker(data_dir: Path, env: dict[str, str], name: str) -> WorkerProcess:
    return worker_start(
        data_dir=data_dir, database_url=database_url(), app_name="workers.gpu", queue="gpu",
        env_extra=env, log_name=f"{name}.log",
    )  # fmt: skip


@pytest.fixture
def gpu_worker(data_dir: Path, worker_env: dict[str, str]) -> Iterator[WorkerProcess]:
    worker = _gpu_worker(data_dir, worker_env, "gpu-worker")
    yield worker
    worker.stop()


def _wait(job_id: int, worker: WorkerProcess, until: set[str]) -> Job:
    deadline = time.monotonic() + _JOB_TIMEOUT_S
    while True:
        job = Job.objects.get(pk=job_id)
        if job.state in until:
            return job
        assert worker.process.poll() is None, worker.log()[-4000:]
        assert time.monotonic() < deadline, f"job still {job.state}:\n{worker.log()[-4000:]}"
        time.sleep(0.2)


def test_a_phantom_study_gets_seg_and_rtstruct_visible_over_dicomweb(
    api: APIClient, phantom_study: str, active_model: ModelVersion, gpu_worker: WorkerProcess
) -> None:
    response = api.post(f"/api/v1/studies/{phantom_study}/jobs/")
    assert response.status_code == 201, response.json()

    job = _wait(response.json()["id"], gpu_worker, {"succeeded", "failed"})

    assert (job.state, job.error) == ("succeeded", "")
    revision = Revision.objects.get()
    assert (revision.number, revision.source, revision.model_version) == (1, "ai", active_model)
    found = {
        item["00080060"]["Value"][0]: item["0020000E"]["Value"][0]
        for item in api.get(f"/dicomweb/studies/{phantom_study}/series").json()
    }
    assert {"SEG", "RTSTRUCT"} <= set(found)
    for modality in ("SEG", "RTSTRUCT"):
        retrieved = api.get(
            f"/dicomweb/studies/{phantom_study}/series/{found[modality]}",
            HTTP_ACCEPT='multipart/related; type="application/dicom"',
        )
        body = b"".join(retrieved.streaming_content)  # type: ignore[attr-defined]
        [(_, payload)] = multipart_parts(retrieved["Content-Type"], body)
        assert payload[128:132] == b"DICM"
    names = {s["name"] for s in revision.structures}
    assert names == {"GTV", "Edema", "CTV", "PTV", "Brain"}


@override_settings(ASSIST_JOB_STALE_SECONDS=2)
def test_a_worker_killed_mid_job_leaves_it_to_another_which_finishes_it_once(
    api: APIClient,
    phantom_study: str,
    active_model: ModelVersion,
    data_dir: Path,
    worker_env: dict[str, str],
) -> None:
    first = _gpu_worker(data_dir, worker_env, "gpu-first")
    job_id = api.post(f"/api/v1/studies/{phantom_study}/jobs/").json()["id"]
    running = _wait(job_id, first, {"running", "succeeded", "failed"})
    first.kill()
    assert running.state == "running", "the job finished before the worker could be killed"

    second = _gpu_worker(data_dir, worker_env, "gpu-second")
    try:
        time.sleep(2.5)  # the first worker's heartbeat goes stale
        assert jobs_requeue_stale() == [job_id]
        job = _wait(job_id, second, {"succeeded", "failed"})
    finally:
        second.stop()

    assert (job.state, job.attempt) == ("succeeded", 2)
    assert Revision.objects.count() == 1
    results = Series.objects.filter(
        study__study_instance_uid=phantom_study, modality__in=["SEG", "RTSTRUCT"]
    )
    assert sorted(results.values_list("modality", flat=True)) == ["RTSTRUCT", "SEG"]
    assert Instance.objects.filter(series__in=results).count() == 2
