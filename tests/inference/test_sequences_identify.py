"""Sequence identification on the phantom studies of every site and on hand-made edge cases."""

from pathlib import Path

import pydicom
import pytest
from highdicom.legacy import LegacyConvertedEnhancedMRImage
from pydicom.datadict import tag_for_keyword
from pydicom.uid import generate_uid

from workers.phantoms import PROFILES, Sequence, make_phantom, write_phantom_study
from workers.sequences import (
    SequenceKind,
    SeriesAttributes,
    sequences_identify,
    series_classify,
)

KIND_OF = {
    Sequence.T1: SequenceKind.T1,
    Sequence.T1C: SequenceKind.T1C,
    Sequence.T2: SequenceKind.T2,
    Sequence.FLAIR: SequenceKind.FLAIR,
}


@pytest.mark.parametrize("site", sorted(PROFILES))
def test_every_site_s_phantom_study_is_identified(site: str, tmp_path: Path) -> None:
    phantom = make_phantom(4, site=site, grid="small")
    files = write_phantom_study(phantom, tmp_path)
    attributes = [
        SeriesAttributes.from_dataset(pydicom.dcmread(paths[0]), num_images=len(paths))
        for paths in files.series.values()
    ]

    mapping = sequences_identify(attributes)

    assert mapping.missing == []
    expected = {KIND_OF[seq].value: uid for seq, uid in phantom.identity.series_uids.items()}
    assert mapping.series_uids() == expected
    assert "contrast agent" in mapping.chosen[SequenceKind.T1C].reason


def test_dicom_json_gives_the_same_attributes_as_the_dataset(tmp_path: Path) -> None:
    files = write_phantom_study(make_phantom(4, site="umea", grid="small"), tmp_path)
    ds = pydicom.dcmread(files.series[Sequence.FLAIR][0])

    assert SeriesAttributes.from_dicom_json(ds.to_json_dict()) == SeriesAttributes.from_dataset(ds)


def _series(uid: str, **kwargs: object) -> SeriesAttributes:
    defaults: dict[str, object] = {"num_images": 30, "image_type": ("ORIGINAL", "PRIMARY")}
    return SeriesAttributes(series_instance_uid=uid, **{**defaults, **kwargs})  # type: ignore[arg-type]


def test_physics_decides_when_the_name_says_nothing() -> None:
    t1 = _series("1", description="SE 2D", repetition_time=520, echo_time=12)
    t2 = _series("2", description="TSE", repetition_time=4500, echo_time=100)
    flair = _series("3", description="TIR", scanning_sequence=("SE", "IR"),
                    repetition_time=9000, echo_time=90, inversion_time=2500)  # fmt: skip
    t1c = _series("4", description="3D GRE", acquisition_type="3D", repetition_time=8,
                  echo_time=3, inversion_time=450, scanning_sequence=("GR", "IR"),
                  contrast_volume=7.5)  # fmt: skip

    kinds = [series_classify(s).kind for s in (t1, t2, flair, t1c)]

    assert kinds == [SequenceKind.T1, SequenceKind.T2, SequenceKind.FLAIR, SequenceKind.T1C]


def test_the_name_alone_is_enough_when_timing_is_missing() -> None:
    verdict = series_classify(_series("1", description="MPRAGE POST GD"))

    assert (verdict.kind, verdict.strength) == (SequenceKind.T1C, 2)
    assert "named as post-contrast" in verdict.reason


def test_physics_wins_over_a_misleading_name_and_says_so() -> None:
    verdict = series_classify(
        _series("1", description="T1 AX", repetition_time=5000, echo_time=110)
    )

    assert verdict.kind == SequenceKind.T2
    assert "named like T1, but timing says T2" in verdict.reason


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("T1 AX +C", SequenceKind.T1C),
        ("AX T1 BRAVO +C", SequenceKind.T1C),
        ("T1W_3D_TFE +C", SequenceKind.T1C),
        ("t1_mprage_sag_p2_iso POST", SequenceKind.T1C),
        ("T1 PRE", SequenceKind.T1),
        ("AX T1 FLAIR", SequenceKind.T1),
        ("t2_tirm_tra_dark-fluid", SequenceKind.FLAIR),
        ("FLAIR", SequenceKind.FLAIR),
        ("T2 TSE", SequenceKind.T2),
        ("T2W", SequenceKind.T2),
    ],
)
def test_vendor_names(description: str, kind: SequenceKind) -> None:
    assert series_classify(_series("1", description=description)).kind == kind


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"description": "3-Plane Loc"}, "not one of the four"),
        ({"description": "AX DWI b1000"}, "not one of the four"),
        ({"description": "T2* GRE"}, "not one of the four"),
        ({"description": "T1 MPR COR"}, "not one of the four"),
        ({"description": "T1 AX", "image_type": ("DERIVED", "SECONDARY")}, "derived"),
        ({"description": "T1 AX", "num_images": 3}, "only 3 image(s)"),
        ({"description": "T1 AX", "modality": "CT"}, "CT, not MR"),
    ],
)
def test_localizers_derived_and_other_series_are_ignored(changes: dict, why: str) -> None:
    verdict = series_classify(_series("1", **changes))

    assert verdict.kind == SequenceKind.UNKNOWN
    assert why in verdict.reason


def test_of_several_post_contrast_t1_the_3d_wins() -> None:
    axial = _series("2d", description="T1 AX +C", num_images=30, series_number=8)
    volume = _series("3d", description="T1 3D +C", acquisition_type="3D", num_images=176,
                     series_number=9)  # fmt: skip

    mapping = sequences_identify([axial, volume])

    assert mapping.chosen[SequenceKind.T1C].series_instance_uid == "3d"
    assert "best of 2 candidates, 3D" in mapping.chosen[SequenceKind.T1C].reason
    assert mapping.missing == [SequenceKind.T1, SequenceKind.T2, SequenceKind.FLAIR]


def test_a_study_without_flair_reports_it_missing() -> None:
    mapping = sequences_identify([_series("1", description="T1"), _series("2", description="T2")])

    assert mapping.missing == [SequenceKind.T1C, SequenceKind.FLAIR]


def test_an_enhanced_multi_frame_series_is_ignored_with_what_to_ask_for(tmp_path: Path) -> None:
    phantom = make_phantom(4, site="default", grid="small")
    files = write_phantom_study(phantom, tmp_path)
    classic = [pydicom.dcmread(p) for p in files.series[Sequence.T1C]]
    enhanced = LegacyConvertedEnhancedMRImage(
        legacy_datasets=classic, series_instance_uid=generate_uid(), series_number=40,
        sop_instance_uid=generate_uid(), instance_number=1,
    )  # fmt: skip

    from_dataset = series_classify(SeriesAttributes.from_dataset(enhanced, num_images=1))
    from_json = series_classify(
        SeriesAttributes.from_dicom_json(enhanced.to_json_dict(), num_images=1)
    )

    assert from_dataset.kind == from_json.kind == SequenceKind.UNKNOWN
    assert from_dataset.reason == from_json.reason
    assert f"{len(classic)} frames in one enhanced (multi-frame) MR object" in from_json.reason
    assert "classic single-frame MR images" in from_json.reason


def test_non_finite_numbers_in_the_metadata_count_as_absent() -> None:
    def element(keyword: str, value: object) -> tuple[str, dict[str, object]]:
        return f"{tag_for_keyword(keyword):08X}", {"vr": "DS", "Value": [value]}

    body = dict(
        element(keyword, value)
        for keyword, value in [
            ("SeriesInstanceUID", "1.2.3"),
            ("SeriesNumber", "nan"),
            ("NumberOfFrames", "inf"),
            ("RepetitionTime", "nan"),
            ("EchoTime", "-inf"),
        ]
    )

    attributes = SeriesAttributes.from_dicom_json(body)

    assert (attributes.series_number, attributes.frames) == (None, 1)
    assert (attributes.repetition_time, attributes.echo_time) == (None, None)
