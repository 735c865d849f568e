"""The C-STORE SCP against DCMTK's storescu and echoscu, and pynetdicom as an exact SCU."""

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pydicom.uid import CTImageStorage, MRImageStorage
from pynetdicom import AE

from assist_web.archive.ingest import instance_ingest
from assist_web.archive.models import Instance, Study
from assist_web.archive.scp import ListenerConfig, StoreStatus, listener_start, store_handle
from tests.dicom_files import mr_slice, to_bytes
from tests.peers.dcmtk import echoscu, storescu
from tests.peers.fixtures import RunningListener, database_url
from tests.peers.ports import free_port

STUDY, SERIES = "1.2.826.0.1.3680043.8.498.100", "1.2.826.0.1.3680043.8.498.100.1"


def _study_files(folder: Path, count: int) -> list[bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    originals = []
    for n in range(1, count + 1):
        data = to_bytes(mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=n, seed=n))
        (folder / f"slice{n}.dcm").write_bytes(data)
        originals.append(data)
    return originals


def _dataset_part(part10: bytes) -> bytes:
    """The bytes after the file meta group: what travels over the network unchanged."""
    group_length = int.from_bytes(part10[140:144], "little")
    return part10[144 + group_length :]


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_echoscu_gets_an_answer(dcmtk: None, dicom_listener: RunningListener) -> None:
    result = echoscu(port=dicom_listener.port, called_aet=dicom_listener.ae_title)

    assert result.returncode == 0, result.stderr


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_storescu_folder_is_stored_with_datasets_unchanged(
    dcmtk: None, dicom_listener: RunningListener, tmp_path: Path, data_dir: Path
) -> None:
    originals = _study_files(tmp_path / "send", 4)

    result = storescu(
        [tmp_path / "send"], port=dicom_listener.port, called_aet=dicom_listener.ae_title
    )

    assert result.returncode == 0, result.stderr
    study = Study.objects.get(study_instance_uid=STUDY)
    assert (study.num_series, study.num_instances) == (1, 4)
    stored = [(data_dir / "dicom" / i.path).read_bytes() for i in Instance.objects.order_by("id")]
    assert sorted(_dataset_part(s) for s in stored) == sorted(_dataset_part(o) for o in originals)
    assert all(b"STORESCU" in s[:400] for s in stored)  # Source AE in the file meta


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_bad_objects_are_refused_while_good_ones_are_stored(
    dcmtk: None, dicom_listener: RunningListener, tmp_path: Path, data_dir: Path
) -> None:
    folder = tmp_path / "send"
    _study_files(folder, 2)
    truncated = mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=9)
    truncated.PixelData = truncated.PixelData[:100]
    (folder / "truncated.dcm").write_bytes(to_bytes(truncated))
    (folder / "notes.txt").write_text("not DICOM")

    result = storescu([folder], port=dicom_listener.port, called_aet=dicom_listener.ae_title)

    output = result.stdout + result.stderr
    assert "Received Store Response (Error: CannotUnderstand)" in output, output
    assert "notes.txt" in output  # storescu itself skips what is not DICOM
    assert Instance.objects.count() == 2
    assert not Instance.objects.filter(sop_instance_uid=truncated.SOPInstanceUID).exists()
    files = [p for p in (data_dir / "dicom").rglob("*.dcm")]
    assert len(files) == 2


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_sending_a_folder_again_is_a_no_op(
    dcmtk: None, dicom_listener: RunningListener, tmp_path: Path
) -> None:
    _study_files(tmp_path / "send", 3)
    storescu([tmp_path / "send"], port=dicom_listener.port, called_aet=dicom_listener.ae_title)
    before = list(Instance.objects.order_by("id").values_list("id", "sha256", "created_at"))

    again = storescu(
        [tmp_path / "send"], port=dicom_listener.port, called_aet=dicom_listener.ae_title
    )

    assert again.returncode == 0, again.stderr
    assert list(Instance.objects.order_by("id").values_list("id", "sha256", "created_at")) == (
        before
    )
    assert Study.objects.get().num_instances == 3


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_an_image_already_here_by_another_path_is_accepted_as_a_copy(
    dcmtk: None, dicom_listener: RunningListener, tmp_path: Path, data_dir: Path
) -> None:
    """The listener writes the sender's AE title into the file meta, so its file differs from
    the uploaded one; the object does not."""
    uploaded = _study_files(tmp_path / "send", 2)
    for data in uploaded:
        instance_ingest(data=data)

    sent = storescu(
        [tmp_path / "send"], port=dicom_listener.port, called_aet=dicom_listener.ae_title
    )

    assert sent.returncode == 0, sent.stderr
    assert "Error" not in sent.stdout + sent.stderr
    stored = sorted((data_dir / "dicom" / i.path).read_bytes() for i in Instance.objects.all())
    assert stored == sorted(uploaded)


@pytest.mark.django_db(transaction=True)
def test_statuses_and_error_comment_seen_by_an_scu(dicom_listener: RunningListener) -> None:
    good = mr_slice(study_uid=STUDY, series_uid=SERIES)
    truncated = mr_slice(study_uid=STUDY, series_uid=SERIES, instance_number=2)
    truncated.PixelData = truncated.PixelData[:100]
    ae = AE(ae_title="PYSCU")
    ae.add_requested_context(MRImageStorage)
    assoc = ae.associate("127.0.0.1", dicom_listener.port, ae_title=dicom_listener.ae_title)
    assert assoc.is_established
    try:
        first = assoc.send_c_store(good)
        duplicate = assoc.send_c_store(good)
        refused = assoc.send_c_store(truncated)
    finally:
        assoc.release()

    assert (first.Status, duplicate.Status) == (0x0000, 0x0000)
    assert refused.Status == StoreStatus.CANNOT_UNDERSTAND
    assert refused.ErrorComment.startswith("The pixel data is truncated")
    assert len(refused.ErrorComment) <= 64
    assert Instance.objects.count() == 1


def test_a_dataset_that_contradicts_its_command_does_not_match_the_sop_class() -> None:
    ds = mr_slice()
    event = SimpleNamespace(
        request=SimpleNamespace(
            AffectedSOPClassUID=CTImageStorage, AffectedSOPInstanceUID=ds.SOPInstanceUID
        ),
        dataset=ds,
        assoc=SimpleNamespace(requestor=SimpleNamespace(ae_title="LIAR")),
    )

    status = store_handle(event)  # type: ignore[arg-type]

    assert status.Status == StoreStatus.DATASET_DOES_NOT_MATCH_SOP_CLASS
    assert "SOP Class UID" in status.ErrorComment


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_only_allowed_calling_aes_may_associate(dcmtk: None) -> None:
    config = ListenerConfig(ae_title="ASSIST", bind="127.0.0.1", port=0, allowed_aes=("CT1",))
    server = listener_start(config=config, block=False)
    assert server is not None
    port = int(server.server_address[1])
    try:
        refused = echoscu(port=port, called_aet="ASSIST", calling_aet="INTRUDER")
        allowed = echoscu(port=port, called_aet="ASSIST", calling_aet="CT1")
    finally:
        server.shutdown()

    assert refused.returncode != 0
    assert "Rejected" in refused.stdout + refused.stderr
    assert allowed.returncode == 0, allowed.stderr


def test_outside_debug_the_listener_needs_the_callers_named() -> None:
    with (
        override_settings(DEBUG=False, ASSIST_DICOM_ALLOWED_AES=[]),
        pytest.raises(ImproperlyConfigured, match="Set ASSIST_DICOM_ALLOWED_AES"),
    ):
        ListenerConfig.from_settings()

    with override_settings(DEBUG=False, ASSIST_DICOM_ALLOWED_AES=["MR1", "PACS"]):
        assert ListenerConfig.from_settings().allowed_aes == ("MR1", "PACS")
    with override_settings(DEBUG=False, ASSIST_DICOM_ALLOWED_AES=["*"]):
        assert ListenerConfig.from_settings().allowed_aes == ()  # any caller, said explicitly
    with override_settings(DEBUG=True, ASSIST_DICOM_ALLOWED_AES=[]):
        assert ListenerConfig.from_settings().allowed_aes == ()


def test_the_management_command_says_what_to_set_and_does_not_listen(tmp_path: Path) -> None:
    env = {**os.environ, "ASSIST_DATA_DIR": str(tmp_path), "DEBUG": "0", "SECRET_KEY": "k" * 50}
    env.pop("ASSIST_DICOM_ALLOWED_AES", None)

    finished = subprocess.run(
        [sys.executable, "manage.py", "dicom_listener", "--port", str(free_port())],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode != 0
    assert "Set ASSIST_DICOM_ALLOWED_AES to the AE titles" in finished.stderr
    assert "Traceback" not in finished.stderr


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_the_management_command_serves_echo_and_store(
    dcmtk: None, tmp_path: Path, data_dir: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ASSIST_DATA_DIR": str(data_dir),
        "DEBUG": "1",
    }
    listener = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "dicom_listener",
            "--port",
            str(port),
            "--ae-title",
            "CMDTEST",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while echoscu(port=port, called_aet="CMDTEST").returncode != 0:
            assert listener.poll() is None, listener.stdout.read() if listener.stdout else ""
            assert time.monotonic() < deadline, "the listener did not answer C-ECHO"
            time.sleep(0.2)
        _study_files(tmp_path / "send", 1)
        sent = storescu([tmp_path / "send"], port=port, called_aet="CMDTEST")
    finally:
        listener.terminate()
        listener.wait(timeout=10)

    assert sent.returncode == 0, sent.stdout + sent.stderr
    instance = Instance.objects.get()
    assert (data_dir / "dicom" / instance.path).is_file()
