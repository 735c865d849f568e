import pytest
import requests

from workers.geometry import GeometryError
from workers.gpu.errors import PermanentError, TransientError, failure_reason, is_transient
from workers.gpu.retry import Backoff, retrying


def _http_error(status: int, url: str = "http://site/dicomweb/studies/1.2?PatientID=x") -> (
        requests.HTTPError):
    response = requests.Response()
    response.status_code = status
    response.reason = {404: "Not Found", 503: "Service Unavailable"}.get(status, "")
    response.url = url
    response.request = requests.Request("GET", url).prepare()
    return requests.HTTPError(response=response)


@pytest.mark.parametrize(("error", "transient"), [
    (requests.ConnectionError(), True),
    (requests.Timeout(), True),
    (_http_error(502), True),
    (_http_error(503), True),
    (_http_error(504), True),
    (TransientError("busy"), True),
    (_http_error(400), False),
    (_http_error(403), False),
    (_http_error(404), False),
    (GeometryError("gantry tilt"), False),
    (PermanentError("no T2"), False),
    (ValueError("bug"), False),
])
def test_classification(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_reasons_are_sentences_without_query_strings() -> None:
    assert failure_reason(_http_error(404)) == (
        "The site answered 404 Not Found to GET /dicomweb/studies/1.2.")
    assert failure_reason(GeometryError("Slices are unevenly spaced.")) == (
        "The images cannot be combined into one volume: Slices are unevenly spaced.")
    assert failure_reason(requests.ConnectionError()) == "The site could not be reached."
    assert failure_reason(KeyError("x")) == "Unexpected error in the inference worker (KeyError)."


def test_transient_errors_are_retried_with_growing_waits_up_to_the_cap() -> None:
    waits: list[float] = []
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _http_error(503)
        return "ok"

    assert retrying(flaky, what="test", sleep=waits.append) == "ok"
    assert waits == [1.0, 2.0]


def test_retries_give_up_after_the_last_attempt() -> None:
    waits: list[float] = []

    def down() -> None:
        raise requests.ConnectionError()

    with pytest.raises(requests.ConnectionError):
        retrying(down, what="test", backoff=Backoff(attempts=4, first_s=10, cap_s=25),
                 sleep=waits.append)
    assert waits == [10, 20, 25]


def test_permanent_errors_are_not_retried() -> None:
    waits: list[float] = []
    calls: list[int] = []

    def missing() -> None:
        calls.append(1)
        raise _http_error(404)

    with pytest.raises(requests.HTTPError):
        retrying(missing, what="test", sleep=waits.append)
    assert (len(calls), waits) == (1, [])
