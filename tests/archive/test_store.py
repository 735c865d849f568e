import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydicom import Dataset

from assist_web.archive import store
from assist_web.archive.ingest import Outcome, instance_ingest, instances_ingest
from assist_web.archive.models import Instance, Study
from assist_web.archive.refusals import RefusalKind
from assist_web.archive.scp import StoreStatus, store_handle
from assist_web.archive.store import FileStore
from tests.dicom_files import mr_slice, to_bytes
from tests.flushing import FlushLog


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_each_file_and_its_folder_reach_the_disk_before_the_index_commits(
    data_dir: Path, flush_log: FlushLog
) -> None:
    items = [
        to_bytes(mr_slice(study_uid="1.2.840.7", series_uid="1.2.840.7.1", sop_uid=f"1.2.7.{n}"))
        for n in (1, 2)
    ]

    results = instances_ingest(items=items)

    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.STORED]
    flushed = flush_log.flushed_before_commit()
    for instance in Instance.objects.all():
        path = data_dir / "dicom" / instance.path
        assert path.stat().st_ino in flushed
        assert path.parent.stat().st_ino in flushed  # the folder holding its name
        assert path.parent.parent.stat().st_ino in flushed  # the new series folder's name


def test_a_file_never_promoted_leaves_nothing(tmp_path: Path) -> None:
    files = FileStore(tmp_path / "dicom")

    written = files.write([b"one", b"two"])
    written.wait()
    written.discard()

    assert _files(tmp_path) == []


@pytest.mark.django_db
def test_where_unnamed_files_are_not_available_a_hidden_file_is_renamed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_O_TMPFILE", 0)
    data = to_bytes(mr_slice())

    result = instance_ingest(data=data)

    assert result.outcome == Outcome.STORED
    assert _files(data_dir / "dicom") == [data_dir / "dicom" / Instance.objects.get().path]
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == data


@pytest.mark.django_db
def test_a_file_left_under_the_final_name_without_a_row_is_replaced(data_dir: Path) -> None:
    data = to_bytes(mr_slice(study_uid="1.2.840.8", series_uid="1.2.840.8.1", sop_uid="1.2.8.1"))
    leftover = data_dir / "dicom" / "1.2.840.8" / "1.2.840.8.1" / "1.2.8.1.dcm"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"an interrupted earlier store")

    result = instance_ingest(data=data)

    assert result.outcome == Outcome.STORED
    assert leftover.read_bytes() == data
    assert _files(data_dir / "dicom") == [leftover]


def test_when_one_file_of_a_batch_cannot_be_written_none_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = FileStore(tmp_path / "dicom")
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if bytes(data[:4]) == b"full":
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(store.os, "write", write)
    written = files.write([b"one", b"full disk", b"three"])

    with pytest.raises(OSError, match="No space left"):
        written.wait()
    written.discard()
    assert _files(tmp_path) == []


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def write(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "write", write)


@pytest.mark.django_db
def test_a_full_disk_refuses_the_batch_and_harms_nothing_stored(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kept = to_bytes(mr_slice(study_uid="1.2.840.9", series_uid="1.2.840.9.1", sop_uid="1.2.9.1"))
    instance_ingest(data=kept)
    _disk_full(monkeypatch)
    arriving = [
        to_bytes(mr_slice(study_uid="1.2.840.9", series_uid="1.2.840.9.1", sop_uid="1.2.9.2")),
        to_bytes(mr_slice(study_uid="1.2.840.10", series_uid="1.2.840.10.1", sop_uid="1.2.10.1")),
    ]

    results = instances_ingest(items=arriving)

    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.REFUSED]
    assert [r.refusal for r in results] == [RefusalKind.OUT_OF_RESOURCES] * 2
    assert [r.sop_instance_uid for r in results] == ["1.2.9.2", "1.2.10.1"]
    assert results[0].reason.startswith("The archive's storage is full; nothing of this object")
    assert list(Instance.objects.values_list("sop_instance_uid", flat=True)) == ["1.2.9.1"]
    assert list(Study.objects.values_list("study_instance_uid", "num_instances")) == [
        ("1.2.840.9", 1)
    ]
    assert _files(data_dir / "dicom") == [data_dir / "dicom" / Instance.objects.get().path]
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == kept
    assert "No space left on device" in caplog.text
    assert "1.2.9.2" not in caplog.text and "Doe^Jane" not in caplog.text


@pytest.mark.django_db(transaction=True)  # the handler closes the connection it used
def test_a_full_disk_is_out_of_resources_for_a_cstore_sender(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ds = mr_slice()
    event = SimpleNamespace(
        request=SimpleNamespace(
            AffectedSOPClassUID=ds.SOPClassUID, AffectedSOPInstanceUID=ds.SOPInstanceUID
        ),
        dataset=ds,
        file_meta=ds.file_meta,
        encoded_dataset=lambda include_meta: to_bytes(ds)[132 + _meta_length(ds) :],
        assoc=SimpleNamespace(requestor=SimpleNamespace(ae_title="SCANNER")),
    )
    _disk_full(monkeypatch)

    status = store_handle(event)  # type: ignore[arg-type]

    assert status.Status == StoreStatus.OUT_OF_RESOURCES
    assert status.ErrorComment.startswith("The archive's storage is full")
    assert not Instance.objects.exists()


def _meta_length(ds: Dataset) -> int:
    """Bytes of the file meta group after the preamble and 'DICM'."""
    data = to_bytes(ds)
    return 12 + int.from_bytes(data[140:144], "little")
