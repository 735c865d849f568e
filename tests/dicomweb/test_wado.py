import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import (
    BASE,
    SERIES_UID,
    STUDY_UID,
    parts,
    pydicom_file,
    store,
    stored_path,
)

pytestmark = pytest.mark.django_db
SERIES_URL = f"{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}"
DICOM = 'multipart/related; type="application/dicom"'


def test_series_retrieve_streams_every_file_byte_exact(
    api: APIClient, mr_series, data_dir: Path
) -> None:
    results = mr_series(3)

    response = api.get(SERIES_URL, HTTP_ACCEPT='multipart/related; type="application/dicom"')

    assert response.status_code == 200
    assert response.streaming
    received = parts(response)
    assert [p[1] for p in received] == [
        stored_path(data_dir, r.sop_instance_uid).read_bytes() for r in results
    ]
    assert received[0][0]["content-type"] == (
        "application/dicom; transfer-syntax=1.2.840.10008.1.2.1"
    )


def test_study_and_instance_retrieve(api: APIClient, mr_series, data_dir: Path) -> None:
    first, *_ = mr_series(2)
    other = mr_series(1, series_uid="1.2.826.0.1.3680043.8.498.10.2")[0]
    instance_url = f"{SERIES_URL}/instances/{first.sop_instance_uid}"

    study = parts(api.get(f"{BASE}/studies/{STUDY_UID}"))
    (instance,) = parts(api.get(instance_url, HTTP_ACCEPT="*/*"))

    assert len(study) == 3
    assert study[-1][1] == stored_path(data_dir, other.sop_instance_uid).read_bytes()
    assert instance[1] == stored_path(data_dir, first.sop_instance_uid).read_bytes()


def test_compressed_files_come_back_as_stored(api: APIClient, data_dir: Path) -> None:
    result = store(pydicom_file("JPEG2000.dcm"))
    url = (
        f"{BASE}/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}"
    )

    (part,) = parts(
        api.get(url, HTTP_ACCEPT='multipart/related; type="application/dicom"; transfer-syntax=*')
    )

    assert part[1] == pydicom_file("JPEG2000.dcm")
    assert part[0]["content-type"].endswith("transfer-syntax=1.2.840.10008.1.2.4.91")


def test_a_transfer_syntax_that_would_need_transcoding_is_406(api: APIClient, mr_series) -> None:
    mr_series(1)

    response = api.get(
        SERIES_URL,
        HTTP_ACCEPT=f"{DICOM}; transfer-syntax=1.2.840.10008.1.2.4.50",
    )

    assert response.status_code == 406
    assert "transfer-syntax=*" in response.json()["detail"]
    assert not AuditEvent.objects.exists()


def test_unknown_objects_are_404_and_bad_uids_400(api: APIClient, mr_series) -> None:
    mr_series(1)

    assert api.get(f"{BASE}/studies/1.2.3.4").status_code == 404
    assert api.get(f"{BASE}/studies/{STUDY_UID}/series/1.2.3.4").status_code == 404
    assert api.get(f"{SERIES_URL}/instances/1.2.3.4/metadata").status_code == 404
    assert api.get(f"{BASE}/studies/1..2/metadata").status_code == 400
    # A series reached through the wrong study is not found either.
    assert api.get(f"{BASE}/studies/1.2.3.4/series/{SERIES_UID}").status_code == 404


def test_series_metadata_is_the_stored_json_with_this_sites_urls(api: APIClient, db: None) -> None:
    sops = [
        store(
            mr_slice(
                study_uid=STUDY_UID, series_uid=SERIES_UID, instance_number=n, rows=32, columns=32
            )
        ).sop_instance_uid
        for n in (2, 1)
    ]

    response = api.get(f"{SERIES_URL}/metadata")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    body = json.loads(response.content)
    assert [i["00080018"]["Value"][0] for i in body] == [sops[1], sops[0]]  # by InstanceNumber
    assert body[0]["7FE00010"] == {
        "vr": "OW",
        "BulkDataURI": f"http://testserver{SERIES_URL}/instances/{sops[1]}/bulkdata/7FE00010",
    }
    assert body[0]["00020010"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}
    assert b"@@" not in response.content


def test_study_and_instance_metadata(api: APIClient, mr_series) -> None:
    first, *_ = mr_series(2)

    study = json.loads(api.get(f"{BASE}/studies/{STUDY_UID}/metadata").content)
    instance = json.loads(
        api.get(f"{SERIES_URL}/instances/{first.sop_instance_uid}/metadata").content
    )

    assert len(study) == 2
    assert [i["00080018"]["Value"][0] for i in instance] == [first.sop_instance_uid]
    # Two reads of one study by one user within the audit window are one audited access.
    events = AuditEvent.objects.values_list("action", "study_uid")
    assert list(events) == [("read", STUDY_UID)]


def test_pixel_data_bulkdata_is_the_native_pixels(api: APIClient, db: None) -> None:
    ds = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, rows=32, columns=32)
    sop = store(ds).sop_instance_uid

    (part,) = parts(api.get(f"{SERIES_URL}/instances/{sop}/bulkdata/7FE00010"))

    assert part[1] == ds.PixelData
    assert part[0]["content-type"] == (
        "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
    )


def test_other_bulkdata_is_the_stored_value(api: APIClient, db: None) -> None:
    ds = mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID)
    ds.add_new(0x00291010, "OB", b"\x01\x02" * 600)  # a private blob above the threshold
    sop = store(ds).sop_instance_uid
    url = f"{SERIES_URL}/instances/{sop}/bulkdata"

    (part,) = parts(api.get(f"{url}/00291010"))

    assert part[1] == b"\x01\x02" * 600
    assert api.get(f"{url}/00291099").status_code == 404
    assert api.get(f"{url}/nothex!!").status_code == 400
