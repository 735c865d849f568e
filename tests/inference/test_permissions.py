"""Who may call what: workers run jobs, clinicians follow them, nobody anonymous."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from assist_web.archive.models import Study
from assist_web.inference.jobs import job_create
from assist_web.inference.models import Job, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(mr_study: Study, active_model: ModelVersion) -> Job:
    return job_create(study=mr_study)


@pytest.mark.parametrize("action", ["claim", "progress", "complete", "fail"])
def test_a_physician_cannot_act_as_a_worker(api: APIClient, job: Job, action: str) -> None:
    response = api.post(f"/api/v1/jobs/{job.pk}/{action}/", {}, format="json")

    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).state == "queued"


def test_a_physician_cannot_download_a_bundle(api: APIClient, active_model: ModelVersion) -> None:
    assert api.get(f"/api/v1/models/{active_model.pk}/bundle/").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/jobs/{job}/"), ("post", "/api/v1/jobs/{job}/claim/"),
     ("get", "/api/v1/studies/{study}/jobs/"), ("post", "/api/v1/studies/{study}/jobs/"),
     ("get", "/api/v1/studies/{study}/sequences/"), ("get", "/api/v1/models/{model}/bundle/")],
)  # fmt: skip
def test_anonymous_requests_are_refused(
    anonymous: APIClient, job: Job, method: str, path: str
) -> None:
    url = path.format(job=job.pk, study=job.study.study_instance_uid, model=job.model_version_id)

    assert getattr(anonymous, method)(url).status_code in (401, 403)


def test_a_worker_sees_a_job_with_its_lease_but_not_the_study_s_pages(
    worker_api: APIClient, job: Job
) -> None:
    uid = job.study.study_instance_uid

    assert worker_api.get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    assert worker_api.get(f"/api/v1/studies/{uid}/jobs/").status_code == 403
    assert worker_api.get(f"/api/v1/studies/{uid}/sequences/").status_code == 403
    assert worker_api.put(f"/api/v1/studies/{uid}/sequences/", {}, format="json").status_code == 403
    # The token opens the API only; pages need a person's login.
    page = Client(HTTP_AUTHORIZATION=worker_api._credentials["HTTP_AUTHORIZATION"]).get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_a_physician_following_a_job_does_not_see_the_lease(
    api: APIClient, worker_api: APIClient, job: Job
) -> None:
    worker_api.post(f"/api/v1/jobs/{job.pk}/claim/", {"worker": "gpu-1"}, format="json")

    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["lease_token"] is None
    assert worker_api.get(f"/api/v1/jobs/{job.pk}/").json()["lease_token"]
