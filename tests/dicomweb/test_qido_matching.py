"""QIDO-RS matching at its edges: characters that mean something to SQL, case, open ranges,
unknown values. The searches are plain SQL, so these pin what the database is asked."""

import json

import pytest
from rest_framework.test import APIClient

from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import BASE, store

pytestmark = pytest.mark.django_db


def _study(study_uid: str, **fields: object) -> None:
    ds = mr_slice(study_uid=study_uid, series_uid=study_uid + ".1")
    for keyword, value in fields.items():
        setattr(ds, keyword, value)
    store(ds)


@pytest.fixture
def odd_studies(db: None) -> None:
    _study(
        "1.2.4.1",
        PatientName="Do%e^Ann",
        PatientID="ID_1",
        StudyDate="20200101",
        StudyTime="101010",
        AccessionNumber="acc1",
    )
    _study(
        "1.2.4.2",
        PatientName="Doxe^Bob",
        PatientID="IDX1",
        StudyDate="20200102",
        StudyTime="105959.9",
        AccessionNumber="ACC1",
    )
    _study(
        "1.2.4.3",
        PatientName="Do_e^Cy",
        PatientID="ID%1",
        StudyDate="",
        StudyTime="",
        AccessionNumber="",
    )


def _uids(api: APIClient, url: str, tag: str = "0020000D") -> list[str]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    return [item[tag]["Value"][0] for item in json.loads(response.content)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["1.2.4.2", "1.2.4.1", "1.2.4.3"]),  # newest first, an unknown date last
        ("PatientName=Do%25*", ["1.2.4.1"]),  # % is a character, not a LIKE wildcard
        ("PatientName=do_*", ["1.2.4.3"]),  # and so is _
        ("PatientName=DO%25E^ANN", ["1.2.4.1"]),
        ("PatientName=do%3Fe*", ["1.2.4.2", "1.2.4.1", "1.2.4.3"]),
        ("PatientName=bob&fuzzymatching=true", ["1.2.4.2"]),
        ("PatientID=ID_1", ["1.2.4.1"]),
        ("PatientID=id_1", []),  # IDs match case-sensitively
        ("PatientID=ID%3F1", ["1.2.4.2", "1.2.4.1", "1.2.4.3"]),
        ("PatientID=ID%251", ["1.2.4.3"]),
        ("AccessionNumber=ACC1", ["1.2.4.2"]),
        ("StudyTime=100000-10", ["1.2.4.2", "1.2.4.1"]),  # the bound hour admits all of it
        ("StudyTime=-101010", ["1.2.4.1"]),
        ("StudyTime=1010-1010", ["1.2.4.1"]),  # equal ends still a range: all of 10:10
        ("StudyTime=1010", []),  # one value matches exactly
        ("StudyTime=101010", ["1.2.4.1"]),
        ("StudyDate=20200101-20200101", ["1.2.4.1"]),
        ("StudyDate=-20200101", ["1.2.4.1"]),  # an unknown date is in no range
        ("StudyDate=20200101-&StudyTime=105959.9", ["1.2.4.2"]),
        ("ModalitiesInStudy=,", []),  # nothing listed
        ("ModalitiesInStudy=mr", []),
        ("ModalitiesInStudy=MR&PatientID=IDX1", ["1.2.4.2"]),
        ("limit=1&offset=1", ["1.2.4.1"]),
        ("offset=3", []),
    ],
)
def test_study_matching_edges(
    api: APIClient, odd_studies: None, query: str, expected: list[str]
) -> None:
    assert _uids(api, f"{BASE}/studies?{query}") == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PatientName=do%25*", ["1.2.4.1.1"]),  # a study attribute in a series search
        ("SeriesNumber=1&PatientID=ID%251", ["1.2.4.3.1"]),
        ("SeriesNumber=99999999999", []),  # past any stored integer: no match, no error
        ("Modality=mr", []),
    ],
)
def test_series_matching_edges(
    api: APIClient, odd_studies: None, query: str, expected: list[str]
) -> None:
    assert _uids(api, f"{BASE}/series?{query}", "0020000E") == expected


def test_an_empty_value_returns_the_attribute_without_matching(
    api: APIClient, odd_studies: None
) -> None:
    studies = json.loads(api.get(f"{BASE}/studies?IssuerOfPatientID=&AccessionNumber=").content)

    assert len(studies) == 3
    assert all(s["00100021"] == {"vr": "LO"} for s in studies)
    assert [s["00080050"] for s in studies] == [
        {"vr": "SH", "Value": ["ACC1"]},
        {"vr": "SH", "Value": ["acc1"]},
        {"vr": "SH"},
    ]


def test_answers_list_their_attributes_in_tag_order(api: APIClient, odd_studies: None) -> None:
    for url in (f"{BASE}/studies", f"{BASE}/series", f"{BASE}/instances?includefield=all"):
        for item in json.loads(api.get(url).content):
            assert list(item) == sorted(item)
