import io
import json
import random
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, Role, User
from assist_web.archive import store
from assist_web.archive.models import Instance, SiteSettings, Study
from tests.damage import damaged
from tests.dicom_files import mr_slice, to_bytes
from tests.dicomweb.conftest import BASE, SERIES_UID, STUDY_UID, pydicom_file

pytestmark = pytest.mark.django_db
BOUNDARY = "b0und4ry"
CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary="{BOUNDARY}"'


def _body(*objects: bytes, boundary: str = BOUNDARY, part_type: str = "application/dicom") -> bytes:
    out = io.BytesIO()
    for data in objects:
        out.write(f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def _post(api: APIClient, body: bytes, url: str = f"{BASE}/studies", **extra: str):  # type: ignore[no-untyped-def]
    return api.generic(
        "POST", url, body, content_type=extra.pop("content_type", CONTENT_TYPE), **extra
    )


def _nothing_stored(data_dir: Path) -> bool:
    files = (
        [p for p in (data_dir / "dicom").rglob("*.dcm")] if (data_dir / "dicom").exists() else []
    )
    return not Instance.objects.exists() and not files


def _slice(n: int = 1, **kw: object) -> bytes:
    return to_bytes(mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, instance_number=n, **kw))


def test_all_stored_is_200_with_references(api: APIClient, data_dir: Path) -> None:
    first, second = _slice(1), _slice(2)

    response = _post(api, _body(first, second))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    reply = json.loads(response.content)
    assert reply["00081190"] == {
        "vr": "UR",
        "Value": [f"http://testserver{BASE}/studies/{STUDY_UID}"],
    }
    items = reply["00081199"]["Value"]
    sops = list(
        Instance.objects.order_by("instance_number").values_list("sop_instance_uid", flat=True)
    )
    assert [i["00081155"]["Value"][0] for i in items] == sops
    assert items[0]["00081150"] == {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.4"]}
    assert items[0]["00081190"]["Value"] == [
        f"http://testserver{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}/instances/{sops[0]}"
    ]
    assert "00081198" not in reply
    assert [
        (data_dir / "dicom" / i.path).read_bytes()
        for i in Instance.objects.order_by("instance_number")
    ] == [first, second]
    assert list(AuditEvent.objects.values_list("action", "study_uid")) == [("store", STUDY_UID)]


def test_identical_duplicates_are_a_success(api: APIClient, db: None) -> None:
    data = _slice()
    _post(api, _body(data))

    response = _post(api, _body(data))

    assert response.status_code == 200
    assert len(json.loads(response.content)["00081199"]["Value"]) == 1
    assert Instance.objects.count() == 1


def test_some_failed_is_202_with_a_readable_reason(api: APIClient, db: None) -> None:
    response = _post(api, _body(_slice(), b"this is not DICOM at all" * 10))

    assert response.status_code == 202
    reply = json.loads(response.content)
    assert len(reply["00081199"]["Value"]) == 1
    (failed,) = reply["00081198"]["Value"]
    assert failed["00081197"] == {"vr": "US", "Value": [0xC000]}
    assert "Not a DICOM Part 10 file" in failed["00000902"]["Value"][0]
    assert Instance.objects.count() == 1


def test_all_failed_is_409(api: APIClient, data_dir: Path) -> None:
    ds = mr_slice()
    ds.PixelData = ds.PixelData[:10]

    response = _post(api, _body(to_bytes(ds)))

    assert response.status_code == 409
    (failed,) = json.loads(response.content)["00081198"]["Value"]
    assert failed["00081155"] == {"vr": "UI", "Value": [ds.SOPInstanceUID]}
    assert "truncated" in failed["00000902"]["Value"][0]
    assert _nothing_stored(data_dir)


def test_study_in_the_url_refuses_objects_of_another_study(api: APIClient, data_dir: Path) -> None:
    response = _post(api, _body(to_bytes(mr_slice())), url=f"{BASE}/studies/{STUDY_UID}")

    assert response.status_code == 409
    (failed,) = json.loads(response.content)["00081198"]["Value"]
    assert failed["00081197"]["Value"] == [0xA900]
    assert "another study" in failed["00000902"]["Value"][0]
    assert _nothing_stored(data_dir)


def test_a_full_disk_fails_each_object_as_out_of_resources(
    api: APIClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "write", write)

    response = _post(api, _body(_slice(1), _slice(2)))

    assert response.status_code == 409
    failed = json.loads(response.content)["00081198"]["Value"]
    assert [f["00081197"]["Value"] for f in failed] == [[0xA700], [0xA700]]
    assert failed[0]["00000902"]["Value"][0].startswith("The archive's storage is full")
    assert _nothing_stored(data_dir)


def test_study_in_the_url_accepts_its_own(api: APIClient, db: None) -> None:
    response = _post(api, _body(_slice()), url=f"{BASE}/studies/{STUDY_UID}")

    assert response.status_code == 200
    assert Study.objects.get().study_instance_uid == STUDY_UID


def test_a_different_object_under_a_stored_uid_is_refused_as_duplicate(
    api: APIClient, db: None
) -> None:
    _post(api, _body(_slice(sop_uid="1.2.3.4", seed=1)))

    response = _post(api, _body(_slice(sop_uid="1.2.3.4", seed=2)))

    assert response.status_code == 409
    (failed,) = json.loads(response.content)["00081198"]["Value"]
    assert failed["00081197"]["Value"] == [0x0111]


def test_compressed_files_are_stored_byte_exact(api: APIClient, data_dir: Path) -> None:
    data = pydicom_file("JPEG2000.dcm")

    response = _post(api, _body(data))

    assert response.status_code == 200
    assert (data_dir / "dicom" / Instance.objects.get().path).read_bytes() == data


@pytest.mark.parametrize(
    "content_type",
    [
        f"multipart/related; type=application/dicom; boundary={BOUNDARY}",
        f'multipart/related; boundary="{BOUNDARY}"; type="application/dicom"',
        f"Multipart/Related; boundary={BOUNDARY}",
    ],
)
def test_content_type_variants(api: APIClient, db: None, content_type: str) -> None:
    response = _post(api, _body(_slice()), content_type=content_type)

    assert response.status_code == 200


def test_parts_without_headers_preamble_and_padding(api: APIClient, db: None) -> None:
    data = _slice()
    body = (
        b"a preamble to ignore\r\n"
        + f"--{BOUNDARY}  \r\n\r\n".encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\nan epilogue".encode()
    )

    response = _post(api, body)

    assert response.status_code == 200


def test_a_part_of_another_type_fails_alone(api: APIClient, db: None) -> None:
    body = _body(b'{"not": "dicom"}', part_type="application/json")

    response = _post(api, body)

    assert response.status_code == 409
    (failed,) = json.loads(response.content)["00081198"]["Value"]
    assert "only application/dicom" in failed["00000902"]["Value"][0]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "message"),
    [
        ("application/dicom", None, 415, "multipart/related"),
        (
            'multipart/related; type="application/dicom+json"; boundary=x',
            None,
            415,
            "application/dicom only",
        ),
        ('multipart/related; type="application/dicom"', None, 400, "no boundary"),
        (
            f'multipart/related; type="application/dicom"; boundary="{"x" * 71}"',
            None,
            400,
            "not valid",
        ),
        (CONTENT_TYPE, b"no delimiters here", 400, "no part delimited"),
        (CONTENT_TYPE, f"--{BOUNDARY}--\r\n".encode(), 400, "holds no parts"),
        (CONTENT_TYPE, b"", 400, "empty"),
        (CONTENT_TYPE, "cut", 400, "closing boundary is missing"),
        (
            CONTENT_TYPE,
            f"--{BOUNDARY}\r\nContent-Type application/dicom\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
            400,
            "malformed header",
        ),
        (
            CONTENT_TYPE,
            f"--{BOUNDARY}\r\nContent-Type: application/dicom".encode()
            + b"\r\n--"
            + BOUNDARY.encode()
            + b"--",
            400,
            "CRLF CRLF",
        ),
    ],
)
def test_malformed_requests_store_nothing(
    api: APIClient,
    data_dir: Path,
    content_type: str,
    body: bytes | str | None,
    status: int,
    message: str,
) -> None:
    if body is None:
        body = _body(_slice())
    elif body == "cut":
        body = _body(_slice(), _slice(2))[:-30]  # the second part and the closing line cut off

    # The test client leaves Content-Length out for an empty body; a real client sends 0.
    response = _post(api, body, content_type=content_type, CONTENT_LENGTH=str(len(body)))

    assert response.status_code == status
    assert message in response.json()["detail"]
    assert _nothing_stored(data_dir)


@override_settings(ASSIST_MAX_UPLOAD_BYTES=2048)
def test_a_body_over_the_limit_is_413_before_reading(api: APIClient, data_dir: Path) -> None:
    response = _post(api, _body(_slice(rows=32, columns=32)))

    assert response.status_code == 413
    assert "2048" in response.json()["detail"]
    assert _nothing_stored(data_dir)


def test_a_chunked_upload_without_content_length(api: APIClient, db: None) -> None:
    body = _body(_slice())
    response = api.generic(
        "POST",
        f"{BASE}/studies",
        b"",
        content_type=CONTENT_TYPE,
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )

    assert response.status_code == 200
    assert Instance.objects.count() == 1


@override_settings(ASSIST_MAX_UPLOAD_BYTES=2048)
def test_a_chunked_upload_past_the_limit_is_413(api: APIClient, data_dir: Path) -> None:
    body = _body(_slice(rows=32, columns=32))
    response = api.generic(
        "POST",
        f"{BASE}/studies",
        b"",
        content_type=CONTENT_TYPE,
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )

    assert response.status_code == 413
    assert _nothing_stored(data_dir)


def test_no_length_and_no_chunked_server_is_411(api: APIClient, data_dir: Path) -> None:
    response = api.generic(
        "POST", f"{BASE}/studies", b"", content_type=CONTENT_TYPE, CONTENT_LENGTH=""
    )

    assert response.status_code == 411


def _deidentify_on() -> None:
    site = SiteSettings.current()
    site.deidentify_on_ingest = True
    site.save()


def test_with_deidentification_on_a_gpu_workers_results_keep_the_archives_uids(
    data_dir: Path,
) -> None:
    _deidentify_on()
    worker = User.objects.create_user(username="gpu-1", role=Role.WORKER)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=worker).key}")
    result = _slice(7)

    response = _post(api, _body(result))

    assert response.status_code == 200
    stored = Instance.objects.get()
    assert (stored.series.study.study_instance_uid, stored.series.series_instance_uid) == (
        STUDY_UID,
        SERIES_UID,
    )
    assert (data_dir / "dicom" / stored.path).read_bytes() == result


def test_with_deidentification_on_a_persons_stow_is_deidentified(api: APIClient) -> None:
    _deidentify_on()

    response = _post(api, _body(_slice(1)))

    assert response.status_code == 200
    study = Study.objects.get()
    assert study.study_instance_uid != STUDY_UID
    assert study.patient.name != "Doe^Jane"


def test_damaged_request_bodies_are_answered_per_ps3_18_never_with_an_error(
    api: APIClient, db: None
) -> None:
    intact = _body(_slice(1, seed=1), _slice(2, seed=2), _slice(3, seed=3))
    rng = random.Random("damaged stow bodies")
    statuses = []
    for _ in range(200):
        response = _post(api, damaged(rng, intact), HTTP_ACCEPT="application/dicom+json")

        statuses.append(response.status_code)
        assert response.status_code in (200, 202, 400, 409), response.content
    assert statuses.count(400) > 20 and statuses.count(409) > 20  # both kinds of damage seen
    stored = Instance.objects.count()
    assert stored == sum(1 for p in (Path(store.file_store().root)).rglob("*.dcm"))


def test_with_deidentification_on_a_stow_to_the_studys_own_url_is_stored(
    api: APIClient,
) -> None:
    """The sender names the study by the UID it knows, the one before de-identification."""
    _deidentify_on()

    response = _post(api, _body(_slice(1)), url=f"{BASE}/studies/{STUDY_UID}")

    assert response.status_code == 200, response.json()
    stored = Study.objects.get().study_instance_uid
    assert stored != STUDY_UID
    # Read back where it is: under the archive's UID.
    assert response.json()["00081190"]["Value"] == [f"http://testserver{BASE}/studies/{stored}"]


def test_with_deidentification_on_another_studys_object_is_still_refused(api: APIClient) -> None:
    _deidentify_on()
    stranger = to_bytes(mr_slice(study_uid="1.2.826.0.1.3680043.8.498.99", instance_number=1))

    response = _post(api, _body(stranger), url=f"{BASE}/studies/{STUDY_UID}")

    assert response.status_code == 409
    assert not Study.objects.exists()
