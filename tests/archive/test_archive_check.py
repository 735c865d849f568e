import hashlib
import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assist_web.archive.checking import archive_check
from assist_web.archive.ingest import instance_ingest
from assist_web.archive.models import Instance, SiteSettings, Study
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db

STUDY, SERIES = "1.2.826.0.1.7", "1.2.826.0.1.7.1"


def _stored(count: int = 3) -> list[Instance]:
    for n in range(1, count + 1):
        data = to_bytes(mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=n, seed=n))
        assert instance_ingest(data=data).ok
    return list(Instance.objects.order_by("instance_number"))


def _age(path: Path, hours: float = 2) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("archive_check", *args, stdout=out)
    return out.getvalue()


def test_an_archive_as_ingest_left_it_is_healthy_and_says_so() -> None:
    _stored()

    report = archive_check(checksums=True)

    assert (report.instances, report.healthy) == (3, True)
    assert report.missing == report.damaged == report.unlisted == report.leftovers == []
    assert "3 indexed objects checked (sizes and checksums)" in _command("--checksums")
    assert "The index and the files agree." in _command()


def test_a_missing_file_is_named_and_the_command_fails_without_changing_anything(
    data_dir: Path,
) -> None:
    first, *_ = _stored()
    (data_dir / "dicom" / first.path).unlink()

    with pytest.raises(CommandError, match="1 stored object.s. are missing or damaged"):
        _command("--repair")

    assert archive_check().missing == [first.path]
    assert Instance.objects.count() == 3


def test_a_file_of_another_size_is_damaged_and_same_size_changes_need_checksums(
    data_dir: Path,
) -> None:
    first, second, _ = _stored()
    (data_dir / "dicom" / first.path).write_bytes(b"DICM")
    path = data_dir / "dicom" / second.path
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))

    assert archive_check().damaged == [first.path]
    assert archive_check(checksums=True).damaged == sorted([first.path, second.path])


def test_a_file_whose_row_never_committed_is_indexed_again_by_repair(data_dir: Path) -> None:
    _stored(2)
    # As a process killed between naming the file and committing its row leaves it.
    third = mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=3)
    path = f"{STUDY}/{SERIES}/{third.SOPInstanceUID}.dcm"
    (data_dir / "dicom" / path).write_bytes(to_bytes(third))
    _age(data_dir / "dicom" / path)

    found = archive_check()
    assert (found.unlisted, found.healthy) == ([path], True)
    assert "--repair indexes those that are DICOM objects" in _command()

    repaired = archive_check(repair=True)

    assert repaired.reindexed == [path]
    again = Instance.objects.get(sop_instance_uid=third.SOPInstanceUID)
    assert (again.path, again.sha256, again.instance_number) == (
        path,
        hashlib.sha256(to_bytes(third)).hexdigest(),
        3,
    )
    assert Study.objects.get().num_instances == 3
    assert archive_check().unlisted == []


def test_repair_does_not_de_identify_the_archives_own_files_again(data_dir: Path) -> None:
    SiteSettings.objects.update_or_create(pk=1, defaults={"deidentify_on_ingest": True})
    stored = _stored(1)[0]
    Instance.objects.all().delete()
    _age(data_dir / "dicom" / stored.path)

    archive_check(repair=True)

    again = Instance.objects.get()
    assert (again.sop_instance_uid, again.path) == (stored.sop_instance_uid, stored.path)


def test_an_unlisted_file_that_is_not_dicom_is_reported_and_left_alone(data_dir: Path) -> None:
    _stored(1)
    stray = data_dir / "dicom" / STUDY / "notes.txt"
    stray.write_text("not an image")
    _age(stray)

    report = archive_check(repair=True)

    assert report.reindexed == []
    [(path, reason)] = report.not_reindexed
    assert path == f"{STUDY}/notes.txt"
    assert "DICOM" in reason
    assert stray.read_text() == "not an image"


def test_interrupted_writes_are_deleted_by_repair_once_settled(data_dir: Path) -> None:
    _stored(1)
    old = data_dir / "dicom" / ".0123abcd.part"
    old.write_bytes(b"half an object")
    _age(old)
    recent = data_dir / "dicom" / STUDY / SERIES / ".4567cdef.part"
    recent.write_bytes(b"being written now")

    assert archive_check().leftovers == [".0123abcd.part"]
    out = _command("--repair")

    assert "Deleted 1 interrupted write(s)." in out
    assert not old.exists()
    assert recent.read_bytes() == b"being written now"


def test_files_younger_than_the_settle_time_are_not_counted(data_dir: Path) -> None:
    stored = _stored(1)[0]
    Instance.objects.all().delete()  # a row not committed yet, as far as the check can tell

    report = archive_check(repair=True)

    assert report.unlisted == report.reindexed == []
    assert (data_dir / "dicom" / stored.path).exists()
    assert Instance.objects.count() == 0


def test_a_folder_the_index_does_not_know_is_searched_too(data_dir: Path) -> None:
    _stored(1)
    other = mr_slice(study_uid="1.2.826.0.1.8", series_uid="1.2.826.0.1.8.1")
    path = f"1.2.826.0.1.8/1.2.826.0.1.8.1/{other.SOPInstanceUID}.dcm"
    (data_dir / "dicom" / path).parent.mkdir(parents=True)
    (data_dir / "dicom" / path).write_bytes(to_bytes(other))
    _age(data_dir / "dicom" / path)

    report = archive_check(repair=True)

    assert report.unlisted == report.reindexed == [path]
    assert Study.objects.filter(study_instance_uid="1.2.826.0.1.8").exists()
