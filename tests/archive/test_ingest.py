from pathlib import Path

import pytest
from pydicom.uid import ImplicitVRLittleEndian

from assist_web.archive.ingest import Outcome, instance_ingest
from assist_web.archive.models import Instance, Series, SiteSettings, Study
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db


def test_a_new_instance_is_indexed_and_stored_byte_exact(data_dir: Path) -> None:
    data = to_bytes(mr_slice(instance_number=3))

    result = instance_ingest(data=data)

    assert result.outcome == Outcome.STORED
    instance = Instance.objects.get(sop_instance_uid=result.sop_instance_uid)
    assert instance.instance_number == 3
    assert (data_dir / "dicom" / instance.path).read_bytes() == data
    study = Study.objects.get()
    assert (study.num_series, study.num_instances, study.modalities) == (1, 1, "MR")
    assert study.patient.name == "Doe^Jane"


def test_an_identical_second_copy_is_a_no_op() -> None:
    data = to_bytes(mr_slice())
    instance_ingest(data=data)

    result = instance_ingest(data=data)

    assert result.outcome == Outcome.DUPLICATE
    assert Instance.objects.count() == 1
    assert Study.objects.get().num_instances == 1


def test_a_different_object_under_a_stored_uid_is_refused_and_the_first_kept(
    data_dir: Path,
) -> None:
    first = to_bytes(mr_slice(sop_uid="1.2.3.4", seed=1))
    instance_ingest(data=first)

    result = instance_ingest(data=to_bytes(mr_slice(sop_uid="1.2.3.4", seed=2)))

    assert result.outcome == Outcome.REFUSED
    assert "already stored" in result.reason
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == first


def test_the_same_object_in_a_file_written_by_another_sender_is_a_copy(data_dir: Path) -> None:
    """A scanner's C-STORE and a PACS's copy of one image differ only in the file meta group."""
    ds = mr_slice(sop_uid="1.2.3.4")
    first = to_bytes(ds)
    instance_ingest(data=first)
    ds.file_meta.SourceApplicationEntityTitle = "PACS"
    ds.file_meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.1"
    resent = to_bytes(ds)
    assert resent != first

    result = instance_ingest(data=resent)

    assert (result.outcome, result.reason) == (
        Outcome.DUPLICATE,
        "Already stored; identical copy ignored.",
    )
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == first


def test_the_same_object_in_another_transfer_syntax_is_refused_saying_so(data_dir: Path) -> None:
    ds = mr_slice(sop_uid="1.2.3.4")
    first = to_bytes(ds)
    instance_ingest(data=first)
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian

    result = instance_ingest(data=to_bytes(ds))

    assert result.outcome == Outcome.REFUSED
    assert result.reason == (
        "This object is already stored in another transfer syntax (1.2.840.10008.1.2.1); the "
        "archive keeps the first copy."
    )
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == first


def test_series_and_study_counters_follow_each_arrival() -> None:
    study_uid, series_uid = "1.2.840.1", "1.2.840.1.1"
    for n in range(1, 4):
        instance_ingest(
            data=to_bytes(mr_slice(study_uid=study_uid, series_uid=series_uid, instance_number=n))
        )
    instance_ingest(data=to_bytes(mr_slice(study_uid=study_uid, series_uid="1.2.840.1.2")))

    study = Study.objects.get()
    assert (study.num_series, study.num_instances) == (2, 4)
    assert Series.objects.get(series_instance_uid=series_uid).num_instances == 3


def test_refused_object_leaves_no_file_and_no_row(data_dir: Path) -> None:
    ds = mr_slice()
    ds.PixelData = ds.PixelData[:100]

    result = instance_ingest(data=to_bytes(ds))

    assert result.outcome == Outcome.REFUSED
    assert "truncated" in result.reason
    assert not Study.objects.exists()
    assert [p for p in (data_dir / "dicom").rglob("*") if p.is_file()] == []


def test_an_object_refused_for_a_conflict_leaves_no_folder_behind(data_dir: Path) -> None:
    instance_ingest(data=to_bytes(mr_slice(study_uid="1.2.840.5", series_uid="1.2.840.5.1")))

    result = instance_ingest(
        data=to_bytes(mr_slice(study_uid="1.2.840.6", series_uid="1.2.840.5.1"))
    )

    assert result.outcome == Outcome.REFUSED
    assert "different study" in result.reason
    assert sorted(p.name for p in (data_dir / "dicom").iterdir()) == ["1.2.840.5"]
    assert list((data_dir / "dicom").rglob("*.part")) == []


def test_a_new_series_for_another_patient_in_a_stored_study_leaves_no_series_behind() -> None:
    instance_ingest(data=to_bytes(mr_slice(study_uid="1.2.840.5", series_uid="1.2.840.5.1")))

    result = instance_ingest(
        data=to_bytes(
            mr_slice(study_uid="1.2.840.5", series_uid="1.2.840.5.2", patient_id="SOMEONE-ELSE")
        )
    )

    assert result.outcome == Outcome.REFUSED
    assert "different patient" in result.reason
    assert list(Series.objects.values_list("series_instance_uid", flat=True)) == ["1.2.840.5.1"]
    assert Study.objects.get().num_series == 1


def test_deidentification_remaps_uids_consistently_and_shifts_dates() -> None:
    settings = SiteSettings.current()
    settings.deidentify_on_ingest = True
    settings.save()
    study_uid, series_uid = "1.2.840.99", "1.2.840.99.1"

    first = instance_ingest(data=to_bytes(mr_slice(study_uid=study_uid, series_uid=series_uid)))
    second = instance_ingest(
        data=to_bytes(mr_slice(study_uid=study_uid, series_uid=series_uid, instance_number=2))
    )

    assert first.outcome == second.outcome == Outcome.STORED
    assert first.study_instance_uid == second.study_instance_uid != study_uid
    assert first.series_instance_uid == second.series_instance_uid != series_uid
    study = Study.objects.get()
    assert study.patient.name != "Doe^Jane"
    assert study.patient.patient_id != "PAT-001"
    assert study.study_date not in ("", "20260101")
    assert study.num_instances == 2


def test_without_archive_settings_objects_are_stored_as_sent_and_no_settings_are_made(
    data_dir: Path,
) -> None:
    data = to_bytes(mr_slice(patient_name="Doe^Jane"))

    result = instance_ingest(data=data)

    assert result.outcome == Outcome.STORED
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == data
    assert not SiteSettings.objects.exists()


def test_turning_deidentification_on_applies_to_the_next_object() -> None:
    instance_ingest(data=to_bytes(mr_slice(study_uid="1.2.840.98")))
    settings = SiteSettings.current()
    settings.deidentify_on_ingest = True
    settings.save()

    result = instance_ingest(data=to_bytes(mr_slice(study_uid="1.2.840.99")))

    assert result.study_instance_uid != "1.2.840.99"
    assert Study.objects.get(study_instance_uid=result.study_instance_uid).patient.name != (
        "Doe^Jane"
    )


def test_objects_derived_from_archived_images_are_never_deidentified_again(
    data_dir: Path,
) -> None:
    settings = SiteSettings.current()
    settings.deidentify_on_ingest = True
    settings.save()
    image = instance_ingest(data=to_bytes(mr_slice(study_uid="1.2.840.99")))
    archived = Study.objects.get()
    # A SEG or RTSTRUCT made from the archived image carries the archive's (de-identified) UIDs.
    derived = to_bytes(
        mr_slice(
            study_uid=image.study_instance_uid,
            series_uid="1.2.840.99.7",
            patient_id=archived.patient.patient_id,
            patient_name=archived.patient.name,
        )
    )

    result = instance_ingest(data=derived, derived=True)

    assert result.outcome == Outcome.STORED
    assert (result.study_instance_uid, result.series_instance_uid) == (
        image.study_instance_uid,
        "1.2.840.99.7",
    )
    instance = Instance.objects.get(sop_instance_uid=result.sop_instance_uid)
    assert (data_dir / "dicom" / instance.path).read_bytes() == derived
    assert Study.objects.count() == 1


def test_an_unknown_transfer_syntax_is_refused_with_what_to_send(data_dir: Path) -> None:
    data = to_bytes(mr_slice())
    explicit = b"1.2.840.10008.1.2.1\x00"
    assert data.count(explicit) == 1
    unknown = data.replace(explicit, b"1.2.840.10008.1.2.9\x00")

    result = instance_ingest(data=unknown)

    assert result.outcome == Outcome.REFUSED
    assert result.reason.startswith("1.2.840.10008.1.2.9 is not a transfer syntax the archive")
    assert not Instance.objects.exists()
    assert not any(p.is_file() for p in (data_dir / "dicom").rglob("*"))
