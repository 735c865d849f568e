"""DICOM SEG: exact decode, segment descriptions, dciodvfy."""

from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from pydicom import Dataset

from tests.workers.test_rtstruct import (
    MODEL,
    SHAPE,
    dciodvfy,
    reference_series,
    structure_masks,
)
from workers.dicom_out import seg_write
from workers.geometry import series_sort


@pytest.fixture
def reference() -> list[Dataset]:
    return reference_series()


@pytest.fixture
def seg_path(reference: list[Dataset], tmp_path: Path) -> Path:
    path = tmp_path / "seg.dcm"
    seg_write(reference=reference, masks=structure_masks(), algorithm=MODEL,
              series_description="AI proposal").save_as(path, enforce_file_format=True)
    return path


def test_segments_decode_to_the_same_masks(seg_path: Path, reference: list[Dataset]) -> None:
    masks = structure_masks()
    seg = hd.seg.segread(seg_path)

    pixels = seg.get_pixels_by_source_instance(
        source_sop_instance_uids=list(series_sort(reference).sop_instance_uids),
        segment_numbers=[1, 2, 3, 4, 5],
    )

    assert pixels.shape == (*SHAPE, 5)
    for number, name in enumerate(masks):
        np.testing.assert_array_equal(pixels[..., number].astype(bool), masks[name],
                                      err_msg=name)


def test_oblique_reference_with_an_empty_structure_decodes_exactly(tmp_path: Path) -> None:
    reference = reference_series("oblique")
    masks = structure_masks()
    masks["PTV"][:] = False
    path = tmp_path / "seg.dcm"
    seg_write(reference=reference, masks=masks, algorithm=MODEL).save_as(
        path, enforce_file_format=True)

    pixels = hd.seg.segread(path).get_pixels_by_source_instance(
        source_sop_instance_uids=list(series_sort(reference).sop_instance_uids),
        segment_numbers=[1, 2, 3, 4, 5],
    )

    for number, name in enumerate(masks):
        np.testing.assert_array_equal(pixels[..., number].astype(bool), masks[name],
                                      err_msg=name)


def test_segments_are_described_for_viewers_and_planning(seg_path: Path) -> None:
    seg = hd.seg.segread(seg_path)

    described = [
        (s.SegmentNumber, s.SegmentLabel, s.SegmentedPropertyCategoryCodeSequence[0].CodeValue,
         s.SegmentedPropertyTypeCodeSequence[0].CodeValue, s.SegmentAlgorithmType)
        for s in seg.SegmentSequence
    ]
    assert described == [
        (1, "GTV", "130041", "228791009", "AUTOMATIC"),
        (2, "Edema", "49755003", "79654002", "AUTOMATIC"),
        (3, "CTV", "130041", "228792002", "AUTOMATIC"),
        (4, "PTV", "130041", "228793007", "AUTOMATIC"),
        (5, "Brain", "91723000", "12738006", "AUTOMATIC"),
    ]
    algorithm = seg.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0]
    assert (algorithm.AlgorithmName, algorithm.AlgorithmVersion) == (MODEL.name, MODEL.version)
    assert seg.SegmentationType == "BINARY"
    assert seg.SeriesDescription == "AI proposal"
    assert all("RecommendedDisplayCIELabValue" in s for s in seg.SegmentSequence)


def test_seg_shares_the_reference_study_and_frame(seg_path: Path,
                                                  reference: list[Dataset]) -> None:
    seg = hd.seg.segread(seg_path)

    assert seg.StudyInstanceUID == reference[0].StudyInstanceUID
    assert seg.FrameOfReferenceUID == reference[0].FrameOfReferenceUID
    assert seg.PatientID == reference[0].PatientID
    assert seg.SeriesInstanceUID != reference[0].SeriesInstanceUID


def test_unknown_structure_is_refused(reference: list[Dataset]) -> None:
    with pytest.raises(ValueError, match="No structure definition for Tumour"):
        seg_write(reference=reference, masks={"Tumour": np.zeros(SHAPE, dtype=bool)},
                  algorithm=MODEL)


def test_dciodvfy_finds_no_errors(seg_path: Path) -> None:
    report = dciodvfy(seg_path)

    assert not [line for line in report.splitlines() if "Error" in line], report
