import json

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import BASE, SERIES_UID, STUDY_UID, store

pytestmark = pytest.mark.django_db


def _study(study_uid: str, **fields: object) -> str:
    ds = mr_slice(study_uid=study_uid, series_uid=study_uid + ".1")
    for keyword, value in fields.items():
        setattr(ds, keyword, value)
    return store(ds).sop_instance_uid


@pytest.fixture
def three_studies(db: None) -> None:
    _study(
        "1.2.3.1",
        PatientName="Doe^Jane",
        PatientID="P1",
        StudyDate="20200115",
        AccessionNumber="A1",
    )
    _study(
        "1.2.3.2",
        PatientName="Smith^John",
        PatientID="P2",
        StudyDate="20210620",
        AccessionNumber="A2",
        Modality="CT",
    )
    _study(
        "1.2.3.3",
        PatientName="DOE^JOHN",
        PatientID="P3",
        StudyDate="20221231",
        AccessionNumber="A3",
    )


def _uids(api: APIClient, url: str, tag: str = "0020000D") -> list[str]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/dicom+json"
    return [item[tag]["Value"][0] for item in json.loads(response.content)]


def test_study_search_returns_the_standard_attributes(api: APIClient, mr_series) -> None:
    mr_series(2)

    response = api.get(f"{BASE}/studies")

    assert response.status_code == 200
    (study,) = json.loads(response.content)
    assert study["0020000D"] == {"vr": "UI", "Value": [STUDY_UID]}
    assert study["00100010"] == {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane"}]}
    assert study["00100020"] == {"vr": "LO", "Value": ["PAT-001"]}
    assert study["00080020"] == {"vr": "DA", "Value": ["20260101"]}
    assert study["00080030"] == {"vr": "TM", "Value": ["101010"]}
    assert study["00080050"] == {"vr": "SH", "Value": ["ACC1"]}
    assert study["00080061"] == {"vr": "CS", "Value": ["MR"]}
    assert study["00100030"] == {"vr": "DA", "Value": ["19700101"]}
    assert study["00201206"] == {"vr": "IS", "Value": [1]}
    assert study["00201208"] == {"vr": "IS", "Value": [2]}
    assert study["00080090"] == {"vr": "PN"}  # empty, yet present
    assert study["00081030"] == {"vr": "LO"}
    assert study["00081190"] == {
        "vr": "UR",
        "Value": [f"http://testserver{BASE}/studies/{STUDY_UID}"],
    }
    assert "00100021" not in study  # IssuerOfPatientID only on request


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PatientID=P2", ["1.2.3.2"]),
        ("00100020=P2", ["1.2.3.2"]),
        ("PatientName=doe*", ["1.2.3.3", "1.2.3.1"]),
        ("PatientName=d%3Fe^j*", ["1.2.3.3", "1.2.3.1"]),
        ("PatientName=smith^john", ["1.2.3.2"]),
        ("PatientName=john&fuzzymatching=true", ["1.2.3.3", "1.2.3.2"]),
        ("StudyDate=20210620", ["1.2.3.2"]),
        ("StudyDate=20200101-20211231", ["1.2.3.2", "1.2.3.1"]),
        ("StudyDate=-20210101", ["1.2.3.1"]),
        ("StudyDate=20210101-", ["1.2.3.3", "1.2.3.2"]),
        ("ModalitiesInStudy=CT", ["1.2.3.2"]),
        ("Modality=CT", ["1.2.3.2"]),
        ("ModalitiesInStudy=CT\\MR", ["1.2.3.3", "1.2.3.2", "1.2.3.1"]),
        ("StudyInstanceUID=1.2.3.1,1.2.3.3", ["1.2.3.3", "1.2.3.1"]),
        ("StudyInstanceUID=1.2.3.1\\1.2.3.2", ["1.2.3.2", "1.2.3.1"]),
        ("AccessionNumber=A3", ["1.2.3.3"]),
        ("PatientID=nobody", []),
    ],
)
def test_study_matching(
    api: APIClient, three_studies: None, query: str, expected: list[str]
) -> None:
    assert _uids(api, f"{BASE}/studies?{query}") == expected


def test_limit_and_offset_page_through_newest_first_with_a_warning(
    api: APIClient, three_studies: None
) -> None:
    first = api.get(f"{BASE}/studies?limit=2")
    second = api.get(f"{BASE}/studies?limit=2&offset=2")

    assert [s["0020000D"]["Value"][0] for s in json.loads(first.content)] == ["1.2.3.3", "1.2.3.2"]
    assert "additional results" in first["Warning"]
    assert [s["0020000D"]["Value"][0] for s in json.loads(second.content)] == ["1.2.3.1"]
    assert "Warning" not in second


def test_empty_result_is_an_empty_array(api: APIClient, db: None) -> None:
    response = api.get(f"{BASE}/studies?PatientID=nobody")

    assert (response.status_code, response.content) == (200, b"[]")


def test_series_search_across_studies_and_within_one(api: APIClient, mr_series) -> None:
    mr_series(2)
    mr_series(
        1,
        series_uid="1.2.826.0.1.3680043.8.498.10.2",
        Modality="CT",
        SeriesNumber=2,
        SeriesDescription="planning CT",
    )

    everything = json.loads(api.get(f"{BASE}/series").content)
    ct = json.loads(api.get(f"{BASE}/studies/{STUDY_UID}/series?Modality=CT").content)

    assert [s["0020000E"]["Value"][0] for s in everything] == [
        SERIES_UID,
        "1.2.826.0.1.3680043.8.498.10.2",
    ]
    assert everything[0]["00201209"] == {"vr": "IS", "Value": [2]}
    assert everything[0]["00100020"] == {"vr": "LO", "Value": ["PAT-001"]}  # not study-scoped
    (series,) = ct
    assert series["00080060"] == {"vr": "CS", "Value": ["CT"]}
    assert series["0008103E"] == {"vr": "LO", "Value": ["planning CT"]}
    assert series["00200011"] == {"vr": "IS", "Value": [2]}
    assert "00100020" not in series  # study attributes are left out of a study-scoped search
    assert series["00081190"]["Value"] == [
        f"http://testserver{BASE}/studies/{STUDY_UID}/series/1.2.826.0.1.3680043.8.498.10.2"
    ]


def test_instance_search_at_each_scope(api: APIClient, mr_series) -> None:
    results = mr_series(3)
    sops = [r.sop_instance_uid for r in results]

    for url in (
        f"{BASE}/instances",
        f"{BASE}/studies/{STUDY_UID}/instances",
        f"{BASE}/studies/{STUDY_UID}/series/{SERIES_UID}/instances",
    ):
        assert _uids(api, url, "00080018") == sops
    (item,) = json.loads(
        api.get(f"{BASE}/instances?SOPInstanceUID={sops[1]}&includefield=00080070").content
    )
    assert item["00200013"] == {"vr": "IS", "Value": [2]}
    assert item["00280010"] == {"vr": "US", "Value": [16]}
    assert item["00280011"] == {"vr": "US", "Value": [16]}
    assert item["00280008"] == {"vr": "IS", "Value": [1]}
    assert item["00080016"] == {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.4"]}
    assert item["00083002"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}
    assert "00080070" not in item  # Manufacturer: asked for, not in the object


def test_includefield_all_at_instance_level_adds_the_stored_attributes(
    api: APIClient, db: None
) -> None:
    store(mr_slice(rows=32, columns=32))  # 2 KiB of pixels: above the bulk data threshold

    (item,) = json.loads(api.get(f"{BASE}/instances?includefield=all").content)

    assert item["00200032"]["Value"] == [0, 0, 1]  # ImagePositionPatient, from the metadata
    assert item["00280030"]["Value"] == [1, 1]
    assert item["7FE00010"]["BulkDataURI"].startswith(f"http://testserver{BASE}/studies/")


def test_includefield_by_keyword_adds_an_indexed_attribute(api: APIClient, mr_series) -> None:
    mr_series(1)

    (study,) = json.loads(api.get(f"{BASE}/studies?includefield=IssuerOfPatientID").content)

    assert study["00100021"] == {"vr": "LO"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("NotAKeyword=1", "not a DICOM attribute"),
        ("Manufacturer=GE", "cannot be used to search"),
        ("SOPInstanceUID=1.2.3", "instance-level attribute"),
        ("StudyDate=2020-01-01", "not a YYYYMMDD"),
        ("StudyDate=20201301", "not a YYYYMMDD"),
        ("StudyDate=-", "at least one end"),
        ("limit=ten", "whole number"),
        ("limit=0", "at least 1"),
        ("offset=-1", "at least 0"),
        ("offset=99999999999999999999", "at most 2147483647"),
        ("limit=99999999999999999999", "at most 2147483647"),
        ("StudyInstanceUID=1.2.abc", "not a valid DICOM UID"),
        ("StudyInstanceUID=1.02.3", "not a valid DICOM UID"),
        ("fuzzymatching=maybe", "'true' or 'false'"),
        ("includefield=Nonsense", "not a DICOM attribute"),
    ],
)
def test_bad_parameters_are_a_400_that_says_why(
    api: APIClient, db: None, query: str, message: str
) -> None:
    response = api.get(f"{BASE}/studies?{query}")

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not AuditEvent.objects.exists()


def test_a_bad_uid_in_the_url_is_a_400(api: APIClient, db: None) -> None:
    response = api.get(f"{BASE}/studies/1.2.x/series")

    assert response.status_code == 400
    assert "not a valid DICOM UID" in response.json()["detail"]


def test_searches_are_audited_with_the_study_uids_found(api: APIClient, three_studies) -> None:
    api.get(f"{BASE}/studies?PatientName=doe*")

    events = AuditEvent.objects.order_by("study_uid")
    assert [(e.username, e.action, e.study_uid) for e in events] == [
        ("alice", "search", "1.2.3.1"),
        ("alice", "search", "1.2.3.3"),
    ]
    assert events[0].resource == f"{BASE}/studies"


def test_xml_only_clients_get_406(api: APIClient, db: None) -> None:
    response = api.get(f"{BASE}/studies", HTTP_ACCEPT="application/dicom+xml")

    assert response.status_code == 406
