"""The review page: three orientations with crosshairs, structures drawn, display and editing."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from assist_web.accounts.models import User
from tests.browser.review_study import (  # noqa: F401 - fixtures by name
    ReviewStudy,
    active_model,
    brush_stroke,
    open_review,
    phantom_files,
    review_study_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRUCTURES = ["GTV", "Edema", "CTV", "PTV", "Brain"]


def _pixels(locator: Locator) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"), dtype=int)


def _red(pixels: np.ndarray) -> int:
    """Pixels tinted by the GTV's pure red, not by the other structures' colours."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r - g > 80) & (r - b > 80)).sum())


def _coloured(pixels: np.ndarray) -> int:
    return int((pixels.max(axis=2) - pixels.min(axis=2) > 40).sum())


def only_shown(page: Page, names: list[str]) -> None:
    for name in STRUCTURES:
        box = page.get_by_label(f"Show {name}", exact=True)
        if box.is_checked() != (name in names):
            box.click()


def test_the_review_page_shows_the_ai_structures_in_three_orientations(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    review_study: ReviewStudy,
    artifacts: Path,
) -> None:
    open_review(page, live_server, alice, review_study)

    hook = "window.assistViewer"
    assert page.evaluate(f"{hook}.seriesUID") == review_study.t1c_uid
    # The page's HTML previewed the identified T1c; the volume views have replaced it.
    html = page.request.get(page.url).text()
    assert f'data-series-uid="{review_study.t1c_uid}"' in html
    expect(page.locator("#first-preview")).to_have_count(0)
    assert page.evaluate(f"{hook}.bottomSeriesUID") == review_study.flair_uid
    names = page.evaluate(f"{hook}.review.structureNames()")
    assert names == STRUCTURES
    counts = {name: page.evaluate(f"n => {hook}.review.voxelCount(n)", name) for name in names}
    assert counts == {name: int(mask.sum()) for name, mask in review_study.masks.items()}
    rows = page.locator("#structures tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("GTV")
    for orientation in ("axial", "coronal", "sagittal"):
        for row in ("top", "bottom"):
            expect(page.locator(f"#{row}-{orientation} canvas").first).to_be_visible()
        expect(page.locator(f"[data-viewport=top-{orientation}] .overlay-index")).to_contain_text(
            orientation.capitalize()
        )
    # Crosshairs: the SVG layer of each view holds the reference lines of the two others.
    for orientation in ("axial", "coronal", "sagittal"):
        assert page.locator(f"#top-{orientation} svg line").count() >= 2
    page.screenshot(path=artifacts / "review-open.png")

    # The GTV is drawn in its colour on the axial slice through its centre; a click there with
    # the crosshairs brings the coronal and sagittal views through it too.
    only_shown(page, ["GTV"])
    page.wait_for_timeout(300)
    views = {o: page.locator(f"#top-{o}") for o in ("axial", "coronal", "sagittal")}
    axial = _pixels(views["axial"])
    assert _red(axial) > 30
    rows, columns = np.nonzero(
        (axial[..., 0] - axial[..., 1] > 80) & (axial[..., 0] - axial[..., 2] > 80)
    )
    box = views["axial"].bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + columns.mean(), box["y"] + rows.mean())
    page.wait_for_timeout(500)
    shown = {o: _red(_pixels(v)) for o, v in views.items()}
    assert all(count > 30 for count in shown.values()), shown
    page.screenshot(path=artifacts / "review-gtv-only.png")

    # Hidden, it leaves no red; shown again, it is back.
    page.get_by_label("Show GTV", exact=True).click()
    page.wait_for_timeout(300)
    assert {o: _red(_pixels(v)) for o, v in views.items()} == {o: 0 for o in views}
    page.get_by_label("Show GTV", exact=True).click()
    page.wait_for_timeout(300)
    assert _red(_pixels(views["axial"])) == shown["axial"]

    # Outline only: fewer coloured pixels than filled.
    filled = _coloured(_pixels(views["axial"]))
    page.get_by_label("Fill GTV (else outline only)").click()
    page.wait_for_timeout(300)
    outlined = _coloured(_pixels(views["axial"]))
    assert 0 < outlined < filled
    assert console_errors == []


def test_a_brush_stroke_adds_voxels_and_undo_removes_them(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    review_study: ReviewStudy,
    artifacts: Path,
) -> None:
    open_review(page, live_server, alice, review_study)
    hook = "window.assistViewer.review"
    before = page.evaluate(f"{hook}.voxelCount('GTV')")
    only_shown(page, ["GTV"])

    view = page.locator("#top-axial")
    red_before = _red(_pixels(view))
    brush_stroke(page)
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') > n", arg=before)
    after = page.evaluate(f"{hook}.voxelCount('GTV')")
    assert after > before
    page.wait_for_timeout(300)
    assert _red(_pixels(view)) > red_before
    expect(page.locator("#structures tr[data-structure=GTV] .decision")).to_have_value("edited")
    expect(page.get_by_role("button", name="Save revision")).to_be_enabled()
    page.screenshot(path=artifacts / "review-brush.png")

    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=before)
    page.get_by_role("button", name="Redo").click()
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=after)
    page.keyboard.press("Control+z")
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=before)

    # The eraser takes back what the brush put there.
    brush_stroke(page)
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=after)
    drag(page, "Eraser", (0.35, 0.5), (0.35 + 20 / box_width(page), 0.5 + 10 / box_height(page)))
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=before)
    # Rectangle scissors fill the dragged rectangle on the slice.
    drag(page, "Scissors ▭", (0.25, 0.55), (0.32, 0.62))
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') > n", arg=before)
    page.keyboard.press("Control+z")
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=before)
    assert console_errors == []


def box_width(page: Page) -> float:
    box = page.locator("#top-axial").bounding_box()
    assert box is not None
    return box["width"]


def box_height(page: Page) -> float:
    box = page.locator("#top-axial").bounding_box()
    assert box is not None
    return box["height"]


def drag(page: Page, tool: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Chooses the tool, then drags on the top axial view between two fractions of its box."""
    page.get_by_role("button", name=tool, exact=True).click()
    box = page.locator("#top-axial").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=6)
    page.mouse.up()


def test_interpolation_and_margins_come_from_the_server_and_undo(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    api: APIClient,
    review_study: ReviewStudy,
) -> None:
    open_review(page, live_server, alice, review_study)
    hook = "window.assistViewer.review"
    set_id = review_study.revision.structure_set_id
    reference = review_study.t1c_uid
    original = page.evaluate(f"{hook}.voxelCount('GTV')")

    # Two discs of GTV on slices 8 and 12 (below the tumour): the slices between get filled.
    for slice_index in (8, 12):
        page.evaluate(f"k => {hook}.paintDisc('GTV', k, 40, 52, 4)", slice_index)
    painted = page.evaluate(f"{hook}.voxelCount('GTV')")
    assert painted > original
    runs = page.evaluate(f"{hook}.runs('GTV')")
    expected = api.post(
        f"/api/v1/structure-sets/{set_id}/interpolate/",
        {"reference_series_uid": reference, "runs": runs},
        format="json",
    ).json()["runs"]
    page.get_by_role("button", name="Interpolate slices").click()
    expect(page.locator("#review-message")).to_have_text("GTV interpolated between slices.")
    assert page.evaluate(f"{hook}.runs('GTV')") == expected
    assert page.evaluate(f"{hook}.voxelCount('GTV')") > painted
    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(f"n => {hook}.voxelCount('GTV') === n", arg=painted)

    # CTV and PTV recomputed from the GTV and the brain as they are on the page.
    body = {
        "reference_series_uid": reference,
        "gtv": page.evaluate(f"{hook}.runs('GTV')"),
        "brain": page.evaluate(f"{hook}.runs('Brain')"),
    }
    margins = api.post(f"/api/v1/structure-sets/{set_id}/margins/", body, format="json").json()
    ctv_before = page.evaluate(f"{hook}.voxelCount('CTV')")
    page.get_by_role("button", name="Recompute CTV/PTV").click()
    expect(page.locator("#review-message")).to_contain_text("recomputed")
    assert page.evaluate(f"{hook}.runs('CTV')") == margins["CTV"]
    assert page.evaluate(f"{hook}.runs('PTV')") == margins["PTV"]
    for name in ("CTV", "PTV"):
        expect(page.locator(f"#structures tr[data-structure={name}] .decision")).to_have_value(
            "edited"
        )
    page.keyboard.press("Control+z")
    page.wait_for_function(f"n => {hook}.voxelCount('CTV') === n", arg=ctv_before)
    assert console_errors == []


def test_a_physicist_sees_the_structures_but_no_editing(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    pete: User,
    review_study: ReviewStudy,
) -> None:
    open_review(page, live_server, pete, review_study)
    assert page.evaluate("window.assistViewer.review.structureNames()") == STRUCTURES
    for name in ("Brush", "Eraser", "Fill", "Save revision", "Approve…", "Interpolate slices"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    page.keyboard.press("b")  # the shortcut is refused too, with a reason
    expect(page.locator("#review-message")).to_have_text("Only physicians edit structures.")
    expect(page.get_by_role("button", name="Crosshairs")).to_have_attribute("aria-pressed", "true")
    assert console_errors == []


def test_the_two_rows_follow_each_other(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    review_study: ReviewStudy,
) -> None:
    open_review(page, live_server, alice, review_study)
    hook = "window.assistViewer"

    def focal(view: str) -> np.ndarray:
        views = page.evaluate(f"{hook}.views()")
        return np.array(next(v["focalPoint"] for v in views if v["id"] == view))

    # T1c above and FLAIR below share the study's frame of reference: the rows are linked.
    assert page.evaluate(f"{hook}.rowsLinked()") is True
    expect(page.locator("#pane-bottom-title")).to_have_attribute("data-linked", "1")
    assert np.allclose(focal("top-axial"), focal("bottom-axial"), atol=1e-3)

    # Scrolling the T1c's axial view takes the FLAIR's axial view to the same place...
    before = focal("bottom-axial")
    label = page.locator("[data-viewport=bottom-axial] .overlay-index")
    label_before = label.inner_text()
    page.locator("#top-axial").hover()
    for _ in range(3):
        page.mouse.wheel(0, 120)
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    assert not np.allclose(focal("bottom-axial"), before)
    assert np.allclose(focal("top-axial"), focal("bottom-axial"), atol=1e-3)
    expect(label).not_to_have_text(label_before)  # its own slice number says so too
    # ... and the FLAIR's coronal view takes the T1c's with it.
    page.locator("#bottom-coronal").hover()
    page.mouse.wheel(0, -120)
    page.wait_for_timeout(400)
    assert np.allclose(focal("top-coronal"), focal("bottom-coronal"), atol=1e-3)
    assert console_errors == []
