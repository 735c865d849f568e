"""Margins in millimetres on anisotropic grids."""

import numpy as np
import pytest
from scipy import ndimage

from workers.structures import clip, expand_mm, intersect

SPACING = (3.0, 1.0, 1.0)  # slice, row, column: 1 x 1 mm pixels, 3 mm slices


def _single_voxel(shape: tuple[int, int, int] = (21, 61, 61)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(n // 2 for n in shape)] = True
    return mask


def test_single_voxel_grows_into_a_ball_of_the_margin_in_every_axis() -> None:
    ball = expand_mm(_single_voxel(), SPACING, 15.0)

    centre = (10, 30, 30)
    # 15 mm = 5 slices of 3 mm, or 15 pixels of 1 mm, on each side of the centre.
    assert ball[:, centre[1], centre[2]].sum() == 2 * 5 + 1
    assert ball[centre[0], :, centre[2]].sum() == 2 * 15 + 1
    assert ball[centre[0], centre[1], :].sum() == 2 * 15 + 1
    extent_mm = [np.ptp(np.flatnonzero(ball.any(axis=tuple(a for a in range(3) if a != axis))))
                 * SPACING[axis] for axis in range(3)]
    assert extent_mm == [30.0, 30.0, 30.0]
    volume_mm3 = ball.sum() * np.prod(SPACING)
    assert volume_mm3 == pytest.approx(4 / 3 * np.pi * 15.0**3, rel=0.02)


def test_expansion_is_the_exact_euclidean_distance() -> None:
    rng = np.random.default_rng(5)
    mask = np.zeros((12, 30, 30), dtype=bool)
    mask[5:7, 12:16, 10:19] = rng.random((2, 4, 9)) > 0.4
    spacing = (2.5, 0.8, 1.2)

    expanded = expand_mm(mask, spacing, 4.0)

    # Brute force: distance from every voxel centre to every mask voxel centre.
    grid = np.argwhere(np.ones(mask.shape, dtype=bool)) * spacing
    seeds = np.argwhere(mask) * spacing
    nearest = np.min(np.linalg.norm(grid[:, None, :] - seeds[None, :, :], axis=-1), axis=1)
    np.testing.assert_array_equal(expanded, (nearest <= 4.0 + 1e-6).reshape(mask.shape))


def test_expansion_reaches_the_volume_border_like_the_uncropped_transform() -> None:
    mask = np.zeros((10, 40, 40), dtype=bool)
    mask[1, 2:5, 30:38] = True

    expanded = expand_mm(mask, SPACING, 7.0)

    full = ndimage.distance_transform_edt(~mask, sampling=SPACING) <= 7.0 + 1e-6
    np.testing.assert_array_equal(expanded, full)


def test_margin_zero_is_the_identity() -> None:
    mask = _single_voxel((5, 7, 9))
    mask[0, 0, 0] = True

    expanded = expand_mm(mask, SPACING, 0.0)

    np.testing.assert_array_equal(expanded, mask)
    assert expanded is not mask


def test_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        expand_mm(_single_voxel(), SPACING, -1.0)


def test_empty_mask_stays_empty() -> None:
    assert not expand_mm(np.zeros((4, 4, 4), dtype=bool), SPACING, 10.0).any()


def _head() -> tuple[np.ndarray, np.ndarray]:
    """A spherical brain (radius 60 mm) and a GTV (radius 10 mm) touching its edge."""
    index = np.indices((50, 160, 160)).transpose(1, 2, 3, 0) * SPACING
    centre = np.array([75.0, 80.0, 80.0])
    brain = np.linalg.norm(index - centre, axis=-1) <= 60.0
    gtv = np.linalg.norm(index - (centre + [0.0, 45.0, 0.0]), axis=-1) <= 10.0
    return brain, gtv


def test_ctv_clipped_to_the_brain_never_leaves_it_and_ptv_contains_ctv() -> None:
    brain, gtv = _head()

    unclipped = expand_mm(gtv, SPACING, 15.0)
    ctv = clip(unclipped, brain)
    ptv = expand_mm(ctv, SPACING, 3.0)

    assert (unclipped & ~brain).any()  # the margin did cross the brain's edge...
    assert not (ctv & ~brain).any()  # ...and clipping removed all of it
    assert (ctv >= gtv).all()  # the GTV lay inside the brain, so the CTV keeps all of it
    assert (ptv >= ctv).all()
    assert ptv.sum() > ctv.sum()


def test_intersect_keeps_voxels_in_every_mask() -> None:
    a = np.array([1, 1, 0, 1], dtype=bool)
    b = np.array([1, 0, 0, 1], dtype=bool)
    c = np.array([0, 1, 1, 1], dtype=bool)

    np.testing.assert_array_equal(intersect(a, b, c), [False, False, False, True])
    np.testing.assert_array_equal(intersect(a), a)
