"""Pull from a real Orthanc through the API, with the work done by a real Celery worker."""

import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from assist_web.archive.models import Instance, RemotePacs, Study
from tests.integration.worker import WorkerProcess
from tests.peers.orthanc import OrthancPeer
from tests.peers.studies import SentStudy, orthanc_study_upload

pytestmark = [pytest.mark.peers, pytest.mark.django_db(transaction=True)]

_FINISH_TIMEOUT_S = 90


def _finished(api: APIClient, pull_id: int, worker: WorkerProcess) -> dict[str, object]:
    deadline = time.monotonic() + _FINISH_TIMEOUT_S
    while True:
        body = api.get(f"/api/v1/pulls/{pull_id}/").json()
        if body["state"] in ("succeeded", "failed"):
            return dict(body)
        assert worker.process.poll() is None, worker.log()[-3000:]
        assert time.monotonic() < deadline, f"pull still {body['state']}:\n{worker.log()[-3000:]}"
        time.sleep(0.25)


def _assert_archived(sent: SentStudy, orthanc: OrthancPeer, data_dir: Path) -> None:
    study = Study.objects.get(study_instance_uid=sent.study_uid)
    assert study.num_instances == len(sent.files)
    instances = Instance.objects.filter(series__study=study)
    assert sorted(i.sop_instance_uid for i in instances) == sorted(sent.files)
    for instance in instances:
        stored = (data_dir / "dicom" / instance.path).read_bytes()
        assert stored == sent.files[instance.sop_instance_uid]
        assert stored == orthanc.instance_file(sent.orthanc_ids[instance.sop_instance_uid])


def test_pull_by_study_uid(
    api: APIClient,
    orthanc: OrthancPeer,
    orthanc_remote: RemotePacs,
    celery_worker_process: WorkerProcess,
    data_dir: Path,
) -> None:
    sent = orthanc_study_upload(orthanc, instances=5)

    response = api.post(
        "/api/v1/pulls/", {"remote": orthanc_remote.pk, "study_uid": sent.study_uid}, format="json"
    )

    assert response.status_code == 202, response.json()
    body = _finished(api, response.json()["id"], celery_worker_process)
    assert (body["state"], body["num_studies"], body["num_stored"], body["num_duplicate"]) == (
        "succeeded",
        1,
        5,
        0,
    )
    _assert_archived(sent, orthanc, data_dir)


def test_pull_by_patient_and_date_range_then_again_as_duplicates(
    api: APIClient,
    orthanc: OrthancPeer,
    orthanc_remote: RemotePacs,
    celery_worker_process: WorkerProcess,
    data_dir: Path,
) -> None:
    wanted = orthanc_study_upload(orthanc, instances=3, patient_id="P-42", study_date="20240505")
    orthanc_study_upload(orthanc, instances=2, patient_id="P-42", study_date="20190101")
    request = {
        "remote": orthanc_remote.pk,
        "patient_id": "P-42",
        "date_from": "2024-01-01",
        "date_to": "2024-12-31",
    }

    first = _finished(
        api, api.post("/api/v1/pulls/", request, format="json").json()["id"], celery_worker_process
    )
    again = _finished(
        api, api.post("/api/v1/pulls/", request, format="json").json()["id"], celery_worker_process
    )

    assert (first["state"], first["num_studies"], first["num_stored"]) == ("succeeded", 1, 3)
    assert (again["state"], again["num_stored"], again["num_duplicate"]) == ("succeeded", 0, 3)
    assert Study.objects.count() == 1
    _assert_archived(wanted, orthanc, data_dir)
