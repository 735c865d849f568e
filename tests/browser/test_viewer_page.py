"""The viewer page: Cornerstone3D decodes what the archive serves, value for value."""

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
from pytest_django.live_server_helper import LiveServer

from assist_web.accounts.models import User
from assist_web.archive.ingest import Outcome, instance_ingest
from tests.browser.conftest import log_in
from tests.dicom_files import mr_slice, to_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STUDY = "1.2.826.0.1.3680043.8.498.88"
NATIVE = f"{STUDY}.1"
COMPRESSED = f"{STUDY}.2"
# MR_small in three encodings the image loader decodes in its workers: RLE (JavaScript),
# JPEG-LS lossless (CharLS wasm) and JPEG 2000 lossless (OpenJPEG wasm).
COMPRESSED_FILES = [
    "MR_small_RLE.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_jp2klossless.dcm",
]


def _store(data: bytes) -> None:
    assert instance_ingest(data=data).outcome == Outcome.STORED


def _native_series() -> list[pydicom.Dataset]:
    """Four 16-bit slices of random values, not square, so rows and columns cannot swap."""
    slices = [
        mr_slice(study_uid=STUDY, series_uid=NATIVE, instance_number=n, rows=40, columns=56, seed=n)
        for n in range(1, 5)
    ]
    for ds in slices:
        ds.SeriesDescription = "T1 random"
        _store(to_bytes(ds))
    return slices


def _compressed_series() -> list[pydicom.Dataset]:
    datasets: list[pydicom.Dataset] = []
    for number, name in enumerate(COMPRESSED_FILES, start=1):
        path = get_testdata_file(name)
        assert isinstance(path, str), f"pydicom's test file {name} is missing"
        ds = pydicom.dcmread(path)
        # Same study and patient as the native series; a UID of its own for each copy.
        ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, COMPRESSED
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.PatientID, ds.PatientName = "PAT-001", "Doe^Jane"
        ds.SeriesNumber, ds.InstanceNumber, ds.SeriesDescription = 2, number, "MR small encoded"
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        _store(buffer.getvalue())
        datasets.append(ds)
    return datasets


def _wait_for_series(page: Page, series_uid: str) -> list[str]:
    page.wait_for_function(
        "uid => document.body.dataset.viewerReady === '1' && window.assistViewer.seriesUID === uid",
        arg=series_uid,
    )
    return page.evaluate("() => [...window.assistViewer.imageIds]")


def _assert_pixels_match(page: Page, datasets: list[pydicom.Dataset]) -> None:
    for index, ds in enumerate(datasets):
        decoded = page.evaluate("i => window.assistViewer.getPixels(i)", index)
        assert decoded == ds.pixel_array.ravel().tolist(), ds.SOPInstanceUID


def _not_blank(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(pixels.std())


def test_the_viewer_shows_each_series_with_the_stored_pixel_values(
    page: Page, console_errors: list[str], live_server: LiveServer, alice: User, artifacts: Path
) -> None:
    native = _native_series()
    compressed = _compressed_series()

    log_in(page, live_server.url, alice, f"/viewer/{STUDY}/?series={NATIVE}")
    image_ids = _wait_for_series(page, NATIVE)

    # A regular series is a volume: its slices in spatial order, in three orientations.
    assert [i.rsplit("/instances/", 1)[1] for i in image_ids] == [
        f"{ds.SOPInstanceUID}/frames/1" for ds in native
    ]
    _assert_pixels_match(page, native)
    expect(page.locator("#series-list li")).to_have_count(2)
    expect(page.locator("#series-list li.current")).to_contain_text("T1 random")
    index = page.locator("[data-viewport=top-axial] .overlay-index")
    expect(index).to_have_text("Axial 2 / 4")
    expect(page.locator("[data-viewport=top-coronal] .overlay-index")).to_contain_text("/ 40")
    expect(page.locator("[data-viewport=top-sagittal] .overlay-index")).to_contain_text("/ 56")
    # The other series (three copies of one image at one position) is no volume: it is shown
    # below as a stack.
    expect(page.locator("#pane-bottom")).to_have_attribute("data-mode", "stack")
    viewport = page.locator("#top-axial")
    assert _not_blank(viewport.screenshot()) > 5

    # Mouse wheel scrolls through the slices; so does the slider.
    viewport.hover()
    page.mouse.wheel(0, 120)
    expect(index).to_have_text("Axial 3 / 4")
    page.locator("[data-viewport=top-axial] .slice-slider").fill("0")
    expect(index).to_have_text("Axial 1 / 4")
    # Left drag with the window tool changes window and level.
    page.get_by_role("button", name="Window").click()
    window = page.locator("[data-viewport=top-axial] .overlay-window")
    window_before = window.inner_text()
    box = viewport.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2 + 40, steps=5)
    page.mouse.up()
    expect(window).not_to_have_text(window_before)
    # No structures here: the editing tools stay off.
    expect(page.get_by_role("button", name="Brush")).to_be_disabled()
    page.screenshot(path=artifacts / "viewer-native.png")

    page.get_by_role("link", name="MR small encoded").click()
    image_ids = _wait_for_series(page, COMPRESSED)
    assert len(image_ids) == 3
    _assert_pixels_match(page, compressed)
    expect(page.locator("#viewer-status")).to_be_hidden()
    assert f"series={COMPRESSED}" in page.url
    expect(page.locator("#pane-top")).to_have_attribute("data-mode", "stack")
    expect(page.locator("[data-viewport=top-axial] .overlay-index")).to_have_text("Image 1 / 3")
    assert _not_blank(viewport.screenshot()) > 5
    page.screenshot(path=artifacts / "viewer-compressed.png")
    assert console_errors == []


def test_the_first_image_shows_before_the_viewer_script_runs(
    page: Page, live_server: LiveServer, alice: User
) -> None:
    _native_series()
    log_in(page, live_server.url, alice, "/")
    # Without the viewer's script the page's HTML still shows the series' middle slice, as the
    # server renders it.
    page.route("**/viewer-*.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/viewer/{STUDY}/?series={NATIVE}")
    preview = page.locator("#first-preview")
    expect(preview).to_be_visible()
    thumbnail = f"/dicomweb/studies/{STUDY}/series/{NATIVE}/thumbnail?viewport=512,512"
    assert preview.get_attribute("src") == thumbnail
    page.wait_for_function("() => document.querySelector('#first-preview').complete")
    # 56 x 40 pixels fitted into 512 x 512.
    assert page.evaluate("() => document.querySelector('#first-preview').naturalWidth") == 512
    assert page.evaluate("() => document.querySelector('#first-preview').naturalHeight") == 366
    assert _not_blank(preview.screenshot()) > 5

    # With it, the axial volume view takes the preview's place once the series is loaded.
    page.unroute("**/viewer-*.js")
    page.reload()
    _wait_for_series(page, NATIVE)
    expect(preview).to_have_count(0)
    assert _not_blank(page.locator("#top-axial").screenshot()) > 5
    timings = page.evaluate("() => window.assistViewer.timings")
    assert 0 < timings["marks"]["previewShown"] == timings["firstImage"]


def test_an_unknown_study_is_not_found(page: Page, live_server: LiveServer, alice: User) -> None:
    log_in(page, live_server.url, alice, "/")
    response = page.goto(f"{live_server.url}/viewer/1.2.3.4/")
    assert response is not None and response.status == 404
