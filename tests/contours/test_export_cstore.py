"""Sending to a real DCMTK storescp: through the API and a real worker, and when it goes wrong."""

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.events import Event
from pynetdicom.sop_class import RTStructureSetStorage  # type: ignore[attr-defined]
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import User
from assist_web.archive.models import Instance
from assist_web.contours.cstore import DestinationUnreachable
from assist_web.contours.export import export_send, export_start
from assist_web.contours.models import Approval, ExportDestination
from assist_web.contours.tasks import export_send_run
from tests.contours.factories import ArchivedRevision, approved, archived_revision
from tests.integration.worker import WorkerProcess, worker_start
from tests.peers.dcmtk import StoreScp
from tests.peers.fixtures import database_url, dcmtk  # noqa: F401 - fixtures are found by name
from tests.peers.ports import free_port

pytestmark = [pytest.mark.peers, pytest.mark.usefixtures("dcmtk")]

_FINISH_TIMEOUT_S = 60


@pytest.fixture
def storescp(tmp_path: Path) -> Iterator[StoreScp]:
    peer = StoreScp(folder=tmp_path / "received", aet="TPS").start()
    yield peer
    peer.stop()


@pytest.fixture
def refusing_scp(tmp_path: Path) -> Iterator[int]:
    """A storescp that rejects every association (``--refuse``); yields its port."""
    port = free_port()
    process = subprocess.Popen(
        ["storescp", "--refuse", "-aet", "TPS", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "storescp --refuse did not listen"
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def worker(transactional_db: None, data_dir: Path) -> Iterator[WorkerProcess]:
    process = worker_start(data_dir=data_dir, database_url=database_url())
    yield process
    process.stop()


def _client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _destination(port: int, ae_title: str = "TPS") -> ExportDestination:
    return ExportDestination.objects.create(
        name="Planning", ae_title=ae_title, host="127.0.0.1", port=port
    )


def _finished(api: APIClient, export_id: int, worker: WorkerProcess) -> dict[str, object]:
    deadline = time.monotonic() + _FINISH_TIMEOUT_S
    while True:
        body = api.get(f"/api/v1/exports/{export_id}/").json()
        if body["state"] in ("succeeded", "failed"):
            return dict(body)
        assert worker.process.poll() is None, worker.log()[-3000:]
        assert time.monotonic() < deadline, f"export still {body['state']}:\n{worker.log()[-3000:]}"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_the_rtstruct_sent_through_the_api_arrives_unchanged(
    alice: User, storescp: StoreScp, worker: WorkerProcess, data_dir: Path
) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    api = _client(alice)

    response = api.post(
        f"/api/v1/revisions/{archived.revision.pk}/exports/",
        {"destination": _destination(storescp.port).pk, "objects": ["rtstruct"]},
        format="json",
    )

    assert response.status_code == 202, response.json()
    body = _finished(api, response.json()[0]["id"], worker)
    assert (body["state"], body["status_code"], body["error"], body["attempts"]) == (
        "succeeded", 0, "", 1,
    )  # fmt: skip
    [received] = storescp.received()
    sent, archived_ds = dcmread(received), dcmread(data_dir / "dicom" / _path(archived))
    assert sent.SOPInstanceUID == _approval_uid(archived)
    assert (sent.ApprovalStatus, str(sent.ReviewerName)) == ("APPROVED", "Alice")
    assert sent.SOPClassUID == archived_ds.SOPClassUID
    assert sent == archived_ds  # every element of the dataset, file meta aside
    history = api.get(f"/api/v1/studies/{archived.study.study_instance_uid}/exports/").json()
    assert [(e["id"], e["state"]) for e in history] == [(body["id"], "succeeded")]


@pytest.mark.django_db(transaction=True)
def test_a_rejected_association_fails_with_the_reason(
    alice: User, refusing_scp: int, worker: WorkerProcess
) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    api = _client(alice)

    response = api.post(
        f"/api/v1/revisions/{archived.revision.pk}/exports/",
        {"destination": _destination(refusing_scp).pk},
        format="json",
    )

    body = _finished(api, response.json()[0]["id"], worker)
    assert (body["state"], body["status_code"], body["attempts"]) == ("failed", None, 1)
    # storescp hangs up right after its A-ASSOCIATE-RJ, so the reason itself may be lost.
    where = f"Planning (TPS at 127.0.0.1:{refusing_scp})"
    assert body["error"] in (
        f"{where} rejected the association: No reason given (Rejected Permanent, Service "
        "User). Check the called and calling AE titles of this destination.",
        f"{where} closed the connection without accepting the association. Check the called "
        "and calling AE titles of this destination.",
    )


@pytest.mark.django_db
def test_a_destination_that_is_down_is_retried_then_fails_with_the_reason(alice: User) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    port = free_port()  # nothing listens here
    [export] = export_start(
        revision=archived.revision, destination=_destination(port), requested_by=alice
    )
    reason = (
        f"Could not connect to Planning (TPS at 127.0.0.1:{port}): nothing answered. Is its "
        "DICOM service running and the host and port right?"
    )

    with pytest.raises(DestinationUnreachable):
        export_send(export_id=export.pk, final_attempt=False)
    export.refresh_from_db()
    assert (export.state, export.attempts, export.error) == ("queued", 1, reason)

    with pytest.raises(DestinationUnreachable):
        export_send(export_id=export.pk, final_attempt=True)
    export.refresh_from_db()
    assert (export.state, export.attempts, export.status_code, export.error) == (
        "failed", 2, None, reason,
    )  # fmt: skip
    assert export.finished_at is not None


@pytest.mark.django_db
def test_the_task_retries_an_unreachable_destination_three_times_then_records_failure(
    alice: User,
) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    [export] = export_start(
        revision=archived.revision, destination=_destination(free_port()), requested_by=alice
    )

    export_send_run.apply(args=[export.pk])  # eager: the retries run at once, in order

    export.refresh_from_db()
    assert (export.state, export.attempts) == ("failed", 4)
    assert export.error.startswith("Could not connect to Planning")


@pytest.mark.django_db
def test_a_refusing_status_fails_with_the_code_and_the_comment(alice: User) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    ae = AE(ae_title="TPS")
    ae.add_supported_context(RTStructureSetStorage, ExplicitVRLittleEndian)
    refuse: list[evt.EventHandlerType] = [(evt.EVT_C_STORE, _out_of_resources)]
    server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=refuse)
    assert server is not None
    port = int(server.server_address[1])
    [export] = export_start(
        revision=archived.revision, destination=_destination(port), requested_by=alice
    )

    try:
        export_send(export_id=export.pk)
    finally:
        server.shutdown()

    export.refresh_from_db()
    assert (export.state, export.status_code, export.error) == (
        "failed",
        0xA700,
        f"Planning (TPS at 127.0.0.1:{port}) answered failure status 0xA700: Disk full.",
    )


@pytest.mark.django_db
def test_a_wrong_called_ae_title_is_rejected_with_the_reason(alice: User) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    ae = AE(ae_title="TPS")
    ae.require_called_aet = True
    ae.add_supported_context(RTStructureSetStorage, ExplicitVRLittleEndian)
    server = ae.start_server(("127.0.0.1", 0), block=False)
    assert server is not None
    port = int(server.server_address[1])
    wrong = _destination(port, ae_title="NOT_TPS")
    [export] = export_start(revision=archived.revision, destination=wrong, requested_by=alice)

    try:
        export_send(export_id=export.pk)
    finally:
        server.shutdown()

    export.refresh_from_db()
    assert (export.state, export.status_code, export.error) == (
        "failed",
        None,
        f"Planning (NOT_TPS at 127.0.0.1:{port}) rejected the association: Called AE title not "
        "recognised (Rejected Permanent, Service User). Check the called and calling AE titles "
        "of this destination.",
    )


def _out_of_resources(event: Event) -> Dataset:
    status = Dataset()
    status.Status = 0xA700
    status.ErrorComment = "Disk full"
    return status


@pytest.mark.django_db
def test_an_export_that_is_not_queued_is_not_sent_again(alice: User, storescp: StoreScp) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    [export] = export_start(
        revision=archived.revision, destination=_destination(storescp.port), requested_by=alice
    )
    export_send(export_id=export.pk)

    export_send(export_id=export.pk)  # a redelivered message

    export.refresh_from_db()
    assert (export.state, export.attempts, len(storescp.received())) == ("succeeded", 1, 1)


def _approval_uid(archived: ArchivedRevision) -> str:
    return Approval.objects.get(revision=archived.revision).rtstruct_sop_instance_uid


def _path(archived: ArchivedRevision) -> str:
    """The approved RTSTRUCT's file: what a C-STORE of the revision sends."""
    return Instance.objects.get(sop_instance_uid=_approval_uid(archived)).path
