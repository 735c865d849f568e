"""The whole in-memory pipeline on one SMALL phantom study: images in, SEG and RTSTRUCT out."""

from io import BytesIO
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from pydicom import Dataset

from tests.workers.test_rtstruct import dciodvfy
from workers.dicom_out import rtstruct_rasterise
from workers.geometry import series_sort
from workers.gpu.bundle import Bundle
from workers.gpu.dice import dice
from workers.gpu.phantom_cases import truth_masks
from workers.gpu.pipeline import study_contour
from workers.gpu.results import StudyResult
from workers.gpu.targets import ORDER, Margins
from workers.gpu.uids import result_uids
from workers.phantoms import Phantom

UIDS = result_uids(study_uid="1.2.3", job_id=7, model_sha256="ab" * 32)


@pytest.fixture(scope="module")
def result(study_series: dict[str, list[Dataset]], demo_bundle: Bundle) -> StudyResult:
    stages: list[tuple[int, str]] = []
    out = study_contour(study_series, demo_bundle, margins=Margins(ctv_mm=15.0, ptv_mm=3.0),
                        uids=UIDS, progress=lambda percent, stage: stages.append((percent,
                                                                                  stage)))
    assert [stage for _, stage in stages] == ["preparing", "segmenting", "contouring"]
    assert [percent for percent, _ in stages] == sorted(percent for percent, _ in stages)
    return out


def _seg_masks(seg: Dataset, reference: list[Dataset]) -> dict[str, np.ndarray]:
    """Segment masks decoded from the SEG's bytes, slice order of the reference series."""
    buffer = BytesIO()
    seg.save_as(buffer, enforce_file_format=True)
    decoded = hd.seg.segread(BytesIO(buffer.getvalue()))
    pixels = decoded.get_pixels_by_source_instance(
        source_sop_instance_uids=list(series_sort(reference).sop_instance_uids),
        segment_numbers=list(range(1, len(ORDER) + 1)),
    )
    return {name: pixels[..., k].astype(bool) for k, name in enumerate(ORDER)}


def test_objects_hold_the_five_structures_under_the_job_uids(result: StudyResult) -> None:
    assert [s.SegmentLabel for s in result.seg.SegmentSequence] == list(ORDER)
    assert [r.ROIName for r in result.rtstruct.StructureSetROISequence] == list(ORDER)
    assert result.seg.SOPInstanceUID == UIDS.seg_sop
    assert result.seg.SeriesInstanceUID == UIDS.seg_series
    assert result.rtstruct.SOPInstanceUID == UIDS.rtstruct_sop
    assert result.rtstruct.SeriesInstanceUID == UIDS.rtstruct_series
    assert result.rtstruct.ApprovalStatus == "UNAPPROVED"
    assert list(result.volumes_ml) == list(ORDER)


def test_structures_nest_and_match_the_truth(result: StudyResult, phantom: Phantom,
                                             study_series: dict[str, list[Dataset]]) -> None:
    masks = _seg_masks(result.seg, study_series["T1c"])
    gtv, ctv, ptv, brain = masks["GTV"], masks["CTV"], masks["PTV"], masks["Brain"]
    assert gtv.any()
    assert not (gtv & ~ctv).any(), "CTV must contain the GTV"
    assert not (ctv & ~ptv).any(), "PTV must contain the CTV"
    assert not (ctv & ~brain).any(), "CTV must stay inside the brain"
    assert not (gtv & ~masks["Edema"]).any(), "Edema includes the GTV"
    truth = truth_masks(phantom)
    assert dice(gtv, truth["TC"]) >= 0.85
    assert dice(masks["Edema"], truth["WT"]) >= 0.85
    assert dice(brain, truth["Brain"]) >= 0.9


def test_rtstruct_contours_agree_with_the_seg(result: StudyResult, phantom: Phantom,
                                              study_series: dict[str, list[Dataset]]) -> None:
    seg = _seg_masks(result.seg, study_series["T1c"])
    drawn = rtstruct_rasterise(result.rtstruct, study_series["T1c"])
    for name in ORDER:
        assert dice(drawn[name], seg[name]) >= 0.98, name


def test_a_second_run_gives_the_same_objects(result: StudyResult, demo_bundle: Bundle,
                                             study_series: dict[str, list[Dataset]]) -> None:
    again = study_contour(study_series, demo_bundle, margins=Margins(), uids=UIDS)
    assert again.seg.SOPInstanceUID == result.seg.SOPInstanceUID
    assert again.seg.PixelData == result.seg.PixelData
    assert again.volumes_ml == result.volumes_ml


@pytest.mark.parametrize("kind", ["seg", "rtstruct"])
def test_dciodvfy_finds_no_errors(result: StudyResult, kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.dcm"
    getattr(result, kind).save_as(path, enforce_file_format=True)
    report = dciodvfy(path)
    assert not [line for line in report.splitlines() if "Error" in line], report
