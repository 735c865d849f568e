"""Series -> volume: slice order, affine and refusals, for every acquisition plane."""

import random

import numpy as np
import pytest
from highdicom.legacy import LegacyConvertedEnhancedMRImage
from pydicom.uid import generate_uid

from workers.geometry import GeometryError, series_sort, volume_from_datasets
from workers.geometry.synthetic import series_build


def _rotation(degrees_x: float, degrees_y: float, degrees_z: float) -> np.ndarray:
    ax, ay, az = np.radians([degrees_x, degrees_y, degrees_z])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


_OBLIQUE = _rotation(20.0, -12.0, 35.0)

# (row direction, column direction) as a scanner writes ImageOrientationPatient.
ORIENTATIONS = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "oblique": (tuple(_OBLIQUE[:, 0]), tuple(_OBLIQUE[:, 1])),
}
SPACING = (3.0, 0.9, 1.1)  # slice, row, column (mm): all different, so swaps show
ORIGIN = (-87.25, 103.5, -41.75)


def _pixels(shape: tuple[int, int, int] = (12, 20, 24)) -> np.ndarray:
    return np.arange(np.prod(shape), dtype=np.uint16).reshape(shape)


@pytest.mark.parametrize("plane", sorted(ORIENTATIONS))
def test_shuffled_slices_are_sorted_along_the_normal(plane: str) -> None:
    row_dir, col_dir = ORIENTATIONS[plane]
    pixels = _pixels()
    datasets = series_build(pixels, spacing=SPACING, origin=ORIGIN, row_dir=row_dir,
                            col_dir=col_dir)
    built_order = [ds.SOPInstanceUID for ds in datasets]
    random.Random(7).shuffle(datasets)

    volume = volume_from_datasets(datasets)

    assert volume.sop_instance_uids == tuple(built_order)
    np.testing.assert_array_equal(volume.array, pixels.astype(np.float32))
    assert volume.spacing == pytest.approx(SPACING, abs=1e-6)
    assert volume.frame_of_reference_uid == datasets[0].FrameOfReferenceUID


@pytest.mark.parametrize("plane", sorted(ORIENTATIONS))
def test_affine_maps_each_slice_origin_to_its_image_position(plane: str) -> None:
    row_dir, col_dir = ORIENTATIONS[plane]
    datasets = series_build(_pixels(), spacing=SPACING, origin=ORIGIN, row_dir=row_dir,
                            col_dir=col_dir)
    random.Random(3).shuffle(datasets)

    series = series_sort(datasets)

    for k, ds in enumerate(series.datasets):
        mapped = series.affine @ np.array([k, 0, 0, 1.0])
        np.testing.assert_allclose(mapped[:3], [float(v) for v in ds.ImagePositionPatient],
                                   atol=1e-5)


@pytest.mark.parametrize("plane", sorted(ORIENTATIONS))
def test_known_voxel_lands_at_its_patient_position(plane: str) -> None:
    row_dir, col_dir = ORIENTATIONS[plane]
    pixels = np.zeros((12, 20, 24), dtype=np.uint16)
    pixels[7, 4, 17] = 1000
    datasets = series_build(pixels, spacing=SPACING, origin=ORIGIN, row_dir=row_dir,
                            col_dir=col_dir)
    # Where the bright voxel is in the patient, worked out from the acquisition parameters.
    row, col = np.array(row_dir), np.array(col_dir)
    expected = (np.array(ORIGIN) + 7 * SPACING[0] * np.cross(row, col)
                + 4 * SPACING[1] * col + 17 * SPACING[2] * row)

    volume = volume_from_datasets(list(reversed(datasets)))

    bright = np.argwhere(volume.array == 1000)
    np.testing.assert_allclose(volume.index_to_patient(bright[0]), expected, atol=1e-5)
    np.testing.assert_allclose(volume.patient_to_index(expected), [7, 4, 17], atol=1e-5)


def test_rescale_slope_and_intercept_are_applied() -> None:
    datasets = series_build(np.full((3, 4, 4), 100, dtype=np.uint16))
    for ds in datasets:
        ds.RescaleSlope = "0.5"
        ds.RescaleIntercept = "-20"

    volume = volume_from_datasets(datasets)

    assert volume.array.dtype == np.float32
    np.testing.assert_array_equal(volume.array, np.full((3, 4, 4), 30.0))


def _axial_with_positions(z_positions: list[float], shift_per_mm: float = 0.0) -> list:
    positions = [(10.0, -5.0 + shift_per_mm * z, z) for z in z_positions]
    return series_build(np.zeros((len(z_positions), 8, 8)), positions=positions)


def test_uneven_spacing_is_refused_with_the_spacings() -> None:
    datasets = _axial_with_positions([0.0, 3.0, 6.0, 10.5, 13.5])

    with pytest.raises(GeometryError) as refused:
        volume_from_datasets(datasets)

    assert str(refused.value) == (
        "Slice spacing varies from 3.00 to 4.50 mm; the series cannot be used as one volume."
    )


def test_missing_slice_is_named() -> None:
    datasets = _axial_with_positions([0.0, 3.0, 6.0, 12.0, 15.0])

    with pytest.raises(GeometryError, match=r"^1 slice is missing between 6.00 and 12.00"):
        volume_from_datasets(datasets)


def test_spacing_within_rounding_is_accepted() -> None:
    datasets = _axial_with_positions([0.0, 3.001, 6.0, 8.998, 12.0])

    assert volume_from_datasets(datasets).spacing[0] == pytest.approx(3.0)


def test_gantry_tilt_is_refused() -> None:
    # 15 degrees: each slice shifts tan(15 deg) mm in y per mm along z.
    datasets = _axial_with_positions([0.0, 3.0, 6.0, 9.0], shift_per_mm=float(np.tan(0.2618)))

    with pytest.raises(GeometryError, match="gantry tilt of about 15.0 degrees"):
        volume_from_datasets(datasets)


def test_duplicate_position_is_refused() -> None:
    datasets = _axial_with_positions([0.0, 3.0, 3.0, 6.0])

    with pytest.raises(GeometryError, match="lie at the same position, 3.00 mm"):
        volume_from_datasets(datasets)


def test_mixed_orientation_is_refused() -> None:
    datasets = series_build(np.zeros((4, 8, 8)))
    datasets[2].ImageOrientationPatient = [0, 1, 0, 0, 0, -1]

    with pytest.raises(GeometryError, match="do not share one orientation"):
        volume_from_datasets(datasets)


def test_mixed_pixel_spacing_is_refused() -> None:
    datasets = series_build(np.zeros((4, 8, 8)))
    datasets[1].PixelSpacing = [1.0, 1.2]

    with pytest.raises(GeometryError, match=r"Pixel spacing differs between images \(1 x 1 and"):
        volume_from_datasets(datasets)


def test_single_image_is_refused() -> None:
    with pytest.raises(GeometryError, match="needs at least two slices"):
        volume_from_datasets(series_build(np.zeros((1, 8, 8))))


def test_missing_position_is_refused() -> None:
    datasets = series_build(np.zeros((3, 8, 8)))
    del datasets[1].ImagePositionPatient

    with pytest.raises(GeometryError, match="lacks ImagePositionPatient"):
        volume_from_datasets(datasets)


def test_an_enhanced_multi_frame_object_is_refused_with_what_to_ask_for() -> None:
    classic = series_build(np.zeros((6, 8, 8), dtype=np.uint16))
    for number, ds in enumerate(classic, start=1):
        ds.Modality, ds.InstanceNumber, ds.StudyDate = "MR", number, "20260101"
    enhanced = LegacyConvertedEnhancedMRImage(
        legacy_datasets=classic, series_instance_uid=generate_uid(), series_number=40,
        sop_instance_uid=generate_uid(), instance_number=1,
    )  # fmt: skip

    with pytest.raises(GeometryError, match="6 frames in one enhanced .multi-frame. MR object"):
        volume_from_datasets([enhanced])
