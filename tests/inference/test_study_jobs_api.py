"""Clinicians ask for jobs, follow them, and see or override the identified sequences."""

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.inference.models import Job, ModelVersion, SequenceOverride
from tests.inference.conftest import _client

pytestmark = pytest.mark.django_db


def test_a_physician_starts_a_job_and_follows_it(
    api: APIClient, mr_study: Study, active_model: ModelVersion
) -> None:
    url = f"/api/v1/studies/{mr_study.study_instance_uid}/jobs/"

    created = api.post(url)
    listed = api.get(url)

    assert created.status_code == 201
    job = Job.objects.get()
    assert created.json()["id"] == job.pk
    assert created.json()["lease_token"] is None
    assert [(j["id"], j["state"], j["percent"]) for j in listed.json()] == [(job.pk, "queued", 0)]
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["state"] == "queued"


def test_a_refused_job_answers_400_with_the_reason(api: APIClient, mr_study: Study) -> None:
    response = api.post(f"/api/v1/studies/{mr_study.study_instance_uid}/jobs/")

    assert response.status_code == 400
    assert "No model version is active" in response.json()["detail"]
    assert Job.objects.count() == 0


def test_sequences_show_the_choice_and_reason_per_sequence(api: APIClient, mr_study: Study) -> None:
    response = api.get(f"/api/v1/studies/{mr_study.study_instance_uid}/sequences/")

    body = response.json()
    assert response.status_code == 200
    assert body["missing"] == []
    assert body["sequences"]["FLAIR"]["reason"].startswith("'AX FLAIR': name and timing agree")
    assert body["sequences"]["T1c"]["overridden"] is False
    assert len(body["series"]) == 4


def test_a_physician_overrides_one_sequence(api: APIClient, mr_study: Study) -> None:
    t1 = mr_study.series.get(description="T1 AX SE").series_instance_uid
    url = f"/api/v1/studies/{mr_study.study_instance_uid}/sequences/"

    response = api.put(url, {"T1c": t1}, format="json")

    assert response.status_code == 200
    chosen = response.json()["sequences"]["T1c"]
    assert (chosen["series_instance_uid"], chosen["overridden"]) == (t1, True)
    assert "chosen by alice" in chosen["reason"]
    cleared = api.put(url, {"T1c": None}, format="json").json()["sequences"]["T1c"]
    assert cleared["overridden"] is False


def test_a_physicist_reads_the_sequences_but_may_not_override_them(
    pete: User, mr_study: Study
) -> None:
    client = _client(pete)
    t1 = mr_study.series.get(description="T1 AX SE").series_instance_uid
    url = f"/api/v1/studies/{mr_study.study_instance_uid}/sequences/"

    read = client.get(url)
    refused = client.put(url, {"T1c": t1}, format="json")

    assert read.status_code == 200
    assert refused.status_code == 403
    assert SequenceOverride.objects.count() == 0
    assert client.get(url).json()["sequences"]["T1c"]["overridden"] is False


def test_an_override_to_a_series_of_another_study_is_refused(
    api: APIClient, mr_study: Study
) -> None:
    url = f"/api/v1/studies/{mr_study.study_instance_uid}/sequences/"

    response = api.put(url, {"T2": "1.2.3.4"}, format="json")

    assert response.status_code == 400
    assert "not an MR series of this study" in response.json()["detail"]
    assert SequenceOverride.objects.filter(series__has_key="T2").count() == 0


def test_the_bundle_downloads_with_its_checksum(
    worker_api: APIClient, active_model: ModelVersion
) -> None:
    response = worker_api.get(f"/api/v1/models/{active_model.pk}/bundle/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["X-Bundle-SHA256"] == active_model.sha256
    assert b"".join(response.streaming_content) == active_model.bundle_path.read_bytes()
