"""A minimal DICOMweb server on 127.0.0.1 (QIDO instances, WADO-RS series, STOW-RS), enough
to drive ``dicomweb-client`` for real; answers can be scripted per request to test retries."""

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pydicom
from pydicom import Dataset

from tests.gpu.serving import serving

BOUNDARY = "assist-test-boundary"


@dataclass
class ArchiveState:
    series: dict[str, list[Dataset]]  # SeriesInstanceUID -> instances
    token: str = "worker-token"
    failures: list[int] = field(default_factory=list)  # statuses to answer first, in order
    stored: list[Dataset] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _parts(content_type: str, body: bytes) -> list[bytes]:
    """Payloads of a multipart/related body (whatever comes before the first boundary and
    after the closing one is ignored, as RFC 2046 says)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    assert found, content_type
    marker = b"--" + found.group(1).encode()
    payloads = []
    for chunk in body.split(marker)[1:]:
        if chunk.startswith(b"--"):
            break
        _, _, payload = chunk.partition(b"\r\n\r\n")
        payloads.append(payload.removesuffix(b"\r\n"))
    return payloads


def _handler(state: ArchiveState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _refused(self) -> bool:
            state.requests.append(f"{self.command} {self.path.split('?')[0]}")
            if self.headers.get("Authorization") != f"Token {state.token}":
                self._send(401, "application/json", b"{}")
                return True
            if state.failures:
                self._send(state.failures.pop(0), "text/plain", b"busy")
                return True
            return False

        def do_GET(self) -> None:
            if self._refused():
                return
            path = self.path.split("?")[0]
            found = re.fullmatch(r"/dicomweb/studies/[^/]+/series/([^/]+)(/instances)?", path)
            if not found:
                self._send(404, "text/plain", b"")
                return
            instances = state.series.get(found.group(1), [])
            if found.group(2):  # QIDO
                body = [
                    {"00080018": {"vr": "UI", "Value": [ds.SOPInstanceUID]}} for ds in instances
                ]
                self._send(
                    200 if body else 204,
                    "application/dicom+json",
                    json.dumps(body).encode() if body else b"",
                )
                return
            if not instances:
                self._send(404, "text/plain", b"")
                return
            parts = (
                b"".join(
                    f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
                    + _bytes(ds)
                    + b"\r\n"
                    for ds in instances
                )
                + f"--{BOUNDARY}--".encode()
            )
            self._send(
                200, f'multipart/related; type="application/dicom"; boundary={BOUNDARY}', parts
            )

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b""  # dicomweb-client streams STOW bodies in chunks
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return body

        def do_POST(self) -> None:
            body = self._body()
            if self._refused():
                return
            for payload in _parts(self.headers["Content-Type"], body):
                state.stored.append(pydicom.dcmread(io.BytesIO(payload)))
            self._send(200, "application/dicom+json", b"{}")

    return Handler


@contextmanager
def archive_running(state: ArchiveState) -> Iterator[str]:
    with serving(_handler(state)) as url:
        yield url
