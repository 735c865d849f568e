"""RTSTRUCT: contours in patient space, holes and islands, round trip, dciodvfy."""

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from pydicom import Dataset, dcmread

from tests.workers.test_geometry import ORIENTATIONS
from workers.dicom_out import Algorithm, rtstruct_rasterise, rtstruct_write
from workers.geometry import series_sort
from workers.geometry.synthetic import series_build

SHAPE = (20, 64, 64)  # slices, rows, columns
SPACING = (2.5, 1.0, 1.0)
ORIGIN = (-31.5, -40.25, 12.75)
MODEL = Algorithm(name="ASSIST SegResNet", version="2026.1.0")
RING_SLICE, ISLANDS_SLICE = 8, 10


def reference_series(plane: str = "axial") -> list[Dataset]:
    row_dir, col_dir = ORIENTATIONS[plane]
    return series_build(np.zeros(SHAPE), spacing=SPACING, origin=ORIGIN, row_dir=row_dir,
                        col_dir=col_dir)


def _disc(centre: tuple[float, float], radius: float) -> np.ndarray:
    rows, columns = np.indices(SHAPE[1:])
    return (rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius**2


def structure_masks() -> dict[str, np.ndarray]:
    """Five structures with the shapes that break contour writers."""
    masks = {name: np.zeros(SHAPE, dtype=bool) for name in ("GTV", "Edema", "CTV", "PTV",
                                                            "Brain")}
    for k in range(5, 13):
        masks["GTV"][k] = _disc((30, 28), 9)
        masks["CTV"][k] = _disc((30, 28), 14)
        masks["PTV"][k] = _disc((30, 29), 17)
    masks["GTV"][RING_SLICE] &= ~_disc((30, 28), 4)  # necrotic core: a ring with a hole
    masks["Edema"][ISLANDS_SLICE] = _disc((15, 15), 6) | _disc((45, 50), 7)  # two islands
    masks["Edema"][ISLANDS_SLICE + 1] = _disc((45, 50), 5)
    masks["Edema"][ISLANDS_SLICE, 45, 50] = False  # a one-pixel hole inside an island
    for k in range(1, 19):
        # Wider than the image: the brain touches the image edge on every slice.
        masks["Brain"][k] = _disc((32, 32), 33 + k % 3)
    return masks


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return float(2 * (a & b).sum() / (a.sum() + b.sum()))


def dciodvfy(path: Path) -> str:
    assert shutil.which("dciodvfy"), "dciodvfy missing: install Debian dicom3tools"
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


@pytest.fixture
def reference() -> list[Dataset]:
    return reference_series()


@pytest.fixture
def written(reference: list[Dataset], tmp_path: Path) -> Dataset:
    """The RTSTRUCT as a planning system would read it: written to a file and read back."""
    rtstruct = rtstruct_write(reference=reference, masks=structure_masks(), algorithm=MODEL,
                              when=datetime(2026, 3, 4, 5, 6, 7))
    path = tmp_path / "rtstruct.dcm"
    rtstruct.save_as(path, enforce_file_format=True)
    return dcmread(path)


def test_round_trip_keeps_every_structure(written: Dataset, reference: list[Dataset]) -> None:
    masks = structure_masks()

    back = rtstruct_rasterise(written, reference)

    assert list(back) == list(masks)
    scores = {name: dice(back[name], masks[name]) for name in masks}
    assert all(score >= 0.98 for score in scores.values()), scores
    # Vertices midway between pixel centres reproduce the mask exactly, not just closely.
    for name in masks:
        np.testing.assert_array_equal(back[name], masks[name], err_msg=name)


def _contours_on(rtstruct: Dataset, roi_number: int, image_uid: str) -> list[Dataset]:
    roi = next(r for r in rtstruct.ROIContourSequence if r.ReferencedROINumber == roi_number)
    return [c for c in roi.ContourSequence
            if c.ContourImageSequence[0].ReferencedSOPInstanceUID == image_uid]


def test_hole_is_an_inner_contour_and_islands_are_separate_contours(
        written: Dataset, reference: list[Dataset]) -> None:
    uids = series_sort(reference).sop_instance_uids

    ring = _contours_on(written, 1, uids[RING_SLICE])
    islands = _contours_on(written, 2, uids[ISLANDS_SLICE])

    assert len(ring) == 2  # outer edge and the hole's edge
    assert len(islands) == 3  # two islands, one with a one-pixel hole
    assert all(c.ContourGeometricType == "CLOSED_PLANAR" for c in ring + islands)
    assert all(c.NumberOfContourPoints * 3 == len(c.ContourData) for c in ring + islands)


def test_contour_points_lie_on_the_referenced_axial_image(written: Dataset,
                                                          reference: list[Dataset]) -> None:
    z_of = {ds.SOPInstanceUID: float(ds.ImagePositionPatient[2]) for ds in reference}

    for roi in written.ROIContourSequence:
        for contour in roi.ContourSequence:
            points = np.asarray(contour.ContourData, dtype=float).reshape(-1, 3)
            image = contour.ContourImageSequence[0].ReferencedSOPInstanceUID
            np.testing.assert_allclose(points[:, 2], z_of[image], atol=1e-6)


def test_oblique_reference_round_trips_with_points_on_the_image_planes() -> None:
    reference = reference_series("oblique")
    masks = structure_masks()

    rtstruct = rtstruct_write(reference=reference, masks=masks, algorithm=MODEL)
    back = rtstruct_rasterise(rtstruct, reference)

    for name in masks:
        np.testing.assert_array_equal(back[name], masks[name], err_msg=name)
    by_uid = {ds.SOPInstanceUID: ds for ds in reference}
    for roi in rtstruct.ROIContourSequence:
        for contour in roi.ContourSequence:
            image = by_uid[contour.ContourImageSequence[0].ReferencedSOPInstanceUID]
            cosines = np.array([float(v) for v in image.ImageOrientationPatient])
            normal = np.cross(cosines[:3], cosines[3:])
            points = np.asarray(contour.ContourData, dtype=float).reshape(-1, 3)
            offset = points - [float(v) for v in image.ImagePositionPatient]
            np.testing.assert_allclose(offset @ normal, 0.0, atol=1e-5)


def test_header_describes_an_unapproved_automatic_structure_set(
        written: Dataset, reference: list[Dataset]) -> None:
    first = reference[0]

    assert written.SOPClassUID == "1.2.840.10008.5.1.4.1.1.481.3"
    assert written.Modality == "RTSTRUCT"
    assert written.ApprovalStatus == "UNAPPROVED"
    assert (written.PatientID, written.PatientName, written.StudyInstanceUID) == (
        first.PatientID, first.PatientName, first.StudyInstanceUID)
    assert written.SeriesInstanceUID != first.SeriesInstanceUID
    assert written.StructureSetDate == "20260304"
    names = [roi.ROIName for roi in written.StructureSetROISequence]
    assert names == ["GTV", "Edema", "CTV", "PTV", "Brain"]
    assert {roi.ROIGenerationAlgorithm for roi in written.StructureSetROISequence} == {
        "AUTOMATIC"}
    types = {o.ROIObservationLabel: o.RTROIInterpretedType
             for o in written.RTROIObservationsSequence}
    assert types == {"GTV": "GTV", "Edema": "CONTROL", "CTV": "CTV", "PTV": "PTV",
                     "Brain": "ORGAN"}
    frame = written.ReferencedFrameOfReferenceSequence[0]
    assert frame.FrameOfReferenceUID == first.FrameOfReferenceUID
    series = frame.RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == first.SeriesInstanceUID
    assert [i.ReferencedSOPInstanceUID for i in series.ContourImageSequence] == list(
        series_sort(reference).sop_instance_uids)


def test_collinear_vertices_are_dropped(reference: list[Dataset]) -> None:
    box = np.zeros(SHAPE, dtype=bool)
    box[4, 10:30, 20:50] = True

    rtstruct = rtstruct_write(reference=reference, masks={"GTV": box}, algorithm=MODEL)

    (contour,) = rtstruct.ROIContourSequence[0].ContourSequence
    # A pixel rectangle traced between pixel centres: four sides and four cut corners.
    assert contour.NumberOfContourPoints == 8


def test_empty_structure_has_no_contours(reference: list[Dataset]) -> None:
    rtstruct = rtstruct_write(reference=reference, masks={"PTV": np.zeros(SHAPE, dtype=bool)},
                              algorithm=MODEL)

    assert "ContourSequence" not in rtstruct.ROIContourSequence[0]
    assert not rtstruct_rasterise(rtstruct, reference)["PTV"].any()


def test_approved_needs_a_reviewer(reference: list[Dataset]) -> None:
    with pytest.raises(ValueError, match="needs the reviewer's name"):
        rtstruct_write(reference=reference, masks=structure_masks(), algorithm=MODEL,
                       approval="APPROVED")

    approved = rtstruct_write(reference=reference, masks=structure_masks(), algorithm=MODEL,
                              approval="APPROVED", reviewer_name="Curie^Marie")
    assert (approved.ApprovalStatus, approved.ReviewerName) == ("APPROVED", "Curie^Marie")


def test_mask_off_the_reference_grid_is_refused(reference: list[Dataset]) -> None:
    with pytest.raises(ValueError, match=r"Mask 'GTV' has shape \(20, 64, 63\)"):
        rtstruct_write(reference=reference, masks={"GTV": np.zeros((20, 64, 63), dtype=bool)},
                       algorithm=MODEL)


def test_dciodvfy_finds_no_errors(reference: list[Dataset], tmp_path: Path) -> None:
    path = tmp_path / "rtstruct.dcm"
    for approval, reviewer in (("UNAPPROVED", ""), ("APPROVED", "Curie^Marie")):
        rtstruct_write(reference=reference, masks=structure_masks(), algorithm=MODEL,
                       approval=approval, reviewer_name=reviewer).save_as(
            path, enforce_file_format=True)

        report = dciodvfy(path)

        assert not [line for line in report.splitlines() if "Error" in line], report
