"""Post-processing: small components and holes."""

import numpy as np

from workers.structures import drop_small_components, fill_holes

SPACING = (3.0, 1.0, 1.0)


def test_components_below_the_volume_are_dropped() -> None:
    mask = np.zeros((10, 20, 20), dtype=bool)
    mask[2:5, 2:5, 2:5] = True  # 27 voxels = 81 mm3
    mask[7, 15, 15] = True  # 1 voxel = 3 mm3
    mask[5, 5, 5] = True  # touches the cube at a corner: part of it (26-connectivity)

    kept = drop_small_components(mask, SPACING, 10.0)

    expected = mask.copy()
    expected[7, 15, 15] = False
    np.testing.assert_array_equal(kept, expected)


def test_nothing_is_dropped_from_an_empty_mask() -> None:
    assert not drop_small_components(np.zeros((3, 3, 3), dtype=bool), SPACING, 1.0).any()


def test_enclosed_cavity_is_filled_in_3d() -> None:
    shell = np.zeros((9, 9, 9), dtype=bool)
    shell[1:8, 1:8, 1:8] = True
    shell[3:6, 3:6, 3:6] = False

    np.testing.assert_array_equal(fill_holes(shell, per_slice=False)[3:6, 3:6, 3:6], True)


def test_tube_open_at_both_ends_is_filled_per_slice_only() -> None:
    tube = np.zeros((6, 9, 9), dtype=bool)
    tube[:, 2:7, 2:7] = True
    tube[:, 4, 4] = False  # a channel through every slice, first and last included

    assert not fill_holes(tube, per_slice=False)[:, 4, 4].any()
    assert fill_holes(tube)[:, 4, 4].all()


def test_filling_matches_ndimage_on_random_masks() -> None:
    """The one-pass fill gives binary_fill_holes' result, in 3D and slice by slice."""
    from scipy import ndimage

    in_slice = np.zeros((3, 3, 3), dtype=bool)
    in_slice[1] = ndimage.generate_binary_structure(2, 1)
    rng = np.random.default_rng(3)
    for shape in [(1, 9, 7), (6, 1, 5), (12, 14, 10), (20, 18, 16)]:
        for density in (0.4, 0.6, 0.75):
            mask = rng.random(shape) < density
            in_3d = ndimage.binary_fill_holes(mask)

            np.testing.assert_array_equal(fill_holes(mask, per_slice=False), in_3d)
            np.testing.assert_array_equal(
                fill_holes(mask), ndimage.binary_fill_holes(in_3d, structure=in_slice))
