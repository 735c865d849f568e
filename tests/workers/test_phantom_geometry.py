"""Slice geometry in patient coordinates, shared frame of reference, label affine."""

from typing import cast

import nibabel as nib
import numpy as np
import pydicom
import pytest

from workers.phantoms import CLINICAL, SMALL, Phantom, PhantomFiles, Sequence, make_phantom


def _read(files: PhantomFiles, sequence: Sequence) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(path) for path in files.series[sequence]]


@pytest.mark.parametrize("sequence", list(Sequence))
def test_slices_are_axial_and_step_along_the_normal_by_the_spacing(
    small_study: PhantomFiles, sequence: Sequence
) -> None:
    slices = _read(small_study, sequence)
    grid = SMALL.of(sequence)
    assert len(slices) == grid.slices
    for ds in slices:
        assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
        assert [float(v) for v in ds.PixelSpacing] == [grid.pixel_spacing] * 2
        assert (ds.Rows, ds.Columns) == (grid.rows, grid.columns)
        assert float(ds.SliceThickness) == grid.slice_thickness
        assert float(ds.SpacingBetweenSlices) == grid.slice_spacing
    positions = np.array([[float(v) for v in ds.ImagePositionPatient] for ds in slices])
    normal = np.cross([1, 0, 0], [0, 1, 0])
    steps = np.diff(positions, axis=0)
    np.testing.assert_allclose(steps, np.tile(normal * grid.slice_spacing, (len(steps), 1)),
                               atol=1e-4)
    assert [int(ds.InstanceNumber) for ds in slices] == list(range(1, len(slices) + 1))
    np.testing.assert_allclose([float(ds.SliceLocation) for ds in slices], positions[:, 2],
                               atol=1e-4)


def test_all_series_share_study_and_frame_of_reference(small_study: PhantomFiles,
                                                      small_phantom: Phantom) -> None:
    headers = [ds for sequence in Sequence for ds in _read(small_study, sequence)]
    assert {ds.StudyInstanceUID for ds in headers} == {small_phantom.identity.study_uid}
    assert {ds.FrameOfReferenceUID for ds in headers} == {
        small_phantom.identity.frame_of_reference_uid
    }
    assert len({ds.SeriesInstanceUID for ds in headers}) == 4
    assert len({ds.SOPInstanceUID for ds in headers}) == len(headers)


def test_label_affine_is_the_t1c_dicom_geometry_in_ras(small_study: PhantomFiles) -> None:
    slices = _read(small_study, Sequence.T1C)
    first = slices[0]
    row, column = (np.array([float(v) for v in first.ImageOrientationPatient[i:i + 3]])
                   for i in (0, 3))
    row_spacing, column_spacing = (float(v) for v in first.PixelSpacing)
    origin = np.array([float(v) for v in first.ImagePositionPatient])
    second = np.array([float(v) for v in slices[1].ImagePositionPatient])
    lps = np.eye(4)
    lps[:3, 0] = row * column_spacing
    lps[:3, 1] = column * row_spacing
    lps[:3, 2] = second - origin
    lps[:3, 3] = origin
    expected = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps

    labels = cast(nib.Nifti1Image, nib.load(small_study.labels))
    np.testing.assert_allclose(labels.affine, expected, atol=1e-4)
    assert labels.shape == (first.Columns, first.Rows, len(slices))
    assert labels.header.get_sform(coded=True)[1] == 1


def test_label_voxels_match_pixels_of_the_t1c_slices(small_study: PhantomFiles,
                                                     small_phantom: Phantom) -> None:
    """labels.nii.gz[i, j, k] describes pixel (row j, column i) of T1C instance k + 1."""
    data = np.asarray(cast(nib.Nifti1Image, nib.load(small_study.labels)).dataobj)
    np.testing.assert_array_equal(data.transpose(2, 1, 0), small_phantom.labels)


def test_clinical_grid_has_thin_t1c_and_thicker_2d_series() -> None:
    small_phantom = make_phantom(2, site="lund", grid=CLINICAL)
    t1c = small_phantom.series[Sequence.T1C].geometry
    assert t1c.shape == (120, 256, 256)
    assert t1c.pixel_spacing == (1.0, 1.0) and t1c.slice_spacing == 1.5
    for sequence in (Sequence.T1, Sequence.T2, Sequence.FLAIR):
        geometry = small_phantom.series[sequence].geometry
        assert geometry.slice_thickness >= 4.0
        assert geometry.shape[1:] != t1c.shape[1:]
    assert set(np.unique(small_phantom.labels)) == {0, 1, 2, 3}
