"""Marching squares over a whole mask at once, checked against skimage and the fill."""

import numpy as np
from skimage import measure

from workers.dicom_out.contours import polygons_fill
from workers.dicom_out.tracing import volume_polygons


def _random_volume(rng: np.random.Generator) -> np.ndarray:
    # Blotches away from the origin, with empty slices between them: the tracer works in the
    # bounding box and must put slices, rows and columns back where they were.
    volume = np.zeros((9, 48, 56), dtype=bool)
    volume[2:7, 5:45, 9:50] = rng.random((5, 40, 41)) > rng.uniform(0.35, 0.75)
    volume[4] = False
    return volume


def test_polygons_fill_back_to_the_volume_exactly() -> None:
    rng = np.random.default_rng(5)
    for _ in range(25):
        volume = _random_volume(rng)

        polygons = volume_polygons(volume)

        np.testing.assert_array_equal(polygons_fill(polygons, volume.shape), volume)
        assert {k for k, _ in polygons} == set(np.flatnonzero(volume.any(axis=(1, 2))))


def test_vertices_are_those_of_skimage_find_contours() -> None:
    rng = np.random.default_rng(8)
    for _ in range(10):
        volume = _random_volume(rng)

        polygons = volume_polygons(volume)

        for k in np.flatnonzero(volume.any(axis=(1, 2))):
            padded = np.pad(volume[k].astype(np.float32), 1)
            expected = {tuple(p - 1.0) for c in measure.find_contours(padded, 0.5) for p in c}
            ours = {tuple(p) for slice_, polygon in polygons if slice_ == k for p in polygon}
            # Ours keep only the corners; every one lies on skimage's outline.
            assert ours <= expected


def test_straight_runs_keep_only_their_corners() -> None:
    volume = np.zeros((1, 6, 7), dtype=bool)
    volume[0, 1:5, 2:6] = True  # a 4 x 4 square

    [(k, polygon)] = volume_polygons(volume)

    assert k == 0
    # Midpoints between inside and outside pixels, cut diagonally at the corners.
    assert {tuple(p) for p in polygon} == {
        (0.5, 2.0), (0.5, 5.0), (1.0, 5.5), (4.0, 5.5),
        (4.5, 5.0), (4.5, 2.0), (4.0, 1.5), (1.0, 1.5),
    }


def test_a_hole_and_an_island_in_it_are_three_rings() -> None:
    plane = np.zeros((11, 11), dtype=bool)
    plane[1:10, 1:10] = True
    plane[3:8, 3:8] = False
    plane[5, 5] = True

    polygons = volume_polygons(plane[None])

    assert len(polygons) == 3
    np.testing.assert_array_equal(polygons_fill(polygons, (1, 11, 11))[0], plane)


def test_an_empty_mask_has_no_polygons() -> None:
    assert volume_polygons(np.zeros((3, 4, 5), dtype=bool)) == []
