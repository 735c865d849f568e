import io

import numpy as np
import pytest
from PIL import Image
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from assist_web.archive.ingest import IngestResult
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import BASE, SERIES_UID, STUDY_UID, pydicom_file, store

pytestmark = pytest.mark.django_db


def _url(result: IngestResult) -> str:
    return (
        f"{BASE}/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}"
    )


def _ramp(**fields: object) -> IngestResult:
    """A 4x4 image whose values run 0..1500 in steps of 100."""
    ds = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, rows=4, columns=4)
    ds.PixelData = (np.arange(16, dtype=np.uint16) * 100).tobytes()
    for keyword, value in fields.items():
        setattr(ds, keyword, value)
    return store(ds)


def _pixels(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)))


def test_png_is_windowed_with_the_files_window(api: APIClient, db: None) -> None:
    result = _ramp(WindowCenter=500, WindowWidth=201)

    response = api.get(f"{_url(result)}/rendered", HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    row = _pixels(response.content)[1]  # values 400, 500, 600, 700
    assert row.tolist() == [0, 128, 255, 255]
    assert AuditEvent.objects.get().action == "read"


def test_without_a_window_min_and_max_span_the_grey_scale(api: APIClient, db: None) -> None:
    result = _ramp()

    pixels = _pixels(api.get(f"{_url(result)}/rendered", HTTP_ACCEPT="image/png").content)

    assert (pixels.min(), pixels.max()) == (0, 255)
    assert pixels[0, 0] == 0


def test_monochrome1_is_inverted(api: APIClient, db: None) -> None:
    result = _ramp(PhotometricInterpretation="MONOCHROME1")

    pixels = _pixels(api.get(f"{_url(result)}/rendered", HTTP_ACCEPT="image/png").content)

    assert (pixels[0, 0], pixels[3, 3]) == (255, 0)


def test_window_parameter_overrides_the_file(api: APIClient, db: None) -> None:
    result = _ramp(WindowCenter=500, WindowWidth=201)

    pixels = _pixels(
        api.get(f"{_url(result)}/rendered?window=1000,2001,linear", HTTP_ACCEPT="image/png").content
    )

    assert pixels[0, 0] == 0 and pixels[3, 3] == 191


def test_jpeg_by_default_with_viewport_and_quality(api: APIClient, db: None) -> None:
    result = _ramp()

    response = api.get(f"{_url(result)}/frames/1/rendered?viewport=64,32&quality=50")

    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (32, 32))


def test_rgb_jpeg_file_renders_in_colour(api: APIClient, db: None) -> None:
    result = store(pydicom_file("SC_rgb_jpeg_gdcm.dcm"))

    image = Image.open(
        io.BytesIO(api.get(f"{_url(result)}/rendered", HTTP_ACCEPT="image/png").content)
    )

    assert (image.mode, image.size) == ("RGB", (100, 100))


def test_series_thumbnail_is_a_small_image_of_the_middle_instance(
    api: APIClient, mr_series
) -> None:
    mr_series(3)

    response = api.get(f"{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}/thumbnail")

    assert response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (128, 128)


def test_instance_thumbnail(api: APIClient, db: None) -> None:
    result = _ramp()

    response = api.get(f"{_url(result)}/thumbnail?viewport=10,10", HTTP_ACCEPT="image/png")

    assert Image.open(io.BytesIO(response.content)).size == (10, 10)


@pytest.mark.parametrize(
    ("query", "accept", "status"),
    [
        ("", "application/pdf", 406),
        ("?quality=0", "image/jpeg", 400),
        ("?quality=high", "image/jpeg", 400),
        ("?viewport=10", "image/jpeg", 400),
        ("?viewport=0,10", "image/jpeg", 400),
        ("?window=40,0", "image/jpeg", 400),
    ],
)
def test_refusals(api: APIClient, db: None, query: str, accept: str, status: int) -> None:
    result = _ramp()

    response = api.get(f"{_url(result)}/rendered{query}", HTTP_ACCEPT=accept)

    assert response.status_code == status
    assert response.json()["detail"]
    assert not AuditEvent.objects.exists()


def test_rendered_frame_out_of_range_is_404(api: APIClient, db: None) -> None:
    result = _ramp()

    assert api.get(f"{_url(result)}/frames/2/rendered").status_code == 404
