"""Saving and approving in the browser, against the real API and a real Celery worker."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.contours.models import Revision, StructureMetrics
from tests.browser.review_study import (  # noqa: F401 - fixtures by name
    ReviewStudy,
    active_model,
    brush_stroke,
    open_review,
    phantom_files,
    review_study_fixture,
)
from tests.integration.worker import WorkerProcess, worker_start
from tests.peers.fixtures import database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOOK = "window.assistViewer.review"


@pytest.fixture
def worker(transactional_db: None, data_dir: Path) -> Iterator[WorkerProcess]:
    process = worker_start(data_dir=data_dir, database_url=database_url())
    yield process
    process.stop()


@pytest.fixture
def bob(db: None) -> User:
    """A second physician."""
    return User.objects.create_user(
        username="bob", password="bob-pass-2026", role=Role.PHYSICIAN, first_name="Bob"
    )


def _client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_save_refuses_a_stale_parent_keeps_the_edits_then_approve_with_password(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    bob: User,
    review_study: ReviewStudy,
    worker: WorkerProcess,
    artifacts: Path,
) -> None:
    structure_set = review_study.revision.structure_set
    bob_api = _client(bob)
    # Bob is editing: alice sees it when she opens the study.
    assert bob_api.post(f"/api/v1/structure-sets/{structure_set.pk}/editing/").status_code == 200
    open_review(page, live_server, alice, review_study)
    expect(page.locator("#presence")).to_contain_text("Bob is editing")
    assert bob_api.delete(f"/api/v1/structure-sets/{structure_set.pk}/editing/").status_code in (
        200,
        204,
    )

    # A brush stroke, saved: revision 2, child of the AI's, written by the worker.
    before = page.evaluate(f"{HOOK}.voxelCount('GTV')")
    brush_stroke(page)
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') > n", arg=before)
    edited = page.evaluate(f"{HOOK}.voxelCount('GTV')")
    page.get_by_role("button", name="Save revision").click()
    expect(page.locator("#save-state")).to_have_text("Revision 2 saved.", timeout=60_000)
    saved = Revision.objects.get(structure_set=structure_set, number=2)
    assert (saved.parent_id, saved.author_id, saved.source, saved.state) == (
        review_study.revision.pk, alice.pk, "human", "ready",
    )  # fmt: skip
    decisions = {s["name"]: s.get("decision") for s in saved.structures}
    assert decisions == {"GTV": "edited", "Edema": "accepted", "CTV": "accepted",
                         "PTV": "accepted", "Brain": "accepted"}  # fmt: skip
    labelmap = bob_api.get(f"/api/v1/revisions/{saved.pk}/labelmap/").json()
    gtv = next(s for s in labelmap["structures"] if s["name"] == "GTV")
    assert sum(gtv["runs"][1::2]) == edited
    expect(page.get_by_role("button", name="Save revision")).to_be_disabled()

    # The AI's revision, one click away and read-only; one more click brings the saved one back.
    page.get_by_role("button", name="Show AI revision").click()
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=before)
    expect(page.get_by_role("button", name="Brush")).to_be_disabled()
    page.get_by_role("button", name="Show current revision").click()
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=edited)
    expect(page.get_by_role("button", name="Brush")).to_be_enabled()

    # Bob saves revision 3 on top of 2; alice's next save (parent 2) is refused, edits kept.
    body = {
        "parent_id": saved.pk,
        "reference_series_uid": labelmap["reference_series_uid"],
        "structures": [
            {"name": s["name"], "decision": "accepted", "runs": s["runs"]}
            for s in labelmap["structures"]
        ],
    }
    response = bob_api.post(
        f"/api/v1/structure-sets/{structure_set.pk}/revisions/", body, format="json"
    )
    assert response.status_code == 201, response.json()
    brush_stroke(page, dx=-60)
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') > n", arg=edited)
    stale = page.evaluate(f"{HOOK}.voxelCount('GTV')")
    page.get_by_role("button", name="Save revision").click()
    expect(page.locator("#review-message")).to_contain_text("Reload to see their changes")
    page.screenshot(path=artifacts / "review-save-refused.png")
    assert Revision.objects.filter(structure_set=structure_set).count() == 3
    assert page.evaluate(f"{HOOK}.voxelCount('GTV')") == stale
    assert page.evaluate(f"{HOOK}.dirty()") is True

    # After a reload (the edits are given up), revision 3 is approved with alice's password.
    page.once("dialog", lambda dialog: dialog.accept())  # "leave with unsaved edits?"
    page.reload()
    page.wait_for_function("() => document.body.dataset.labelmapLoaded === '1'")
    third = Revision.objects.get(structure_set=structure_set, number=3)
    _wait_ready(third)
    page.reload()
    page.wait_for_function("() => document.body.dataset.labelmapLoaded === '1'")
    assert page.evaluate(f"{HOOK}.revisionId") == third.pk
    page.get_by_role("button", name="Approve…").click()
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#approve-error")).to_have_text("The password is not correct.")
    assert not _approved(third)
    page.get_by_label("Password").fill("alice-pass-2026")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#save-state")).to_have_text("Revision 3 approved.")
    assert _approved(third)
    expect(page.locator("#metrics tbody tr")).to_have_count(
        StructureMetrics.objects.filter(approval__revision=third).count()
    )
    expect(page.locator("#metrics tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name="Approve…")).to_be_disabled()
    page.screenshot(path=artifacts / "review-approved.png")
    assert [e for e in console_errors if "409" not in e and "400" not in e] == []


def _approved(revision: Revision) -> bool:
    return Revision.objects.filter(pk=revision.pk, approval__isnull=False).exists()


def _wait_ready(revision: Revision, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while Revision.objects.get(pk=revision.pk).state == "writing":
        assert time.monotonic() < deadline, "the revision was not written"
        time.sleep(0.2)
