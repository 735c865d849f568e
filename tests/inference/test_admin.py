"""The site admin uploads a bundle in the admin and activates it with an action."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.inference.jobs import job_create
from assist_web.inference.models import Job, ModelVersion
from tests.inference.factories import bundle_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(sam: User) -> Client:
    client = Client()
    client.force_login(sam)
    return client


def test_upload_then_activate(admin_browser: Client, sam: User) -> None:
    upload = SimpleUploadedFile("b.zip", bundle_bytes(), content_type="application/zip")

    response = admin_browser.post(
        "/admin/inference/modelversion/add/",
        {"bundle": upload, "name": "", "version": "", "trained_how": "phantoms"},
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    version = ModelVersion.objects.get()
    assert (version.name, version.uploaded_by, version.trained_how) == (
        "assist_glioma", sam, "phantoms",
    )  # fmt: skip
    admin_browser.post(
        "/admin/inference/modelversion/",
        {"action": "activate", "_selected_action": [version.pk]},
    )
    assert ModelVersion.objects.get().status == "active"
    page = admin_browser.get(f"/admin/inference/modelversion/{version.pk}/change/")
    assert b"dice_gtv 0.93" in page.content


def test_a_bad_upload_shows_the_reason_on_the_form(admin_browser: Client) -> None:
    upload = SimpleUploadedFile("b.zip", b"not a zip", content_type="application/zip")

    response = admin_browser.post("/admin/inference/modelversion/add/", {"bundle": upload})

    assert response.status_code == 200
    assert b"not a zip archive" in response.content
    assert ModelVersion.objects.count() == 0


def test_run_again_queues_a_new_job(
    admin_browser: Client, mr_study: Study, active_model: ModelVersion
) -> None:
    job = job_create(study=mr_study)
    Job.objects.filter(pk=job.pk).update(state="failed")

    admin_browser.post(
        "/admin/inference/job/", {"action": "run_again", "_selected_action": [job.pk]}
    )

    assert Job.objects.filter(state="queued").count() == 1
