"""Agreement between an AI structure and the approved one: Dice, HD95, surface Dice, APL, volume."""

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial.distance import cdist

from workers.structures import StructureComparison, structure_compare, structures_compare

ISOTROPIC = (1.0, 1.0, 1.0)
THICK_SLICES = (3.0, 1.0, 1.0)  # slice, row, column: 1 x 1 mm pixels, 3 mm slices


def _cube(shape: tuple[int, int, int] = (30, 30, 30), low: int = 10, side: int = 10) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[low:low + side, low:low + side, low:low + side] = True
    return mask


def _ball(radius: float, shape: tuple[int, int, int] = (25, 25, 25)) -> np.ndarray:
    z, y, x = np.indices(shape)
    centre = [(n - 1) / 2 for n in shape]
    return (z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 <= radius**2


def _square(columns: slice) -> np.ndarray:
    """One axial slice with a square of rows 10..29 and the given columns."""
    mask = np.zeros((1, 40, 40), dtype=bool)
    mask[0, 10:30, columns] = True
    return mask


def test_identical_masks_agree_perfectly() -> None:
    cube = _cube()

    result = structure_compare(ai=cube, approved=cube.copy(), spacing_zyx=THICK_SLICES)

    assert result == StructureComparison(
        dice=1.0, hd95_mm=0.0, surface_dice=1.0, apl_mm=0.0, ai_volume_ml=3.0,
        approved_volume_ml=3.0, volume_change_ml=0.0, volume_change_percent=0.0,
        tolerance_mm=2.0,
    )


def test_a_mask_filling_the_whole_grid_has_a_surface_at_the_image_edge() -> None:
    full = np.ones((4, 5, 6), dtype=bool)

    result = structure_compare(ai=full, approved=full, spacing_zyx=ISOTROPIC)

    assert (result.dice, result.hd95_mm, result.surface_dice, result.apl_mm) == (1.0, 0.0, 1.0, 0.0)


def test_cube_shifted_two_voxels_along_x_on_a_1_mm_grid() -> None:
    ai = _cube()
    approved = np.roll(ai, 2, axis=2)

    result = structure_compare(ai=ai, approved=approved, spacing_zyx=ISOTROPIC)
    strict = structure_compare(ai=ai, approved=approved, spacing_zyx=ISOTROPIC, tolerance_mm=1.0)

    # Overlap is 10 x 10 x 8 of two 10 x 10 x 10 cubes.
    assert result.dice == 2 * 800 / 2000
    # The two faces across the shift are 2 mm apart; no surface point is farther.
    assert result.hd95_mm == 2.0
    assert result.surface_dice == 1.0
    assert 0.0 < strict.surface_dice < 1.0
    assert strict.hd95_mm == 2.0
    assert result.volume_change_ml == 0.0


def test_cube_shifted_two_slices_on_a_3_mm_grid_is_6_mm_off() -> None:
    ai = _cube()
    approved = np.roll(ai, 2, axis=0)

    result = structure_compare(ai=ai, approved=approved, spacing_zyx=THICK_SLICES)

    assert result.dice == 2 * 800 / 2000
    assert result.hd95_mm == 6.0
    assert result.surface_dice < 1.0  # the top and bottom faces are 6 mm apart
    assert (result.ai_volume_ml, result.approved_volume_ml) == (3.0, 3.0)


def test_a_ball_dilated_by_one_voxel() -> None:
    ai = _ball(8.0)
    approved = ndimage.binary_dilation(ai)  # the 6-connected cross: one voxel in each axis
    n_ai, n_approved = int(ai.sum()), int(approved.sum())

    result = structure_compare(ai=ai, approved=approved, spacing_zyx=ISOTROPIC)

    # The AI ball lies inside the approved one, so the overlap is the AI ball itself.
    assert result.dice == pytest.approx(2 * n_ai / (n_ai + n_approved))
    assert result.volume_change_ml == pytest.approx((n_approved - n_ai) / 1000)
    assert result.volume_change_ml > 0
    assert result.volume_change_percent == pytest.approx(100 * (n_approved - n_ai) / n_ai)
    assert result.hd95_mm == 1.0
    assert result.surface_dice == 1.0


def test_an_empty_ai_mask_against_an_approved_cube() -> None:
    approved = _cube()

    result = structure_compare(ai=np.zeros_like(approved), approved=approved, spacing_zyx=ISOTROPIC)

    assert result == StructureComparison(
        dice=0.0, hd95_mm=None, surface_dice=0.0,
        apl_mm=10 * 36.0,  # the whole contour: 36 pixels round a 10 x 10 square, on 10 slices
        ai_volume_ml=0.0, approved_volume_ml=1.0, volume_change_ml=1.0,
        volume_change_percent=None, tolerance_mm=2.0,
    )


def test_an_ai_cube_that_the_physician_deleted() -> None:
    ai = _cube()

    result = structure_compare(ai=ai, approved=np.zeros_like(ai), spacing_zyx=ISOTROPIC)

    assert (result.dice, result.hd95_mm, result.surface_dice) == (0.0, None, 0.0)
    assert result.apl_mm == 0.0  # nothing approved, nothing to draw
    assert (result.volume_change_ml, result.volume_change_percent) == (-1.0, -100.0)


def test_both_empty_is_a_perfect_match() -> None:
    empty = np.zeros((5, 6, 7), dtype=bool)

    result = structure_compare(ai=empty, approved=empty, spacing_zyx=THICK_SLICES)

    assert result == StructureComparison(
        dice=1.0, hd95_mm=0.0, surface_dice=1.0, apl_mm=0.0, ai_volume_ml=0.0,
        approved_volume_ml=0.0, volume_change_ml=0.0, volume_change_percent=0.0,
        tolerance_mm=2.0,
    )


def test_apl_is_the_length_of_a_side_moved_out_by_two_pixels() -> None:
    ai = _square(slice(10, 30))
    approved = _square(slice(10, 32))

    result = structure_compare(ai=ai, approved=approved, spacing_zyx=(3.0, 0.5, 0.5))

    # The new side (column 31, rows 10..29) is 20 pixels of 0.5 mm, 2 pixels from the AI's
    # side; the top and bottom edges lie on the AI's or, at column 30, within 1 pixel of it.
    assert result.apl_mm == 20 * 0.5


def test_apl_of_a_side_moved_in_spares_the_ends_that_touch_the_ai_contour() -> None:
    ai = _square(slice(10, 30))
    approved = _square(slice(10, 28))

    result = structure_compare(ai=ai, approved=approved, spacing_zyx=(3.0, 0.5, 0.5))

    # The new side (column 27, rows 10..29) ends on the AI's top and bottom edges: rows 10 and
    # 29 lie on the AI contour and rows 11 and 28 within 1 pixel of it; 16 pixels remain.
    assert result.apl_mm == 16 * 0.5


def test_a_side_moved_by_one_pixel_is_within_the_apl_tolerance() -> None:
    result = structure_compare(
        ai=_square(slice(10, 30)), approved=_square(slice(10, 31)), spacing_zyx=ISOTROPIC
    )

    assert result.apl_mm == 0.0


def _random_blob(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.random((14, 24, 24)), 2.0)
    return noise > np.quantile(noise, 0.85)


def test_dice_hd95_and_surface_dice_are_symmetric() -> None:
    a, b = _random_blob(1), _random_blob(2)
    spacing = (2.5, 0.8, 1.2)

    forward = structure_compare(ai=a, approved=b, spacing_zyx=spacing)
    backward = structure_compare(ai=b, approved=a, spacing_zyx=spacing)

    assert forward.dice == backward.dice
    assert forward.hd95_mm == backward.hd95_mm
    assert forward.surface_dice == pytest.approx(backward.surface_dice)
    assert forward.volume_change_ml == pytest.approx(-backward.volume_change_ml)


def test_hd95_matches_brute_force_distances_between_boundary_voxels() -> None:
    a, b = _random_blob(3), _random_blob(4)
    spacing = np.array([2.5, 0.8, 1.2])

    def surface_mm(mask: np.ndarray) -> np.ndarray:
        padded = np.pad(mask, 1)
        edge = padded & ~ndimage.binary_erosion(padded, ndimage.generate_binary_structure(3, 1))
        return np.argwhere(edge) * spacing

    between = cdist(surface_mm(a), surface_mm(b))
    expected = np.percentile(np.concatenate([between.min(axis=1), between.min(axis=0)]), 95)

    result = structure_compare(ai=a, approved=b, spacing_zyx=tuple(spacing))

    assert result.hd95_mm == pytest.approx(expected)


def test_structures_compare_covers_structures_present_in_either() -> None:
    cube = _cube()
    empty = np.zeros_like(cube)

    results = structures_compare(
        ai={"GTV": cube, "Brainstem": cube},
        approved={"GTV": cube, "CTV": cube},
        spacing_zyx=ISOTROPIC,
    )

    assert list(results) == ["Brainstem", "CTV", "GTV"]
    assert results["GTV"].dice == 1.0
    assert results["CTV"] == structure_compare(ai=empty, approved=cube, spacing_zyx=ISOTROPIC)
    assert results["Brainstem"] == structure_compare(ai=cube, approved=empty, spacing_zyx=ISOTROPIC)


def test_masks_on_different_grids_are_refused() -> None:
    with pytest.raises(ValueError, match="one grid"):
        structure_compare(ai=_cube(), approved=_cube((30, 30, 31)), spacing_zyx=ISOTROPIC)
