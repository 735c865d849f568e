"""The review page's circle scissors and fill, driven with the real mouse on the axial view."""

import io
import math

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from scipy import ndimage

from assist_web.accounts.models import User
from tests.browser.review_study import (  # noqa: F401 - fixtures by name
    CENTRE,
    ReviewStudy,
    active_model,
    open_review,
    phantom_files,
    review_study_fixture,
)
from tests.browser.test_review_page import only_shown
from workers.structures.runs import runs_to_mask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOOK = "window.assistViewer.review"


def _gtv(page: Page, shape: tuple[int, ...]) -> np.ndarray:
    """The GTV on the page, on the API's grid (slice, row, column)."""
    return runs_to_mask(page.evaluate(f"{HOOK}.runs('GTV')"), shape).astype(bool)


def _red_box(page: Page) -> tuple[float, float, float]:
    """Centre (x, y on the page) and width in screen pixels of the GTV's red on the axial view."""
    view = page.locator("#top-axial")
    box = view.bounding_box()
    assert box is not None
    pixels = np.asarray(Image.open(io.BytesIO(view.screenshot())).convert("RGB"), dtype=int)
    red = (pixels[..., 0] - pixels[..., 1] > 80) & (pixels[..., 0] - pixels[..., 2] > 80)
    rows, columns = np.nonzero(red)
    assert columns.size > 30
    width = float(columns.max() - columns.min() + 1)
    return box["x"] + columns.mean(), box["y"] + rows.mean(), width


def _click(page: Page, tool: str, x: float, y: float) -> None:
    page.get_by_role("button", name=tool, exact=True).click()
    expect(page.get_by_role("button", name=tool, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.up()


def _changed_slice(before: np.ndarray, after: np.ndarray) -> int:
    """The one slice where two masks differ."""
    slices = np.unique(np.nonzero(before != after)[0])
    assert slices.size == 1, slices
    return int(slices[0])


def test_circle_scissors_add_a_disc_and_fill_closes_a_hole_both_undone(
    page: Page,
    console_errors: list[str],
    live_server: LiveServer,
    alice: User,
    review_study: ReviewStudy,
) -> None:
    open_review(page, live_server, alice, review_study)
    only_shown(page, ["GTV"])
    page.wait_for_timeout(300)
    original = review_study.masks["GTV"]
    shape = original.shape
    assert (_gtv(page, shape) == original).all()
    gtv_x, gtv_y, red_width = _red_box(page)

    # The axial view opens on the tumour's centre slice, where the GTV is 11 voxels wide.
    centre_slice, centre_row, centre_column = CENTRE
    scale = red_width / np.unique(np.nonzero(original[centre_slice])[1]).size  # pixels per voxel

    # Circle scissors: a drag from 12 voxels left of the GTV's centre, 5 voxels long, adds a disc
    # of radius 5 there on that slice and nothing else.
    page.get_by_role("button", name="Scissors ◯", exact=True).click()
    page.mouse.move(gtv_x - 12 * scale, gtv_y)
    page.mouse.down()
    page.mouse.move(gtv_x - 7 * scale, gtv_y, steps=6)
    page.mouse.up()
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') > n", arg=int(original.sum()))
    with_disc = _gtv(page, shape)
    assert _changed_slice(original, with_disc) == centre_slice
    assert not (original & ~with_disc).any()
    disc = with_disc[centre_slice] & ~original[centre_slice]
    # Voxels whose centres lie in the circle: pi r^2 give or take half a voxel of its rim.
    assert abs(int(disc.sum()) - math.pi * 5**2) <= math.pi * 5
    rows, columns = np.nonzero(disc)
    assert 9 <= rows.max() - rows.min() + 1 <= 11
    assert 9 <= columns.max() - columns.min() + 1 <= 11
    assert abs(rows.mean() - centre_row) <= 1
    assert abs(columns.mean() - (centre_column - 12)) <= 1
    page.keyboard.press("Control+z")
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=int(original.sum()))
    assert (_gtv(page, shape) == original).all()

    # The eraser, small, makes a hole inside the GTV on that slice; fill closes it again.
    page.locator("#brush-size").fill("4")
    _click(page, "Eraser", gtv_x, gtv_y)
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') < n", arg=int(original.sum()))
    holed = _gtv(page, shape)
    assert _changed_slice(original, holed) == centre_slice
    assert not (holed & ~original).any()
    hole = original[centre_slice] & ~holed[centre_slice]
    labels, _ = ndimage.label(~holed[centre_slice])
    assert labels[hole].min() == labels[hole].max() != labels[0, 0]  # enclosed by the GTV
    _click(page, "Fill", gtv_x, gtv_y)
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=int(original.sum()))
    assert (_gtv(page, shape) == original).all()
    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=int(holed.sum()))
    assert (_gtv(page, shape) == holed).all()
    page.get_by_role("button", name="Redo").click()
    page.wait_for_function(f"n => {HOOK}.voxelCount('GTV') === n", arg=int(original.sum()))
    assert (_gtv(page, shape) == original).all()
    assert console_errors == []
