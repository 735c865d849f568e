import io

import numpy as np
import pytest
from PIL import Image
from pydicom.uid import RTStructureSetStorage
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from assist_web.archive.ingest import IngestResult
from assist_web.archive.models import Instance
from assist_web.dicomweb import rendered_sets
from tests.contours.factories import archived_revision
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import BASE, SERIES_UID, STUDY_UID, parts, pydicom_file, store

pytestmark = pytest.mark.django_db


def _url(result: IngestResult) -> str:
    return (
        f"{BASE}/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}"
    )


def _ramp(offset: int = 0, *, series_uid: str = SERIES_UID, **fields: object) -> IngestResult:
    """A 4x4 image whose values run offset..offset+1500 in steps of 100."""
    ds = mr_slice(study_uid=STUDY_UID, series_uid=series_uid, rows=4, columns=4)
    ds.PixelData = (np.arange(16, dtype=np.uint16) * 100 + offset).tobytes()
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


# Study and series rendered, study thumbnail.

SERIES_URL = f"{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}"
OTHER_SERIES_UID = f"{SERIES_UID}.2"
MULTIPART_PNG = 'multipart/related; type="image/png"'


def _windowed(
    offset: int, number: int, *, series_uid: str = SERIES_UID, series_number: int = 1
) -> IngestResult:
    """A ramp whose offset shows: windowed at 500/201, not stretched between its min and max."""
    return _ramp(
        offset,
        series_uid=series_uid,
        SeriesNumber=series_number,
        InstanceNumber=number,
        WindowCenter=500,
        WindowWidth=201,
    )


def _no_image(series_uid: str) -> IngestResult:
    """An object of the RTSTRUCT class: no Image Pixel module, so no pixel data."""
    ds = mr_slice(study_uid=STUDY_UID, series_uid=series_uid)
    for keyword in ("Rows", "Columns", "PixelData", "BitsAllocated", "BitsStored", "HighBit"):
        delattr(ds, keyword)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = RTStructureSetStorage
    ds.Modality = "RTSTRUCT"
    return store(ds)


def test_series_rendered_is_one_png_per_instance_in_instance_order(
    api: APIClient, db: None
) -> None:
    stored = [_windowed(offset, number) for number, offset in ((2, 100), (1, 0), (3, 200))]
    by_number = [stored[1], stored[0], stored[2]]

    response = api.get(f"{SERIES_URL}/rendered", HTTP_ACCEPT=MULTIPART_PNG)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(MULTIPART_PNG)
    received = parts(response)
    assert [headers["content-type"] for headers, _ in received] == ["image/png"] * 3
    rows = [_pixels(content)[1].tolist() for _, content in received]  # values 400..700 + offset
    assert rows == [[0, 128, 255, 255], [128, 255, 255, 255], [255, 255, 255, 255]]
    for (_, content), result in zip(received, by_number, strict=True):
        alone = api.get(f"{_url(result)}/rendered", HTTP_ACCEPT="image/png").content
        assert (_pixels(content) == _pixels(alone)).all()
    event = AuditEvent.objects.get()  # reads of one study within a minute are recorded once
    assert (event.action, event.study_uid) == ("read", STUDY_UID)
    assert event.resource == f"{SERIES_URL}/rendered"


def test_an_image_that_cannot_be_rendered_is_left_out_and_the_body_still_ends(
    api: APIClient, db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stored = [_windowed(0, number) for number in (1, 2, 3)]
    render = rendered_sets.frame_render
    unreadable = Instance.objects.get(sop_instance_uid=stored[1].sop_instance_uid).path

    def render_or_fail(*, path: object, **kwargs: object) -> bytes:
        if str(path).endswith(unreadable):
            raise ValueError("pixel data this site cannot decode")
        return render(path=path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rendered_sets, "frame_render", render_or_fail)

    response = api.get(f"{SERIES_URL}/rendered", HTTP_ACCEPT=MULTIPART_PNG)

    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    boundary = response["Content-Type"].split("boundary=")[1].strip('"')
    assert body.endswith(f"--{boundary}--\r\n".encode())
    assert body.count(b"Content-Type: image/png") == 2
    assert "image 2 of 3 left out, it could not be rendered (ValueError)" in caplog.text
    assert stored[1].sop_instance_uid not in caplog.text


def test_study_rendered_spans_its_series_in_series_order_as_jpeg(api: APIClient, mr_series) -> None:
    mr_series(2, series_uid=OTHER_SERIES_UID, SeriesNumber=2)  # 16x16, stored first
    _ramp(SeriesNumber=1)  # 4x4

    response = api.get(f"{BASE}/studies/{STUDY_UID}/rendered?quality=80")

    assert response["Content-Type"].startswith('multipart/related; type="image/jpeg"')
    images = [Image.open(io.BytesIO(content)) for _, content in parts(response)]
    assert [(i.format, i.size) for i in images] == [("JPEG", (4, 4))] + [("JPEG", (16, 16))] * 2
    assert AuditEvent.objects.get().study_uid == STUDY_UID


def test_rendered_parts_are_fitted_into_the_viewport(api: APIClient, mr_series) -> None:
    mr_series(2)

    response = api.get(f"{SERIES_URL}/rendered?viewport=8,8", HTTP_ACCEPT=MULTIPART_PNG)

    assert [_pixels(content).shape for _, content in parts(response)] == [(8, 8), (8, 8)]


@pytest.mark.parametrize(
    ("accept", "part_type"),
    [
        (None, "image/jpeg"),
        ("*/*", "image/jpeg"),
        ('multipart/related; type="image/jpeg"', "image/jpeg"),
        ("multipart/related; type=image/*", "image/jpeg"),
        ('image/png, multipart/related; type="image/png"', "image/png"),
    ],
)
def test_accept_chooses_the_part_type(
    api: APIClient, mr_series, accept: str | None, part_type: str
) -> None:
    mr_series(2)
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = api.get(f"{SERIES_URL}/rendered", **headers)

    assert response["Content-Type"].startswith(f'multipart/related; type="{part_type}"')
    assert [h["content-type"] for h, _ in parts(response)] == [part_type] * 2


def test_a_single_image_type_for_several_instances_is_406_and_says_what_to_ask(
    api: APIClient, mr_series
) -> None:
    mr_series(2)

    response = api.get(f"{SERIES_URL}/rendered", HTTP_ACCEPT="image/png")

    assert response.status_code == 406
    detail = response.json()["detail"]
    assert 'multipart/related; type="image/png"' in detail and "thumbnail" in detail
    assert not AuditEvent.objects.exists()


def test_an_accept_with_no_image_type_is_406(api: APIClient, mr_series) -> None:
    mr_series(2)

    response = api.get(f"{SERIES_URL}/rendered", HTTP_ACCEPT="application/dicom")

    assert response.status_code == 406
    assert 'type="image/jpeg"' in response.json()["detail"]


def test_a_series_of_one_image_answers_a_single_image_type_with_the_image(
    api: APIClient, db: None
) -> None:
    _windowed(0, 1)
    _no_image(SERIES_UID)  # not an image, so the series still holds one

    response = api.get(f"{SERIES_URL}/rendered", HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert _pixels(response.content)[1].tolist() == [0, 128, 255, 255]


def test_objects_without_pixels_are_left_out(api: APIClient, mr_series) -> None:
    mr_series(2)
    _no_image(OTHER_SERIES_UID)

    response = api.get(f"{BASE}/studies/{STUDY_UID}/rendered", HTTP_ACCEPT=MULTIPART_PNG)

    assert [_pixels(content).shape for _, content in parts(response)] == [(16, 16), (16, 16)]


def test_a_segmentation_is_rendered_from_its_first_frame(api: APIClient, db: None) -> None:
    archived = archived_revision()  # six MR slices, a SEG and an RTSTRUCT, each its own series
    seg = Instance.objects.get(series__modality="SEG")

    response = api.get(
        f"{BASE}/studies/{archived.study.study_instance_uid}/series/"
        f"{seg.series.series_instance_uid}/rendered",
        HTTP_ACCEPT="image/png",
    )

    assert response.status_code == 200
    assert _pixels(response.content).shape == (32, 32)


@pytest.mark.parametrize("level", ["series", "instance"])
def test_an_object_without_pixels_has_no_rendered_form(
    api: APIClient, db: None, level: str
) -> None:
    result = _no_image(SERIES_UID)
    url = SERIES_URL if level == "series" else _url(result)

    response = api.get(f"{url}/rendered")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("Nothing here has pixel data to render")
    assert not AuditEvent.objects.exists()


def test_more_instances_than_the_cap_are_refused(
    api: APIClient, mr_series, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendered_sets, "MAX_RENDERED_INSTANCES", 2)
    mr_series(3)

    response = api.get(f"{SERIES_URL}/rendered")

    assert response.status_code == 400
    assert "holds 3 instances; at most 2" in response.json()["detail"]
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("query", ["?viewport=10", "?viewport=0,10", "?quality=0", "?window=1"])
def test_bad_parameters_on_a_rendered_series_are_400(api: APIClient, mr_series, query: str) -> None:
    mr_series(2)

    response = api.get(f"{SERIES_URL}/rendered{query}")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert not AuditEvent.objects.exists()


def test_study_thumbnail_is_the_middle_image_of_the_largest_series(
    api: APIClient, db: None
) -> None:
    smaller = [_windowed(300, 1), _windowed(400, 2)]
    for _ in range(3):
        _no_image(f"{SERIES_UID}.9")  # the most instances, but no image
    largest = [
        _windowed(offset, number, series_uid=OTHER_SERIES_UID, series_number=2)
        for number, offset in ((1, 0), (3, 200), (2, 100))
    ]

    response = api.get(f"{BASE}/studies/{STUDY_UID}/thumbnail", HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(response.content)).size) <= 128
    thumbnails = [
        api.get(f"{_url(result)}/thumbnail", HTTP_ACCEPT="image/png").content
        for result in [*smaller, *largest]
    ]
    assert len(set(thumbnails)) == 5  # each image looks different
    assert response.content == thumbnails[4]  # instance number 2 of the largest series
    event = AuditEvent.objects.get()  # reads of one study within a minute are recorded once
    assert (event.action, event.study_uid) == ("read", STUDY_UID)
    assert event.resource == f"{BASE}/studies/{STUDY_UID}/thumbnail"


@pytest.mark.parametrize("resource", ["rendered", "thumbnail"])
def test_an_unknown_study_is_404(api: APIClient, db: None, resource: str) -> None:
    response = api.get(f"{BASE}/studies/1.2.826.0.1.3680043.8.498.99/{resource}")

    assert response.status_code == 404
    assert response.json()["detail"] == "No such study is stored here."
    assert not AuditEvent.objects.exists()
