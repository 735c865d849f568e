"""The listener (``manage.py dicom_listener``) against malformed and hostile network peers.

Port scanners, security scanners and broken devices reach the DICOM port too. Each test runs the
real command with a short timeout, throws raw bytes at it over TCP, and then checks what must
hold after any of them: the process is alive, DCMTK's storescu still stores, nothing from the
bad exchange reached the archive, and the log holds no traceback and no patient data.
"""

import os
import random
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from assist_web.archive.models import Instance
from tests.dicom_files import mr_slice, to_bytes
from tests.peers.dcmtk import echoscu, storescu
from tests.peers.fixtures import database_url
from tests.peers.pdus import (
    AE_TITLE,
    MR_UID,
    PATIENT_ID,
    PATIENT_NAME,
    after_association,
    associate_rq,
    before_association,
    fragments,
    p_data,
    store_command,
)
from tests.peers.ports import free_port

TIMEOUT_S = 2  # ASSIST_DICOM_TIMEOUT_SECONDS unless a test asks for another
MAX_MESSAGE = 8 * 1024**2  # ASSIST_MAX_UPLOAD_BYTES for these listeners


@dataclass
class Listener:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    timeout_s: int

    @property
    def closed_within_s(self) -> float:
        """Every bad connection must be closed by the listener within this (slow CI machines)."""
        return self.timeout_s + 3

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _status(self, field: str) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))

    def peak_memory_kib(self) -> int:
        return self._status("VmHWM:")

    def threads(self) -> int:
        return self._status("Threads:")


@pytest.fixture
def listener(
    dcmtk: None, data_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Listener]:
    """``manage.py dicom_listener`` on the test database, its output in a file; its timeout is
    TIMEOUT_S or the test's indirect parameter."""
    port, log_path = free_port(), tmp_path / "listener.log"
    timeout_s = int(getattr(request, "param", TIMEOUT_S))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ASSIST_DATA_DIR": str(data_dir),
        "DEBUG": "1",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "ASSIST_DICOM_TIMEOUT_SECONDS": str(timeout_s),
        "ASSIST_MAX_UPLOAD_BYTES": str(MAX_MESSAGE),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "dicom_listener",
                "--port",
                str(port),
                "--ae-title",
                AE_TITLE,
            ],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Listener(port=port, process=process, log_path=log_path, timeout_s=timeout_s)
    try:
        deadline = time.monotonic() + 30
        while echoscu(port=port, called_aet=AE_TITLE).returncode != 0:
            assert process.poll() is None, running.log()
            assert time.monotonic() < deadline, "the listener did not answer C-ECHO"
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _closed_by_listener(
    listener: Listener, parts: list[bytes], *, associate: bool = False, pause_s: float = 0
) -> bool:
    """Send ``parts`` (after a valid association if asked), ``pause_s`` apart: did the listener
    close the connection within ``closed_within_s``?"""
    deadline = time.monotonic() + listener.closed_within_s
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        if associate:
            sock.sendall(associate_rq())
            assert sock.recv(1) == b"\x02"  # A-ASSOCIATE-AC
        try:
            for part in parts:
                if time.monotonic() > deadline:
                    return False
                sock.sendall(part)
                time.sleep(pause_s)
        except OSError:
            return True  # closed (or reset) while we were still sending
        return _closes(sock, deadline)


def _closes(sock: socket.socket, deadline: float) -> bool:
    """Whether the peer closes ``sock`` before ``deadline``, whatever it sends until then."""
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def _in_parallel(
    cases: dict[str, list[bytes]], check: Callable[[list[bytes]], bool]
) -> dict[str, bool]:
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {name: pool.submit(check, parts) for name, parts in cases.items()}
    return {name: future.result() for name, future in futures.items()}


def _assert_still_serving(listener: Listener, tmp_path: Path, data_dir: Path) -> None:
    """The invariants after any hostile exchange."""
    assert listener.process.poll() is None, listener.log()
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "good.dcm").write_bytes(to_bytes(mr_slice(sop_uid=MR_UID)))

    sent = storescu([folder], port=listener.port, called_aet=AE_TITLE)

    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert list(Instance.objects.values_list("sop_instance_uid", flat=True)) == [MR_UID]
    assert len([p for p in (data_dir / "dicom").rglob("*") if p.is_file()]) == 1
    log = listener.log()
    assert "Traceback" not in log, log
    assert PATIENT_NAME not in log and PATIENT_ID not in log, log


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_garbage_before_an_association_is_dropped_within_the_timeout(
    listener: Listener, tmp_path: Path, data_dir: Path
) -> None:
    cases = {name: [data] for name, data in before_association(random.Random(1)).items()}

    closed = _in_parallel(cases, lambda parts: _closed_by_listener(listener, parts))
    rq = associate_rq()
    trickled = [rq[:6], *(rq[n : n + 1] for n in range(6, len(rq)))]
    closed["A-ASSOCIATE-RQ, a byte every 0.2 s"] = _closed_by_listener(
        listener, trickled, pause_s=0.2
    )
    for reset in (False, True):  # connect and go at once, politely and with a reset
        with socket.create_connection(("127.0.0.1", listener.port)) as sock:
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    assert closed == dict.fromkeys(closed, True)
    _assert_still_serving(listener, tmp_path, data_dir)


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_malformed_messages_in_an_association_end_it_and_store_nothing(
    listener: Listener, tmp_path: Path, data_dir: Path
) -> None:
    cases = after_association(random.Random(2))

    closed = _in_parallel(cases, lambda parts: _closed_by_listener(listener, parts, associate=True))
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:  # gone mid-dataset
        sock.sendall(associate_rq())
        assert sock.recv(1) == b"\x02"
        for part in cases["A-ABORT mid-dataset"][:-1]:
            sock.sendall(part)

    assert closed == dict.fromkeys(cases, True)
    assert "DICOM association ended on a malformed message (AttributeError)" in listener.log()
    _assert_still_serving(listener, tmp_path, data_dir)


# Long enough that the whole burst of connections is held when storescu comes: the listener
# accepts only a few a second while it polls that many (pynetdicom polls every association).
@pytest.mark.parametrize("listener", [4], indirect=True, ids=["timeout 4 s"])
@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_idle_and_stalled_connections_leave_room_for_a_scanner(
    listener: Listener, tmp_path: Path, data_dir: Path
) -> None:
    def connected(count: int, data: bytes) -> list[socket.socket]:
        socks = [socket.create_connection(("127.0.0.1", listener.port)) for _ in range(count)]
        for sock in socks:
            sock.sendall(data)
        return socks

    quiet = listener.threads()
    for sock in connected(10, b""):  # a port scan: connect, then go
        sock.close()
    deadline = time.monotonic() + listener.timeout_s / 2
    while listener.threads() > quiet and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.threads() <= quiet  # no association left waiting for a request
    held = connected(12, b"") + connected(8, associate_rq()[:16])  # idle; stopped mid-PDU
    held_since = time.monotonic()

    _assert_still_serving(listener, tmp_path, data_dir)  # meanwhile
    closed = [_closes(sock, held_since + listener.closed_within_s) for sock in held]

    assert closed == [True] * len(held)
    stalled = connected(1, associate_rq()[:16])
    listener.process.terminate()  # how systemd and Docker stop it, here with a peer mid-PDU
    assert listener.process.wait(timeout=listener.closed_within_s) == 0
    for sock in held + stalled:
        sock.close()


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
def test_an_endless_message_and_a_huge_pdu_do_not_grow_the_listener(
    listener: Listener, tmp_path: Path, data_dir: Path
) -> None:
    sent = 8 * MAX_MESSAGE
    endless = [
        p_data(1, store_command("1.2.826.0.1.3680043.8.498.9100"), command=True, last=True),
        *fragments(b"\0" * 16000 * (sent // 16000), last=False),
    ]
    huge = [struct.pack(">BBL", 4, 0, 0xFFFFFFF0), *[b"\0" * 1024**2] * (sent // 1024**2)]
    before = listener.peak_memory_kib()

    closed = [_closed_by_listener(listener, parts, associate=True) for parts in (endless, huge)]

    grown_mib = (listener.peak_memory_kib() - before) / 1024
    assert closed == [True, True]
    assert grown_mib < 2 * MAX_MESSAGE / 1024**2, f"the listener grew by {grown_mib:.0f} MiB"
    log = listener.log()
    assert f"sent a message of over {MAX_MESSAGE} bytes; aborting" in log
    assert "declared a 4294967280-byte PDU; disconnecting" in log
    _assert_still_serving(listener, tmp_path, data_dir)
