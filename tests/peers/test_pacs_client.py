"""The DICOMweb client's own rules: multipart parsing, date ranges, which failures are retried."""

from datetime import date

import pytest
import requests

from assist_web.archive.models import RemotePacs
from assist_web.archive.pacs import client
from assist_web.archive.pacs.apis import study_date_range
from assist_web.archive.pacs.client import (
    PacsAuthenticationFailed,
    PacsConnection,
    PacsError,
    PacsUnreachable,
    study_filters,
)
from assist_web.archive.pacs.multipart import multipart_parts
from assist_web.archive.pacs.services import PacsQueryInvalid


def _http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(response=response)


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch) -> PacsConnection:
    monkeypatch.setattr(client, "RETRY_BASE_DELAY_S", 0.0)
    return PacsConnection(RemotePacs(name="PACS", base_url="http://pacs.invalid/dicom-web"))


def test_multipart_parts_are_returned_byte_for_byte() -> None:
    first, second = b"\x00\r\n--not-a-boundary\r\n\xff", b"DICM\r\n"
    body = (
        b"--b1\r\nContent-Type: application/dicom\r\n\r\n" + first + b"\r\n"
        b"--b1\r\nContent-Type: application/dicom\r\n\r\n" + second + b"\r\n--b1--\r\n"
    )

    parts = multipart_parts(body, 'multipart/related; type="application/dicom"; boundary="b1"')

    assert parts == [first, second]


def test_a_lone_unwrapped_instance_is_accepted() -> None:
    assert multipart_parts(b"DICM", "application/dicom") == [b"DICM"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240101", (date(2024, 1, 1), date(2024, 1, 1))),
        ("20240101-20241231", (date(2024, 1, 1), date(2024, 12, 31))),
        ("20240101-", (date(2024, 1, 1), None)),
        ("-20241231", (None, date(2024, 12, 31))),
    ],
)
def test_study_date_ranges(text: str, expected: tuple[date | None, date | None]) -> None:
    assert study_date_range(text) == expected


@pytest.mark.parametrize("text", ["2024-01-01", "20241301", "-", "yesterday", "2024010"])
def test_bad_study_dates_are_refused(text: str) -> None:
    with pytest.raises(PacsQueryInvalid):
        study_date_range(text)


def test_study_filters_use_dicom_range_matching() -> None:
    assert study_filters(patient_id="P1", date_from=date(2024, 1, 1)) == {
        "PatientID": "P1",
        "StudyDate": "20240101-",
    }
    assert study_filters(date_from=date(2024, 5, 1), date_to=date(2024, 5, 1)) == {
        "StudyDate": "20240501"
    }


def test_transient_failures_are_retried_until_one_succeeds(connection: PacsConnection) -> None:
    failures = [requests.ConnectionError(), _http_error(503), requests.Timeout()]

    def call() -> str:
        if failures:
            raise failures.pop(0)
        return "answer"

    assert connection._retrying("a test", call) == "answer"


def test_transient_failures_stop_at_the_cap(connection: PacsConnection) -> None:
    calls = []

    def call() -> None:
        calls.append(1)
        raise _http_error(502)

    with pytest.raises(PacsUnreachable, match="HTTP 502 after 4 tries"):
        connection._retrying("a test", call)
    assert len(calls) == client.RETRY_ATTEMPTS


def test_an_answer_that_is_not_dicomweb_is_a_pacs_error(connection: PacsConnection) -> None:
    def call() -> None:
        raise requests.JSONDecodeError("Expecting value", "<html>", 0)

    with pytest.raises(PacsError, match="not DICOMweb; check the base URL"):
        connection._retrying("a study search", call)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, PacsAuthenticationFailed),
        (403, PacsAuthenticationFailed),
        (404, PacsError),
        (500, PacsError),
    ],
)
def test_other_failures_are_not_retried(
    connection: PacsConnection, status: int, error: type[PacsError]
) -> None:
    calls = []

    def call() -> None:
        calls.append(1)
        raise _http_error(status)

    with pytest.raises(error):
        connection._retrying("a test", call)
    assert len(calls) == 1
