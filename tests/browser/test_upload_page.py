"""The upload page: folders, zips and refusals, from the login form to the worklist."""

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assist_web.accounts.models import User
from assist_web.archive.models import Instance
from tests.browser.conftest import log_in
from tests.dicom_files import mr_slice, to_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STUDY = "1.2.826.0.1.3680043.8.498.77"
SERIES = f"{STUDY}.1"


def _slices(count: int) -> list[bytes]:
    return [
        to_bytes(mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=n, seed=n))
        for n in range(1, count + 1)
    ]


def _wait_until_done(page: Page) -> None:
    expect(page.locator("#upload-summary")).to_have_attribute("data-done", "1")


def test_a_folder_upload_stores_the_dicom_files_and_refuses_the_rest(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    folder = tmp_path / "MRI-export"
    (folder / "T1").mkdir(parents=True)
    for n, data in enumerate(_slices(3), start=1):
        (folder / "T1" / f"IM{n:04}.dcm").write_bytes(data)
    (folder / "notes.txt").write_text("Scanned on the 3T; patient moved in series 4.\n")

    log_in(page, live_server.url, alice, "/upload/")
    page.set_input_files("#folder-input", str(folder))
    _wait_until_done(page)

    expect(page.locator("#upload-progress")).to_have_js_property("value", 100)
    expect(page.locator("#upload-progress-text")).to_contain_text("100%")
    stored = page.locator("#upload-results-body tr[data-outcome=stored] td.file")
    expect(stored).to_have_text(
        ["MRI-export/T1/IM0001.dcm", "MRI-export/T1/IM0002.dcm", "MRI-export/T1/IM0003.dcm"],
        ignore_case=False,
    )
    refused = page.locator("#upload-results-body tr[data-outcome=refused]")
    expect(refused).to_have_count(1)
    expect(refused.locator("td.file")).to_have_text("MRI-export/notes.txt")
    expect(refused.locator("td.reason")).not_to_be_empty()
    expect(page.locator("#upload-summary")).to_have_text(
        "Finished: 3 stored, 0 duplicate, 1 refused."
    )
    expect(page.locator("#upload-error")).to_be_hidden()
    page.screenshot(path=artifacts / "upload-folder.png", full_page=True)

    page.get_by_role("link", name="Go to the worklist").click()
    row = page.locator(f"tr[data-study-uid='{STUDY}']")
    expect(row.locator("td.num-instances")).to_have_text("3")
    expect(row.get_by_role("link", name="View")).to_have_attribute("href", f"/viewer/{STUDY}/")
    assert Instance.objects.filter(series__series_instance_uid=SERIES).count() == 3
    assert console_errors == []


def test_a_zip_upload_reports_each_member_and_a_second_upload_is_duplicate(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User, tmp_path: Path
) -> None:
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, data in enumerate(_slices(2), start=1):
            zf.writestr(f"DICOM/IM{n}", data)

    log_in(page, live_server.url, alice, "/upload/")
    page.set_input_files("#file-input", str(archive))
    _wait_until_done(page)

    expect(page.locator("#upload-results-body tr[data-outcome=stored] td.file")).to_have_text(
        ["study.zip/DICOM/IM1", "study.zip/DICOM/IM2"]
    )
    expect(page.locator("#upload-summary")).to_have_text(
        "Finished: 2 stored, 0 duplicate, 0 refused."
    )
    expect(page.get_by_role("link", name="Open the study in the viewer")).to_have_attribute(
        "href", f"/viewer/{STUDY}/"
    )

    page.set_input_files("#file-input", str(archive))
    expect(page.locator("#upload-summary")).to_have_text(
        "Finished: 0 stored, 2 duplicate, 0 refused."
    )
    assert Instance.objects.count() == 2
    assert console_errors == []


def test_a_refused_request_shows_the_servers_reason(
    page: Page, live_server: LiveServer, alice: User, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip archive" + bytes(200))

    log_in(page, live_server.url, alice, "/upload/")
    page.set_input_files("#file-input", str(broken))
    _wait_until_done(page)

    expect(page.locator("#upload-error")).to_have_text("broken.zip is not a readable zip archive.")
    failed = page.locator("#upload-results-body tr[data-outcome=failed]")
    expect(failed.locator("td.file")).to_have_text("broken.zip")
    expect(page.locator("#upload-summary")).to_have_text(
        "Finished: 0 stored, 0 duplicate, 0 refused, 1 file not uploaded."
    )
    assert Instance.objects.count() == 0


def test_many_files_go_up_in_several_batches(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User, tmp_path: Path
) -> None:
    paths = []
    for n, data in enumerate(_slices(45), start=1):
        path = tmp_path / f"IM{n:03}.dcm"
        path.write_bytes(data)
        paths.append(str(path))
    log_in(page, live_server.url, alice, "/upload/")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#file-input", paths)
    _wait_until_done(page)

    expect(page.locator("#upload-summary")).to_have_text(
        "Finished: 45 stored, 0 duplicate, 0 refused."
    )
    assert requests == [f"{live_server.url}/api/v1/uploads/"] * 3  # 20 + 20 + 5 files
    assert Instance.objects.count() == 45
    assert console_errors == []


def test_files_dropped_on_the_zone_are_uploaded(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User
) -> None:
    log_in(page, live_server.url, alice, "/upload/")
    dropped = [
        {"name": f"IM{n}.dcm", "bytes": list(data)} for n, data in enumerate(_slices(2), start=1)
    ]
    # A synthetic drop: the same DataTransfer a file manager's drag hands the page.
    page.evaluate(
        """files => {
            const transfer = new DataTransfer();
            for (const f of files) transfer.items.add(new File([new Uint8Array(f.bytes)], f.name));
            const zone = document.getElementById('drop-zone');
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""",
        dropped,
    )
    _wait_until_done(page)

    expect(page.locator("#upload-results-body tr[data-outcome=stored] td.file")).to_have_text(
        ["IM1.dcm", "IM2.dcm"]
    )
    assert Instance.objects.count() == 2
    assert console_errors == []
