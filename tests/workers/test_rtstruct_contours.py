"""Mask slices <-> polygons, checked against skimage's reference fill."""

import numpy as np
from skimage import draw

from workers.dicom_out.contours import mask_polygons, polygons_fill


def _skimage_even_odd(polygons: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    plane = np.zeros(shape, dtype=bool)
    for polygon in polygons:
        rows, columns = draw.polygon(polygon[:, 0], polygon[:, 1], shape=shape)
        plane[rows, columns] ^= True
    return plane


def test_random_masks_trace_and_fill_back_exactly() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        # Blotchy masks: islands, holes, diagonal touches and pixels on the image edge.
        plane = rng.random((40, 50)) > 0.55

        polygons = mask_polygons(plane)

        np.testing.assert_array_equal(polygons_fill([(0, p) for p in polygons], (1, 40, 50))[0],
                                      plane)


def test_scanline_fill_matches_skimage_on_arbitrary_polygons() -> None:
    rng = np.random.default_rng(3)
    shape = (30, 40)
    for _ in range(30):
        # Random (self-intersecting, partly outside) polygons, several per slice.
        polygons = [rng.uniform(-5, 45, size=(rng.integers(3, 12), 2)) for _ in range(3)]

        filled = polygons_fill([(0, p) for p in polygons], (1, *shape))[0]

        np.testing.assert_array_equal(filled, _skimage_even_odd(polygons, shape))


def test_polygons_fill_their_own_slice_only() -> None:
    square = np.array([[1.5, 1.5], [1.5, 4.5], [4.5, 4.5], [4.5, 1.5]])

    filled = polygons_fill([(2, square)], (4, 8, 8))

    assert filled[2, 2:5, 2:5].all()
    assert filled.sum() == 9


def test_empty_slice_has_no_polygons() -> None:
    assert mask_polygons(np.zeros((5, 5), dtype=bool)) == []
