"""The whole review in a real browser: worklist, viewer, a brush edit, save, approve, and the
approved RTSTRUCT arriving at DCMTK's storescp (the planning system's stand-in)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pydicom import dcmread
from pytest_django.live_server_helper import LiveServer

from assist_web.accounts.models import User
from assist_web.contours.models import Approval, ExportDestination, Revision
from tests.browser.conftest import log_in
from tests.browser.review_study import (  # noqa: F401 - fixtures by name
    ReviewStudy,
    active_model,
    brush_stroke,
    phantom_files,
    review_study_fixture,
)
from tests.integration.worker import WorkerProcess, worker_start
from tests.peers.dcmtk import StoreScp
from tests.peers.fixtures import database_url, dcmtk  # noqa: F401 - fixtures by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.peers,
    pytest.mark.usefixtures("dcmtk"),
    pytest.mark.django_db(transaction=True),
]

HOOK = "window.assistViewer.review"


@pytest.fixture
def worker(transactional_db: None, data_dir: Path) -> Iterator[WorkerProcess]:
    process = worker_start(data_dir=data_dir, database_url=database_url())
    yield process
    process.stop()


@pytest.fixture
def storescp(tmp_path: Path) -> Iterator[StoreScp]:
    peer = StoreScp(folder=tmp_path / "received", aet="TPS").start()
    yield peer
    peer.stop()


def test_login_worklist_edit_save_approve_and_the_rtstruct_arrives_at_storescp(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    review_study: ReviewStudy,
    worker: WorkerProcess,
    storescp: StoreScp,
    artifacts: Path,
) -> None:
    ExportDestination.objects.create(
        name="Planning", ae_title="TPS", host="127.0.0.1", port=storescp.port
    )
    uid = review_study.study.study_instance_uid

    log_in(page, live_server.url, alice, "/")
    page.screenshot(path=artifacts / "flow-worklist.png")
    page.locator(f'a[href*="/viewer/{uid}/"]').first.click()
    page.wait_for_url(f"{live_server.url}/viewer/{uid}/*")
    page.wait_for_function("() => document.body.dataset.labelmapLoaded === '1'")
    page.wait_for_function("() => window.assistViewer.timings.allLoaded !== undefined")

    before = page.evaluate(f"{HOOK}.voxelCount('GTV')")
    brush_stroke(page)
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') > n", arg=before)
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_have_text("Revision 2 saved.", timeout=60_000)
    page.screenshot(path=artifacts / "flow-saved.png")

    page.get_by_role("button", name="Approve…").click()
    page.get_by_label("Password").fill("alice-pass-2026")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#save-state")).to_have_text("Revision 2 approved.")
    approval = Approval.objects.get(revision__structure_set__study=review_study.study)
    assert approval.revision.number == 2 and approval.approved_by == alice

    expect(page.locator("#destination")).to_have_value(str(ExportDestination.objects.get().pk))
    page.get_by_role("button", name="Send", exact=True).click()
    row = page.locator("#export-history tbody tr").first
    expect(row).to_have_attribute("data-state", "succeeded", timeout=60_000)
    page.screenshot(path=artifacts / "flow-exported.png")

    [received] = storescp.received()
    sent = dcmread(received)
    assert sent.SOPInstanceUID == approval.rtstruct_sop_instance_uid
    assert sent.ApprovalStatus == "APPROVED"
    assert "alice" in str(sent.ReviewerName).lower()
    names = [roi.ROIName for roi in sent.StructureSetROISequence]
    assert sorted(names) == sorted(
        s["name"] for s in Revision.objects.get(pk=approval.revision_id).structures
    )
    assert console_errors == []
