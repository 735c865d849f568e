"""The worklist in Chromium: job progress and review states change in place, without a reload."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.contours.models import Revision, StructureSet
from assist_web.contours.worklist_sequences import sequences_forget
from assist_web.inference.models import Job
from tests.browser.conftest import log_in
from tests.contours.worklist_rows import job_make, model_version_make, mr_series_add, study_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _complete(name: str, patient_id: str) -> Study:
    study = study_make(name=name, patient_id=patient_id)
    for sequence in ("T1", "T1c", "T2", "FLAIR"):
        mr_series_add(study, sequence)
    return study


def test_job_progress_and_review_state_update_live(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User,
    artifacts: Path,
) -> None:  # fmt: skip
    sequences_forget()
    model = model_version_make()
    study = _complete("Doe^Jane", "P-17")
    job = job_make(study, model, state="running", percent=10, stage="fetching series")

    log_in(page, live_server.url, alice, "/")
    row = page.locator(f'tr[data-study-uid="{study.study_instance_uid}"]')
    expect(row.locator("td.job .job-label")).to_have_text("Running 10%")
    expect(row.locator("td.job .stage")).to_have_text("fetching series")
    expect(row.locator("td.review")).to_have_text("—")
    page.evaluate("window.notReloaded = true")

    Job.objects.filter(pk=job.pk).update(percent=55, stage="inference")

    expect(row.locator("td.job .job-label")).to_have_text("Running 55%")
    expect(row.locator("td.job .stage")).to_have_text("inference")
    expect(row.locator("td.job progress")).to_have_js_property("value", 55)
    expect(row.locator("form.run-ai")).to_be_hidden()

    Job.objects.filter(pk=job.pk).update(state="succeeded", percent=100, stage="")
    Revision.objects.create(
        structure_set=StructureSet.objects.create(study=study), number=1, source="ai",
        model_version=model, job=job,
    )  # fmt: skip

    expect(row.locator("td.job")).to_have_attribute("data-job-state", "succeeded")
    expect(row.locator("td.job")).to_have_text("Succeeded")
    expect(row.locator("td.review .review-badge")).to_have_text("To review")
    expect(row.locator("form.run-ai")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(artifacts / "worklist-live.png"), full_page=True)
    assert console_errors == []


def test_the_button_asks_for_a_job_in_place(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User
) -> None:
    sequences_forget()
    study = _complete("Doe^Jane", "P-17")

    log_in(page, live_server.url, alice, "/")
    page.evaluate("window.notReloaded = true")
    row = page.locator(f'tr[data-study-uid="{study.study_instance_uid}"]')
    row.get_by_role("button", name="Run AI contouring").click()

    # No model is active yet: the reason appears in the row and nothing is made.
    expect(row.locator(".run-ai-message")).to_have_text(
        "No model version is active; a site admin must activate one first."
    )
    assert Job.objects.count() == 0

    model_version_make(status="active")
    row.get_by_role("button", name="Run AI contouring").click()

    expect(row.locator("td.job .job-label")).to_have_text("Queued")
    expect(row.locator("td.job .stage")).to_have_text("waiting for a GPU worker")
    expect(row.locator("form.run-ai")).to_be_hidden()
    assert Job.objects.get().requested_by == alice
    assert page.evaluate("window.notReloaded") is True
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
