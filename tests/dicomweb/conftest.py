"""Helpers for the DICOMweb tests: stored series, pydicom test files, multipart decoding."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.http import HttpResponse
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from assist_web.archive.ingest import IngestResult, Outcome, instance_ingest
from assist_web.archive.models import Instance
from tests.dicom_files import mr_slice, to_bytes

STUDY_UID = "1.2.826.0.1.3680043.8.498.10"
SERIES_UID = "1.2.826.0.1.3680043.8.498.10.1"
BASE = "/dicomweb"
NATIVE = "1.2.840.10008.1.2.1"


def store(data: bytes | Dataset) -> IngestResult:
    result = instance_ingest(data=to_bytes(data) if isinstance(data, Dataset) else data)
    assert result.outcome == Outcome.STORED, result.reason
    return result


def pydicom_path(name: str) -> Path:
    """A file from pydicom's bundled test data (no download)."""
    path = get_testdata_file(name)
    assert path is not None, name
    return Path(path)


def pydicom_file(name: str) -> bytes:
    return pydicom_path(name).read_bytes()


def stored_path(data_dir: Path, sop_uid: str) -> Path:
    return data_dir / "dicom" / Instance.objects.get(sop_instance_uid=sop_uid).path


def parts(response: HttpResponse) -> list[tuple[dict[str, str], bytes]]:
    """Decode a multipart/related test-client response into (headers, content) pairs."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return multipart_parts(response["Content-Type"], body)


def multipart_parts(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    assert content_type.startswith("multipart/related"), content_type
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    assert boundary is not None
    pieces = body.split(b"--" + boundary.group(1).encode())
    assert pieces[-1] in (b"--\r\n", b"--")
    decoded = []
    for piece in pieces[1:-1]:
        head, _, content = piece[2:].partition(b"\r\n\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in head.decode().split("\r\n"))
        )
        assert content.endswith(b"\r\n")
        decoded.append((headers, content[:-2]))
    return decoded


@pytest.fixture
def mr_series(db: None) -> Callable[..., list[IngestResult]]:
    """Store ``count`` MR slices of one series; returns their ingest results in order."""

    def make(
        count: int = 3,
        *,
        study_uid: str = STUDY_UID,
        series_uid: str = SERIES_UID,
        **fields: object,
    ) -> list[IngestResult]:
        results = []
        for n in range(1, count + 1):
            ds = mr_slice(study_uid=study_uid, series_uid=series_uid, instance_number=n, seed=n)
            for keyword, value in fields.items():
                setattr(ds, keyword, value)
            results.append(store(ds))
        return results

    return make
