"""A minimal site over real HTTP on 127.0.0.1: the job endpoints of the REST contract.

It records every request so tests can assert exactly what the worker said, and answers with
the status codes the real site uses (409 for a job already claimed or a lease not held).
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.gpu.serving import serving

LEASE = "lease-1"


@dataclass
class SiteState:
    job: dict[str, Any]
    claim_status: int = 200
    progress_status: int = 200
    token: str = "worker-token"
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def posted(self, action: str) -> list[dict[str, Any]]:
        return [
            body
            for method, path, body in self.calls
            if method == "POST" and path.endswith(f"/{action}/")
        ]


def _handler(state: SiteState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Token {state.token}":
                self._answer(401, {"detail": "Invalid token."})
                return False
            return True

        def do_GET(self) -> None:
            state.calls.append(("GET", self.path, {}))
            if self._authorised() and re.fullmatch(r"/api/v1/jobs/\d+/", self.path):
                self._answer(200, state.job)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.calls.append(("POST", self.path, body))
            if not self._authorised():
                return
            action = self.path.rstrip("/").rsplit("/", 1)[-1]
            if action == "claim":
                self._answer(
                    state.claim_status,
                    {"lease_token": LEASE}
                    if state.claim_status == 200
                    else {"detail": "running elsewhere"},
                )
            elif body.get("lease_token") != LEASE:
                self._answer(409, {"detail": "lease not held"})
            elif action == "progress":
                self._answer(state.progress_status, {})
            else:
                self._answer(200, {})

    return Handler


@contextmanager
def site_running(state: SiteState) -> Iterator[str]:
    with serving(_handler(state)) as url:
        yield url
