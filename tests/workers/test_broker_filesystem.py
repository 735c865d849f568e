"""The embedded broker's transport: consumers only ever see whole messages."""

import base64
import json
import logging
import os
import threading
import uuid
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import filesystem

from workers.broker_filesystem import Transport

MESSAGES = 400


@pytest.fixture
def queue_name() -> str:
    """Unique per test: kombu keeps the bindings it has declared for the whole process."""
    return f"jobs{uuid.uuid4().hex}"


def _connection(folder: Path, transport: type) -> Connection:
    return Connection(transport=transport, transport_options={
        "data_folder_in": str(folder), "data_folder_out": str(folder),
        "control_folder": str(folder.parent / f"{folder.name}-control"),
        "store_processed": False, "polling_interval": 0.001})


def _race(folder: Path, transport: type, queue_name: str) -> list[object]:
    """A producer and a consumer on one queue folder at full speed; what the consumer got."""
    received: list[object] = []

    def produce() -> None:
        with _connection(folder, transport) as connection:
            queue = connection.SimpleQueue(queue_name)
            for n in range(MESSAGES):
                queue.put({"n": n})

    with _connection(folder, transport) as connection:
        queue = connection.SimpleQueue(queue_name)
        producer = threading.Thread(target=produce)
        producer.start()
        while len(received) < MESSAGES:
            message = queue.get(timeout=30)
            received.append(message.payload)
            message.ack()
        producer.join()
    return received


def test_a_consumer_racing_a_producer_gets_every_message_whole(tmp_path: Path,
                                                              queue_name: str) -> None:
    received = _race(tmp_path, Transport, queue_name)

    assert sorted(m["n"] for m in received) == list(range(MESSAGES))  # type: ignore[index]


def test_a_message_is_visible_to_consumers_only_once_written_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, queue_name: str) -> None:
    seen_while_writing: list[tuple[str, bytes]] = []
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        seen_while_writing.extend((p.name, p.read_bytes()) for p in tmp_path.iterdir()
                                  if p.is_file())
        real_replace(source, target)

    monkeypatch.setattr("workers.broker_filesystem.os.replace", replace)
    with _connection(tmp_path, Transport) as connection:
        connection.SimpleQueue(queue_name).put({"n": 1})

    # Before the rename only the partial file exists, under a name no consumer takes.
    assert len(seen_while_writing) == 1
    name, content = seen_while_writing[0]
    assert not name.endswith(f".{queue_name}.msg")
    assert base64.b64decode(json.loads(content)["body"]) == b'{"n": 1}'  # whole, parseable
    queued = [p.name for p in tmp_path.iterdir() if p.is_file()]
    assert len(queued) == 1 and queued[0].endswith(f".{queue_name}.msg")


def test_kombus_own_transport_stops_on_an_empty_message_file(tmp_path: Path,
                                                            queue_name: str) -> None:
    """Why the transport is ASSIST's own: the file kombu has created but not yet written."""
    with _connection(tmp_path, filesystem.Transport) as connection:
        queue = connection.SimpleQueue(queue_name)
        (tmp_path / f"1_empty.{queue_name}.msg").write_bytes(b"")

        with pytest.raises(ValueError):
            queue.get(timeout=10)


def test_an_unreadable_message_is_dropped_and_the_next_one_delivered(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, queue_name: str) -> None:
    with _connection(tmp_path, Transport) as connection:
        queue = connection.SimpleQueue(queue_name)
        (tmp_path / f"1_broken.{queue_name}.msg").write_bytes(b"")
        queue.put({"n": 1})

        with caplog.at_level(logging.ERROR):
            message = queue.get(timeout=10)
        message.ack()

    assert message.payload == {"n": 1}
    assert "could not be read and was dropped" in caplog.text
    assert [p.name for p in tmp_path.glob("*.msg")] == []
