import numpy as np
import pytest
from pydicom import dcmread
from pydicom.encaps import generate_frames
from pydicom.pixels import iter_pixels
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from assist_web.archive.ingest import IngestResult
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import BASE, NATIVE, parts, pydicom_file, pydicom_path, store

pytestmark = pytest.mark.django_db
OCTET = 'multipart/related; type="application/octet-stream"'


def _url(result: IngestResult) -> str:
    return (
        f"{BASE}/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}/frames"
    )


@pytest.fixture
def multiframe(db: None) -> tuple[IngestResult, np.ndarray]:
    ds = mr_slice(rows=8, columns=6)
    frames = np.arange(3 * 8 * 6, dtype=np.uint16).reshape(3, 8, 6)
    ds.NumberOfFrames = 3
    ds.PixelData = frames.tobytes()
    return store(ds), frames


@pytest.mark.parametrize(
    "accept",
    [
        None,
        OCTET,
        "multipart/related; type=application/octet-stream",
        f"{OCTET}; transfer-syntax={NATIVE}",
        "*/*",
        "application/octet-stream",
        'image/jp2;q=0.9, multipart/related; type="application/octet-stream";q=0.5',
    ],
)
def test_native_frames_for_any_reasonable_accept(
    api: APIClient, multiframe: tuple[IngestResult, np.ndarray], accept: str | None
) -> None:
    result, frames = multiframe
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = api.get(f"{_url(result)}/3,1", **headers)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        'multipart/related; type="application/octet-stream"; boundary='
    )
    received = parts(response)
    assert [p[1] for p in received] == [frames[2].tobytes(), frames[0].tobytes()]
    assert received[0][0]["content-type"] == f"application/octet-stream; transfer-syntax={NATIVE}"


def test_frame_reads_are_audited(api: APIClient, multiframe) -> None:
    result, _ = multiframe

    api.get(f"{_url(result)}/1")

    assert list(AuditEvent.objects.values_list("action", "study_uid", "resource")) == [
        ("read", result.study_instance_uid, f"{_url(result)}/1")
    ]


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("JPEG2000.dcm", "1.2.840.10008.1.2.4.91"),
        ("MR_small_RLE.dcm", "1.2.840.10008.1.2.5"),
        ("SC_rgb_jpeg_gdcm.dcm", "1.2.840.10008.1.2.4.70"),
        ("SC_rgb_rle_2frame.dcm", "1.2.840.10008.1.2.5"),
    ],
)
def test_compressed_frames_decoded_or_as_stored(
    api: APIClient, db: None, name: str, syntax: str
) -> None:
    data = pydicom_file(name)
    result = store(data)
    ds = dcmread(pydicom_path(name))
    count = int(ds.get("NumberOfFrames", 1) or 1)
    numbers = ",".join(str(n) for n in range(1, count + 1))

    native = parts(api.get(f"{_url(result)}/{numbers}", HTTP_ACCEPT=OCTET))
    stored = parts(api.get(f"{_url(result)}/{numbers}", HTTP_ACCEPT=f"{OCTET}; transfer-syntax=*"))

    expected = list(iter_pixels(ds))
    assert [p[1] for p in native] == [
        a.astype(a.dtype.newbyteorder("<")).tobytes() for a in expected
    ]
    assert [p[1] for p in stored] == list(generate_frames(ds.PixelData, number_of_frames=count))
    assert stored[0][0]["content-type"] == f"application/octet-stream; transfer-syntax={syntax}"


def test_a_compressed_media_type_returns_the_stored_frame(api: APIClient, db: None) -> None:
    result = store(pydicom_file("SC_rgb_jpeg_gdcm.dcm"))

    response = api.get(f"{_url(result)}/1", HTTP_ACCEPT='multipart/related; type="image/jpeg"')

    (part,) = parts(response)
    assert part[0]["content-type"] == "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.70"
    assert part[1].startswith(b"\xff\xd8")


def test_native_file_asked_for_as_jpeg_is_406(api: APIClient, multiframe) -> None:
    result, _ = multiframe

    response = api.get(f"{_url(result)}/1", HTTP_ACCEPT='multipart/related; type="image/jpeg"')

    assert response.status_code == 406
    assert "application/octet-stream" in response.json()["detail"]
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("frames", "status", "message"),
    [
        ("4", 404, "Frame 4 does not exist: the instance has 3"),
        ("1,9", 404, "Frame 9 does not exist"),
        ("0", 400, "start at 1"),
        ("a", 400, "not a comma-separated list"),
        ("1,,2", 400, "not a comma-separated list"),
    ],
)
def test_bad_frame_numbers(
    api: APIClient, multiframe, frames: str, status: int, message: str
) -> None:
    result, _ = multiframe

    response = api.get(f"{_url(result)}/{frames}")

    assert response.status_code == status
    assert message in response.json()["detail"]
