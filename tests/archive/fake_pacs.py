"""A DICOMweb PACS on loopback whose answers a test chooses.

By default it is an honest one holding the studies a test gives it (QIDO-RS for studies and
instances with limit and offset, WADO-RS of one instance). A test may make it ignore paging or
put any answer in place of every route's, to see how the archive copes with a PACS that
misbehaves. The real-PACS tests run against Orthanc (tests/peers); this one says what Orthanc
never would.
"""

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# A body is bytes, sent with its length, or chunks sent until they run out or the client
# hangs up (then without a length: the end of the connection ends the body).
Body = bytes | Iterable[bytes]
Answer = tuple[int, dict[str, str], Body]
_JSON = {"Content-Type": "application/dicom+json"}
# More requests than any test's pull needs: a client looping for ever gets an error instead of
# hanging the test run.
_MAX_REQUESTS = 500
_BOUNDARY = "fake-pacs-boundary"


@dataclass
class HeldInstance:
    study_uid: str
    series_uid: str
    sop_uid: str
    data: bytes


@dataclass
class FakePacs:
    instances: list[HeldInstance] = field(default_factory=list)
    ignore_offset: bool = False
    ignore_limit: bool = False
    # In place of every route's answer, when set.
    override: Callable[[str], Answer] | None = None
    # What each retrieval sends in place of the instance asked for, when set.
    swap: Callable[[HeldInstance], bytes] | None = None
    # How each retrieval's body goes out (pieces, pauses), when set; else all at once.
    pace: Callable[[bytes], Iterable[bytes]] | None = None
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def answer(self, target: str) -> Answer:
        self.requests.append(target)
        if len(self.requests) > _MAX_REQUESTS:
            return 418, {}, b""  # a client asking without end: answer so that it stops
        if self.override is not None:
            return self.override(target)
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.removeprefix("/dicom-web/").strip("/").split("/")
        if parts == ["studies"]:
            studies = {i.study_uid: i for i in self.instances}
            return self._page([_study_json(uid) for uid in studies], query)
        if len(parts) == 3 and parts[0] == "studies" and parts[2] == "instances":
            held = [i for i in self.instances if i.study_uid == parts[1]]
            return self._page([_instance_json(i) for i in held], query)
        if len(parts) == 6 and parts[0] == "studies":
            for held_instance in self.instances:
                if held_instance.sop_uid == parts[5]:
                    data = self.swap(held_instance) if self.swap else held_instance.data
                    body = _multipart(data)
                    return 200, _MULTIPART, self.pace(body) if self.pace else body
        return 404, {}, b""

    def _page(self, items: list[dict[str, object]], query: dict[str, str]) -> Answer:
        offset = 0 if self.ignore_offset else int(query.get("offset", 0))
        limit = len(items) if self.ignore_limit else int(query.get("limit", len(items)))
        return 200, _JSON, json.dumps(items[offset : offset + limit]).encode()


_MULTIPART = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={_BOUNDARY}'}


def _multipart(data: bytes) -> bytes:
    return (
        f"--{_BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
        + data
        + f"\r\n--{_BOUNDARY}--\r\n".encode()
    )


def _study_json(uid: str) -> dict[str, object]:
    return {"0020000D": {"vr": "UI", "Value": [uid]}, "00100020": {"vr": "LO", "Value": ["P1"]}}


def _instance_json(held: HeldInstance) -> dict[str, object]:
    return {
        "0020000E": {"vr": "UI", "Value": [held.series_uid]},
        "00080018": {"vr": "UI", "Value": [held.sop_uid]},
    }


class _Handler(BaseHTTPRequestHandler):
    pacs: FakePacs

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        status, headers, body = self.pacs.answer(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(body, bytes):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.end_headers()
        try:
            for chunk in body:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a size limit does


class FakePacsServer:
    """One server for many PACS states (stopping a server waits for its poll interval, so a
    test module starts one and gives each test a fresh state)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/dicom-web"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakePacsServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve(self, pacs: FakePacs) -> FakePacs:
        pacs.base_url = self.base_url
        _Handler.pacs = pacs
        return pacs
