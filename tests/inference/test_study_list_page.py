"""The study list shows each study's latest job and offers to run one."""

import pytest
from django.test import Client

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.inference.jobs import job_create
from assist_web.inference.models import Job, ModelVersion

pytestmark = pytest.mark.django_db


def _page(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_study_without_a_job_offers_the_button(alice: User, mr_study: Study) -> None:
    html = _page(alice)

    assert "Run AI contouring" in html
    assert f'data-url="/api/v1/studies/{mr_study.study_instance_uid}/jobs/"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_running_job_shows_percent_and_stage(
    alice: User, mr_study: Study, active_model: ModelVersion
) -> None:
    job = job_create(study=mr_study)
    Job.objects.filter(pk=job.pk).update(state="running", percent=40, stage="inference")

    html = _page(alice)

    assert 'data-job-state="running"' in html
    assert "Running 40% · inference" in html
    assert "Run AI contouring" not in html


def test_a_failed_job_shows_its_reason(
    alice: User, mr_study: Study, active_model: ModelVersion
) -> None:
    job = job_create(study=mr_study)
    Job.objects.filter(pk=job.pk).update(state="failed", error="No brain found")

    assert "Failed: No brain found" in _page(alice)
