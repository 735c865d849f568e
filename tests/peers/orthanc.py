"""A real Orthanc (Debian package) with the DICOMweb plugin, as a PACS to pull from.

``OrthancPeer.start(folder)`` writes a config into ``folder``, starts Orthanc on loopback
with basic auth on, and waits until its REST API answers; ``stop()`` ends it.
"""

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ORTHANC_BINARY = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
USERNAME = "assist"
PASSWORD = "orthanc-test-pass"  # noqa: S105 - a throwaway peer on loopback
_START_TIMEOUT_S = 30.0


class OrthancUnavailable(RuntimeError):
    pass


def orthanc_installed() -> bool:
    return Path(ORTHANC_BINARY).exists() and DICOMWEB_PLUGIN.exists()


@dataclass
class OrthancPeer:
    folder: Path
    http_port: int
    dicom_port: int
    aet: str = "ORTHANC"
    username: str = USERNAME
    password: str = PASSWORD
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    @property
    def log_path(self) -> Path:
        return self.folder / "orthanc.log"

    def config(self) -> dict[str, object]:
        return {
            "Name": "assist-test-orthanc",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "index"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.aet,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {self.username: self.password},
            "Plugins": [str(DICOMWEB_PLUGIN)],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
            # Keep what was uploaded byte for byte: no compression, no transcoding.
            "StorageCompression": False,
            "DicomModalities": {},
        }

    def start(self) -> "OrthancPeer":
        if not orthanc_installed():
            raise OrthancUnavailable(
                f"Orthanc or its DICOMweb plugin is missing ({ORTHANC_BINARY})"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        config_path = self.folder / "orthanc.json"
        config_path.write_text(json.dumps(self.config(), indent=2))
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [ORTHANC_BINARY, str(config_path)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self._wait_until_answering()
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise OrthancUnavailable(f"Orthanc exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/system", auth=self.auth, timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise OrthancUnavailable(f"Orthanc did not answer within {_START_TIMEOUT_S}s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def upload(self, data: bytes) -> str:
        """Store one Part 10 file through Orthanc's REST API; return Orthanc's instance ID."""
        response = requests.post(
            f"{self.url}/instances",
            data=data,
            auth=self.auth,
            headers={"Content-Type": "application/dicom"},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["ID"])

    def instance_file(self, orthanc_id: str) -> bytes:
        """The file exactly as Orthanc keeps it."""
        response = requests.get(
            f"{self.url}/instances/{orthanc_id}/file", auth=self.auth, timeout=30
        )
        response.raise_for_status()
        return response.content

    def clear(self) -> None:
        """Delete every patient, so a test starts from an empty PACS."""
        response = requests.get(f"{self.url}/patients", auth=self.auth, timeout=10)
        response.raise_for_status()
        for patient in response.json():
            requests.delete(f"{self.url}/patients/{patient}", auth=self.auth, timeout=10)
