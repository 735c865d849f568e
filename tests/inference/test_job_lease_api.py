"""The worker's side of a job over the REST API: claim, progress, complete, fail."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assist_web.archive.models import Study
from assist_web.contours.models import Revision, StructureSet
from assist_web.inference.jobs import job_create
from assist_web.inference.models import Job, ModelVersion
from tests.inference.factories import results_store

pytestmark = pytest.mark.django_db

STRUCTURES = [{"name": "GTV", "volume_ml": 12.5}, {"name": "PTV", "volume_ml": 80.0}]


@pytest.fixture
def job(mr_study: Study, active_model: ModelVersion) -> Job:
    return job_create(study=mr_study)


def _claim(client: APIClient, job: Job, worker: str = "gpu-1") -> tuple[int, dict]:
    response = client.post(f"/api/v1/jobs/{job.pk}/claim/", {"worker": worker}, format="json")
    return response.status_code, response.json()


def _complete_body(job: Job, lease: str) -> dict:
    seg, rtstruct = results_store(job.study)
    return {
        "lease_token": lease,
        "seg": seg.__dict__,
        "rtstruct": rtstruct.__dict__,
        "structures": STRUCTURES,
    }


def test_a_claim_hands_out_a_lease_and_the_job_as_the_worker_needs_it(
    worker_api: APIClient, job: Job, active_model: ModelVersion
) -> None:
    code, body = _claim(worker_api, job)

    assert code == 200
    assert (body["state"], body["attempt"], body["stage"]) == ("running", 1, "claimed")
    assert len(body["lease_token"]) >= 40
    assert set(body["sequences"]) == {"T1", "T1c", "T2", "FLAIR"}
    assert body["model_version"] == {
        "id": active_model.pk, "name": "assist_glioma", "version": "0.1.0",
        "sha256": active_model.sha256, "bundle_url": f"/api/v1/models/{active_model.pk}/bundle/",
    }  # fmt: skip
    assert body["margins"] == {"ctv_mm": 15.0, "ptv_mm": 3.0}
    assert body["study_instance_uid"] == job.study.study_instance_uid
    assert (body["result"], body["error"]) == (None, "")
    assert Job.objects.get(pk=job.pk).worker == "gpu-1"


def test_of_two_claims_one_wins_and_the_other_gets_409(
    worker_api: APIClient, worker2_api: APIClient, job: Job
) -> None:
    first, won = _claim(worker_api, job, "gpu-1")
    second, lost = _claim(worker2_api, job, "gpu-2")

    assert (first, second) == (200, 409)
    assert "running on gpu-1 under a live lease" in lost["detail"]
    stored = Job.objects.get(pk=job.pk)
    assert (stored.lease_token, stored.attempt, stored.worker) == (won["lease_token"], 1, "gpu-1")


def test_a_job_whose_worker_went_silent_can_be_claimed_again(
    worker_api: APIClient, worker2_api: APIClient, job: Job, settings: object
) -> None:
    _, first = _claim(worker_api, job, "gpu-1")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=601))

    code, second = _claim(worker2_api, job, "gpu-2")

    assert code == 200
    assert second["attempt"] == 2
    assert second["lease_token"] != first["lease_token"]
    old = worker_api.post(
        f"/api/v1/jobs/{job.pk}/progress/",
        {"lease_token": first["lease_token"], "percent": 50},
        format="json",
    )
    assert old.status_code == 409


def test_progress_moves_percent_stage_and_heartbeat(worker_api: APIClient, job: Job) -> None:
    _, claimed = _claim(worker_api, job)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=100))

    response = worker_api.post(
        f"/api/v1/jobs/{job.pk}/progress/",
        {"lease_token": claimed["lease_token"], "percent": 40, "stage": "inference"},
        format="json",
    )

    assert response.status_code == 200
    stored = Job.objects.get(pk=job.pk)
    assert (stored.percent, stored.stage) == (40, "inference")
    assert stored.heartbeat_at > timezone.now() - timedelta(seconds=5)


def test_progress_with_a_wrong_lease_is_409_and_changes_nothing(
    worker_api: APIClient, job: Job
) -> None:
    _claim(worker_api, job)

    response = worker_api.post(
        f"/api/v1/jobs/{job.pk}/progress/",
        {"lease_token": "not-the-lease", "percent": 90, "stage": "x"},
        format="json",
    )

    assert response.status_code == 409
    assert (Job.objects.get(pk=job.pk).percent, Job.objects.get(pk=job.pk).stage) == (0, "claimed")


def test_complete_makes_revision_one_and_twice_makes_no_second(
    worker_api: APIClient, job: Job, active_model: ModelVersion
) -> None:
    _, claimed = _claim(worker_api, job)
    body = _complete_body(job, claimed["lease_token"])

    first = worker_api.post(f"/api/v1/jobs/{job.pk}/complete/", body, format="json")
    again = worker_api.post(f"/api/v1/jobs/{job.pk}/complete/", body, format="json")

    assert (first.status_code, again.status_code) == (200, 200)
    revision = Revision.objects.get()
    assert (revision.number, revision.source, revision.model_version) == (1, "ai", active_model)
    assert revision.parent is None
    assert revision.structure_set.study == job.study
    assert revision.seg_sop_instance_uid == body["seg"]["sop_instance_uid"]
    assert revision.rtstruct_sop_instance_uid == body["rtstruct"]["sop_instance_uid"]
    assert revision.structures == STRUCTURES
    assert StructureSet.objects.count() == 1
    result = again.json()
    assert (result["state"], result["percent"]) == ("succeeded", 100)
    assert result["result"]["revision_id"] == revision.pk
    assert _claim(worker_api, job)[0] == 409


def test_complete_with_another_lease_is_409(
    worker_api: APIClient, worker2_api: APIClient, job: Job
) -> None:
    _, claimed = _claim(worker_api, job)
    body = _complete_body(job, "someone-elses-lease")

    response = worker2_api.post(f"/api/v1/jobs/{job.pk}/complete/", body, format="json")

    assert response.status_code == 409
    assert Job.objects.get(pk=job.pk).state == "running"
    assert Revision.objects.count() == 0


def test_complete_refers_only_to_objects_in_the_archive(worker_api: APIClient, job: Job) -> None:
    _, claimed = _claim(worker_api, job)
    body = _complete_body(job, claimed["lease_token"])
    body["rtstruct"]["sop_instance_uid"] = "1.2.3.999"

    response = worker_api.post(f"/api/v1/jobs/{job.pk}/complete/", body, format="json")

    assert response.status_code == 400
    assert "not in the archive" in response.json()["detail"]
    assert Job.objects.get(pk=job.pk).state == "running"
    assert Revision.objects.count() == 0


def test_complete_refuses_a_seg_given_as_rtstruct(worker_api: APIClient, job: Job) -> None:
    _, claimed = _claim(worker_api, job)
    body = _complete_body(job, claimed["lease_token"])
    body["rtstruct"] = body["seg"]

    response = worker_api.post(f"/api/v1/jobs/{job.pk}/complete/", body, format="json")

    assert response.status_code == 400
    assert Revision.objects.count() == 0


def _fail(client: APIClient, job: Job, lease: str, transient: bool) -> dict:
    response = client.post(
        f"/api/v1/jobs/{job.pk}/fail/",
        {"lease_token": lease, "reason": "PACS timed out", "transient": transient},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_transient_failure_queues_the_job_again_until_attempts_run_out(
    worker_api: APIClient, job: Job, settings: object
) -> None:
    settings.ASSIST_JOB_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    _, first = _claim(worker_api, job)
    assert _fail(worker_api, job, first["lease_token"], transient=True)["state"] == "queued"

    _, second = _claim(worker_api, job)
    failed = _fail(worker_api, job, second["lease_token"], transient=True)

    assert (second["attempt"], failed["state"]) == (2, "failed")
    assert failed["error"] == "PACS timed out (gave up after 2 attempts)"
    assert _claim(worker_api, job)[0] == 409


def test_a_permanent_failure_fails_at_once_with_the_reason(worker_api: APIClient, job: Job) -> None:
    _, claimed = _claim(worker_api, job)

    failed = _fail(worker_api, job, claimed["lease_token"], transient=False)

    assert (failed["state"], failed["error"], failed["attempt"]) == (
        "failed", "PACS timed out", 1,
    )  # fmt: skip
    assert _fail(worker_api, job, claimed["lease_token"], transient=False)["state"] == "failed"


def test_fail_with_another_lease_is_409(worker_api: APIClient, job: Job) -> None:
    _claim(worker_api, job)

    response = worker_api.post(
        f"/api/v1/jobs/{job.pk}/fail/",
        {"lease_token": "stale", "reason": "x", "transient": False},
        format="json",
    )

    assert response.status_code == 409
    assert Job.objects.get(pk=job.pk).state == "running"


def test_an_unknown_job_is_404(worker_api: APIClient, db: None) -> None:
    assert worker_api.post("/api/v1/jobs/999/claim/", {}, format="json").status_code == 404


def test_hostile_worker_payloads_are_refused_never_an_error(
    worker_api: APIClient, job: Job
) -> None:
    _, claimed = _claim(worker_api, job)
    lease = claimed["lease_token"]
    complete = _complete_body(job, lease)
    weird = [None, "", "x" * 5000, -1, 101, 1e308, [], {}, True, 10**20, "\x00", "𝄞"]
    rng = random.Random("hostile worker")
    for _ in range(200):
        endpoint = rng.choice(["progress", "complete", "fail", "claim"])
        if endpoint == "progress":
            payload = {"lease_token": lease, "percent": rng.choice(weird)}
            payload["stage"] = rng.choice(weird)
        elif endpoint == "complete":
            payload = {**complete, rng.choice([*complete, "extra"]): rng.choice(weird)}
        elif endpoint == "fail":
            payload = {"lease_token": lease, "reason": rng.choice(weird), "transient": "maybe"}
        else:
            payload = {"worker": rng.choice(weird)}

        response = worker_api.post(f"/api/v1/jobs/{job.pk}/{endpoint}/", payload, format="json")

        assert response.status_code in (200, 400, 409), (endpoint, payload, response.content)
