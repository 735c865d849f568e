import io
import random
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from assist_web.archive.models import Instance, Study
from tests.damage import damaged
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/uploads/"


def _file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _stored_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "dicom").rglob("*.dcm")]


def test_files_are_stored_with_one_result_each_and_the_read_is_audited(api: APIClient) -> None:
    files = [
        _file(
            f"im{n}.dcm",
            to_bytes(mr_slice(study_uid="1.2.3.9", series_uid="1.2.3.9.1", instance_number=n)),
        )
        for n in (1, 2)
    ]

    response = api.post(URL, {"files": [*files, _file("notes.txt", b"hello " * 100)]})

    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["duplicate"], body["refused"]) == (2, 0, 1)
    assert [r["outcome"] for r in body["results"]] == ["stored", "stored", "refused"]
    assert body["results"][2]["file"] == "notes.txt"
    assert "Not a DICOM" in body["results"][2]["reason"]
    assert Instance.objects.count() == 2
    event = AuditEvent.objects.get(action="store")
    assert (event.username, event.study_uid) == ("alice", Study.objects.get().study_instance_uid)


def test_a_zip_is_unpacked_and_each_member_reported(api: APIClient) -> None:
    study = "1.2.3.7"
    archive = _zip(
        {
            "export/a.dcm": to_bytes(mr_slice(study_uid=study, instance_number=1)),
            "export/b.dcm": to_bytes(mr_slice(study_uid=study, instance_number=2)),
            "export/DICOMDIR.txt": b"not dicom",
            "__MACOSX/._a.dcm": b"resource fork",
        }
    )

    response = api.post(URL, {"files": [_file("study.zip", archive)]})

    assert response.status_code == 200
    outcomes = {r["file"]: r["outcome"] for r in response.json()["results"]}
    assert outcomes == {
        "study.zip/export/a.dcm": "stored",
        "study.zip/export/b.dcm": "stored",
        "study.zip/export/DICOMDIR.txt": "refused",
    }
    assert Study.objects.get(study_instance_uid=study).num_instances == 2


@pytest.mark.parametrize(
    "hostile_name", ["../../etc/passwd.dcm", "/abs/x.dcm", "a/../../x.dcm", "C:\\x.dcm"]
)
def test_a_zip_whose_paths_escape_is_refused_whole(
    api: APIClient, data_dir: Path, hostile_name: str
) -> None:
    archive = _zip({"ok.dcm": to_bytes(mr_slice()), hostile_name: to_bytes(mr_slice())})

    response = api.post(URL, {"files": [_file("evil.zip", archive)]})

    assert response.status_code == 400
    assert "escapes its folder" in response.json()["detail"]
    assert not Instance.objects.exists()
    assert _stored_files(data_dir) == []


@override_settings(ASSIST_MAX_ZIP_RATIO=50)
def test_a_zip_bomb_is_refused_before_anything_is_stored(api: APIClient, data_dir: Path) -> None:
    archive = _zip({"a.dcm": to_bytes(mr_slice()), "bomb.dcm": b"\0" * (20 * 1024 * 1024)})

    response = api.post(URL, {"files": [_file("bomb.zip", archive)]})

    assert response.status_code == 400
    assert "zip bomb" in response.json()["detail"]
    assert not Instance.objects.exists()
    assert _stored_files(data_dir) == []


@override_settings(ASSIST_MAX_ZIP_UNCOMPRESSED_BYTES=50_000)
def test_a_zip_larger_than_the_site_allows_is_refused(api: APIClient) -> None:
    members = {f"{n}.dcm": to_bytes(mr_slice(rows=64, columns=64, seed=n)) for n in range(8)}

    response = api.post(
        URL, {"files": [_file("big.zip", _zip(members, compression=zipfile.ZIP_STORED))]}
    )

    assert response.status_code == 400
    assert "more than the 50000 bytes" in response.json()["detail"]
    assert not Instance.objects.exists()


def test_a_damaged_zip_is_refused_with_a_reason(api: APIClient) -> None:
    response = api.post(URL, {"files": [_file("broken.zip", b"PK\x03\x04 not really a zip")]})

    assert response.status_code == 400
    assert response.json()["detail"] == "broken.zip is not a readable zip archive."


def test_zips_damaged_anywhere_are_answered_file_by_file_or_refused_whole(
    api: APIClient,
) -> None:
    members = {f"s/{n}.dcm": to_bytes(mr_slice(instance_number=n, seed=n)) for n in (1, 2, 3)}
    intact = _zip({**members, "s/readme.txt": b"hello " * 50})
    rng = random.Random("damaged zips")
    statuses = []
    for _ in range(150):
        response = api.post(URL, {"files": [_file("export.zip", damaged(rng, intact))]})

        statuses.append(response.status_code)
        if response.status_code == 400:
            assert response.json()["detail"]
        else:
            assert response.status_code == 200, response.content
            assert all(r["reason"] for r in response.json()["results"] if r["outcome"] == "refused")
    assert statuses.count(200) > 30 and statuses.count(400) > 10  # both kinds of damage seen


@override_settings(ASSIST_MAX_UPLOAD_BYTES=10_000)
def test_an_oversized_upload_is_refused_from_its_length(api: APIClient) -> None:
    response = api.post(
        URL, {"files": [_file("big.dcm", to_bytes(mr_slice(rows=128, columns=128)))]}
    )

    assert response.status_code == 413
    assert "at most 10000 bytes" in response.json()["detail"]
    assert not Instance.objects.exists()


def test_no_files_is_a_clear_400(api: APIClient) -> None:
    response = api.post(URL, {})

    assert response.status_code == 400
    assert response.json()["detail"] == "No files were sent."


def test_malformed_multipart_is_a_400_not_a_crash(api: APIClient) -> None:
    response = api.generic(
        "POST",
        URL,
        b'--x\r\nContent-Disposition: form-data; name="files"\r\n\r\nab',
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert not Instance.objects.exists()


def test_anonymous_upload_is_refused_and_stores_nothing(anonymous: APIClient) -> None:
    response = anonymous.post(URL, {"files": [_file("a.dcm", to_bytes(mr_slice()))]})

    assert response.status_code in (401, 403)
    assert not Instance.objects.exists()
