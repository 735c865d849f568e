"""Resampling onto another grid through patient coordinates."""

import numpy as np
import pytest

from tests.workers.test_geometry import ORIENTATIONS
from workers.geometry import GeometryError, Volume, resample_to, volume_from_datasets
from workers.geometry.synthetic import series_build

FRAME = "1.2.826.0.1.3680043.8.498.1"


def _smooth(points: np.ndarray) -> np.ndarray:
    """A smooth function of patient position (LPS mm), so interpolation error is small."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return 100 + 20 * np.sin(x / 17.0) + 15 * np.cos(y / 23.0) + 10 * np.sin(z / 19.0 + 0.3)


def _grid_points(shape: tuple[int, int, int], affine: np.ndarray) -> np.ndarray:
    index = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), axis=-1)
    return index @ affine[:3, :3].T + affine[:3, 3]


def _sampled_volume(shape: tuple[int, int, int], spacing: tuple[float, float, float],
                    centre: tuple[float, float, float], plane: str) -> Volume:
    """A DICOM series centred on ``centre`` storing the smooth function at each voxel centre."""
    row_dir, col_dir = ORIENTATIONS[plane]
    axes = np.array([np.cross(row_dir, col_dir), col_dir, row_dir])  # slice, row, column
    half_extent = (np.array(shape) - 1) / 2 * np.array(spacing)
    origin = tuple(np.array(centre) - half_extent @ axes)
    template = series_build(np.zeros(shape), spacing=spacing, origin=origin, row_dir=row_dir,
                            col_dir=col_dir, frame_of_reference_uid=FRAME)
    empty = volume_from_datasets(template)
    # Stored as uint16 with RescaleSlope 0.01: the quantisation (0.005) is far below tolerance.
    stored = np.round(_smooth(_grid_points(shape, empty.affine)) * 100).astype(np.uint16)
    datasets = series_build(stored, spacing=spacing, origin=origin, row_dir=row_dir,
                            col_dir=col_dir, frame_of_reference_uid=FRAME)
    for ds in datasets:
        ds.RescaleSlope = "0.01"
        ds.RescaleIntercept = "0"
    return volume_from_datasets(datasets)


@pytest.mark.parametrize("plane", ["sagittal", "coronal", "oblique"])
def test_resampling_onto_an_axial_grid_reproduces_a_smooth_function(plane: str) -> None:
    source = _sampled_volume((40, 48, 44), (2.0, 1.2, 1.0), (3.0, -4.0, 5.0), plane)
    reference = _sampled_volume((20, 30, 32), (2.5, 1.5, 1.3), (0.0, 0.0, 0.0), "axial")

    resampled = resample_to(source, reference, fill=np.nan)

    points = _grid_points(reference.shape, reference.affine)
    # Compare where the source has samples on both sides (between its outermost voxel centres).
    where = source.patient_to_index(points)
    inside = np.all((where >= 0) & (where <= np.array(source.shape) - 1), axis=-1)
    assert inside.mean() > 0.3  # the grids overlap substantially; we compare real samples
    error = np.abs(resampled.array - _smooth(points))[inside]
    assert error.max() < 0.08, f"max error {error.max():.3f} on values spanning ~90"
    assert error.mean() < 0.03
    np.testing.assert_array_equal(resampled.affine, reference.affine)
    assert resampled.sop_instance_uids == reference.sop_instance_uids


def test_resampling_onto_its_own_grid_is_the_identity_including_borders() -> None:
    volume = _sampled_volume((6, 10, 12), (3.0, 0.9, 1.1), (1.0, 2.0, 3.0), "oblique")

    resampled = resample_to(volume, volume, fill=-1.0)

    np.testing.assert_allclose(resampled.array, volume.array, atol=1e-4)


def test_label_maps_resample_by_nearest_neighbour() -> None:
    labels = np.zeros((10, 16, 16), dtype=np.uint8)
    labels[2:8, 4:12, 4:12] = 1
    labels[4:6, 6:10, 6:10] = 2
    affine = np.diag([2.0, 1.0, 1.0, 1.0])
    volume = Volume(labels, affine, (2.0, 1.0, 1.0), ("a",) * 10, FRAME)
    finer = Volume(np.zeros((20, 32, 32)), np.diag([1.0, 0.5, 0.5, 1.0]), (1.0, 0.5, 0.5),
                   ("b",) * 20, FRAME)

    resampled = resample_to(volume, finer, nearest=True)

    assert resampled.array.dtype == np.uint8
    assert set(np.unique(resampled.array)) == {0, 1, 2}
    # Every second sample of the finer grid lies on an original voxel centre.
    np.testing.assert_array_equal(resampled.array[::2, ::2, ::2], labels)


def test_different_frames_of_reference_are_refused() -> None:
    volume = Volume(np.zeros((2, 2, 2)), np.eye(4), (1.0, 1.0, 1.0), ("a", "b"), FRAME)
    other = Volume(np.zeros((2, 2, 2)), np.eye(4), (1.0, 1.0, 1.0), ("c", "d"), FRAME + ".9")

    with pytest.raises(GeometryError, match="different frames of reference"):
        resample_to(volume, other)


def _affine_oracle(source: Volume, reference: Volume, fill: float) -> np.ndarray:
    """ndimage's general trilinear map, with the edge padding resample_to documents."""
    from scipy import ndimage

    combined = np.linalg.inv(source.affine) @ reference.affine
    return ndimage.affine_transform(
        np.pad(source.array, 1, mode="edge").astype(np.float32), combined[:3, :3],
        offset=combined[:3, 3] + 1.0, output_shape=reference.shape, order=1, mode="constant",
        cval=fill, prefilter=False)  # fmt: skip


@pytest.mark.parametrize("axes", [(0, 1, 2), (1, 0, 2), (2, 0, 1), (1, 2, 0)])
@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_grids_sharing_their_axes_give_the_general_maps_values(
    axes: tuple[int, int, int], flip: float
) -> None:
    """Axial onto axial (or a transposed, flipped copy) takes the separable path: same values
    and the same samples outside as the general affine map."""
    rng = np.random.default_rng(7)
    source_affine = np.eye(4)
    source_affine[:3, :3] = np.diag([3.0, 1.1, 0.9])
    source_affine[:3, 3] = (-4.0, 2.0, 1.0)
    source = Volume(array=rng.random((18, 24, 26)).astype(np.float32), affine=source_affine,
                    spacing=(3.0, 1.1, 0.9), sop_instance_uids=(), frame_of_reference_uid=FRAME)
    reference_affine = np.eye(4)
    scales = np.diag([2.2, 1.3, 0.7])
    reference_affine[:3, :3] = scales[:, list(axes)] * np.array([1.0, flip, 1.0])
    reference_affine[:3, 3] = (10.0, 20.0, 5.0) if flip < 0 else (-6.0, 1.0, 0.0)
    reference = Volume(array=np.zeros((25, 30, 20)), affine=reference_affine,
                       spacing=(1.0, 1.0, 1.0), sop_instance_uids=(), frame_of_reference_uid=FRAME)

    resampled = resample_to(source, reference, fill=np.nan).array
    expected = _affine_oracle(source, reference, np.nan)

    np.testing.assert_array_equal(np.isnan(resampled), np.isnan(expected))
    assert (~np.isnan(expected)).mean() > 0.05  # the grids overlap: real samples compared
    np.testing.assert_allclose(resampled, expected, atol=1e-5, equal_nan=True)
