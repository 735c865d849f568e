"""Thin wrappers over DCMTK's storescu, echoscu and storescp (Debian package dcmtk).

Each returns the finished process so a test can assert on exit status and DCMTK's own
words; nothing here interprets DICOM itself, which is the point of a second implementation.
"""

import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.peers.ports import free_port

_TIMEOUT_S = 60


def dcmtk_installed() -> bool:
    return all(shutil.which(tool) for tool in ("storescu", "echoscu", "storescp"))


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
    )


def echoscu(
    *, port: int, called_aet: str, calling_aet: str = "ECHOSCU", host: str = "127.0.0.1"
) -> subprocess.CompletedProcess[str]:
    return _run(["echoscu", "-v", "-aet", calling_aet, "-aec", called_aet, host, str(port)])


def storescu(
    paths: Sequence[Path],
    *,
    port: int,
    called_aet: str,
    calling_aet: str = "STORESCU",
    host: str = "127.0.0.1",
    extra: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Send files or folders (folders are scanned recursively) in one association.

    ``--no-halt`` keeps going past a file DCMTK itself cannot read, and ``-R`` proposes only
    the SOP classes present, as a PACS would.
    """
    args = [
        "storescu",
        "-v",
        "--no-halt",
        "-R",
        "+sd",
        "+r",
        "-aet",
        calling_aet,
        "-aec",
        called_aet,
        *extra,
        host,
        str(port),
    ]
    return _run([*args, *[str(p) for p in paths]])


@dataclass
class StoreScp:
    """A DCMTK storescp writing what it receives into ``folder`` (a peer to send to)."""

    folder: Path
    aet: str = "STORESCP"
    port: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> "StoreScp":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        log = (self.folder.parent / f"storescp-{self.port}.log").open("wb")
        self._process = subprocess.Popen(
            ["storescp", "-v", "-aet", self.aet, "-od", str(self.folder), "+B", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if echoscu(port=self.port, called_aet=self.aet).returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("storescp did not answer C-ECHO")

    def received(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
