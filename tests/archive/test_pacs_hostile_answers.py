"""A PACS that misbehaves: paging it ignores, listings without end, answers too large, another
object than the one asked for, and seeded garbage. A search is a 502 that says why and a pull
ends with a reason; nothing is stored that was not asked for, and no answer exhausts memory or
loops for ever."""

import gzip
import json
import random
import time
import uuid
from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import User
from assist_web.archive.models import Instance, PacsPull, RemotePacs, Study
from assist_web.archive.pacs import answers, client
from assist_web.archive.pacs.pulling import pacs_pull_execute
from tests.archive.fake_pacs import Answer, FakePacs, FakePacsServer, HeldInstance
from tests.archive.hostile_json import hostile_answer
from tests.dicom_files import mr_slice, to_bytes

pytestmark = pytest.mark.django_db

STUDY = "1.2.826.0.1.3680043.8.498.7001"
OTHER_STUDY = "1.2.826.0.1.3680043.8.498.7002"


@pytest.fixture(scope="module")
def server() -> Iterator[FakePacsServer]:
    with FakePacsServer() as running:
        yield running


@pytest.fixture
def pacs(server: FakePacsServer) -> FakePacs:
    return server.serve(FakePacs())


@pytest.fixture
def remote(pacs: FakePacs) -> RemotePacs:
    return RemotePacs.objects.create(name="Hostile", base_url=pacs.base_url)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "RETRY_BASE_DELAY_S", 0.0)


def _held(
    study_uid: str, count: int, *, patient_id: str = "P1", size: int = 16
) -> list[HeldInstance]:
    series_uid = f"{study_uid}.1"
    held = []
    for n in range(1, count + 1):
        ds = mr_slice(
            study_uid=study_uid,
            series_uid=series_uid,
            sop_uid=f"{series_uid}.{n}",
            patient_id=patient_id,
            instance_number=n,
            rows=size,
            columns=size,
        )
        held.append(HeldInstance(study_uid, series_uid, f"{series_uid}.{n}", to_bytes(ds)))
    return held


def _pull(remote: RemotePacs, user: User, **target: object) -> PacsPull:
    pull = PacsPull.objects.create(remote=remote, requested_by=user, **target)
    pacs_pull_execute(pull_id=pull.pk)
    pull.refresh_from_db()
    return pull


def _instance_searches(pacs: FakePacs) -> list[str]:
    return [r for r in pacs.requests if r.split("?")[0].endswith(f"{STUDY}/instances")]


def _offsets(requests: list[str]) -> list[int]:
    return [int(r.split("offset=")[1].split("&")[0]) for r in requests]


def test_a_pacs_that_pages_is_listed_page_by_page(
    pacs: FakePacs, remote: RemotePacs, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    pacs.instances = _held(STUDY, 5)

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert (pull.state, pull.num_stored, pull.error) == (PacsPull.State.SUCCEEDED, 5, "")
    assert _offsets(_instance_searches(pacs)) == [0, 2, 4, 5]


def test_a_pacs_that_ignores_paging_is_listed_once(
    pacs: FakePacs, remote: RemotePacs, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    pacs.instances = _held(STUDY, 5)
    pacs.ignore_offset = pacs.ignore_limit = True

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert (pull.state, pull.num_stored) == (PacsPull.State.SUCCEEDED, 5)
    # The second page repeats the first: the listing is complete.
    assert len(_instance_searches(pacs)) == 2


def test_a_pacs_that_ignores_only_the_offset_fails_the_pull_naming_it(
    pacs: FakePacs, remote: RemotePacs, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    pacs.instances = _held(STUDY, 5)
    pacs.ignore_offset = True

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert pull.state == PacsPull.State.FAILED
    assert pull.error == (
        "PACS Hostile answers every page of an instance search with the same 2 results (it "
        "ignores the offset parameter), so the rest cannot be listed. Ask its administrator."
    )
    assert Instance.objects.count() == 0
    assert len(pacs.requests) == 2


def test_a_listing_without_end_stops_at_its_cap(
    pacs: FakePacs, remote: RemotePacs, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "PAGE_SIZE", 10)
    monkeypatch.setattr(client, "MAX_INSTANCES_LISTED", 25)

    def endless(target: str) -> Answer:
        page = [
            {
                "0020000E": {"vr": "UI", "Value": [f"{STUDY}.1"]},
                "00080018": {"vr": "UI", "Value": [f"2.25.{uuid.uuid4().int}"]},
            }
            for _ in range(10)
        ]
        return 200, {"Content-Type": "application/dicom+json"}, json.dumps(page).encode()

    pacs.override = endless

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert pull.state == PacsPull.State.FAILED
    assert pull.error == (
        "An instance search on PACS Hostile found more than 25 results; narrow the query."
    )
    assert len(pacs.requests) == 3
    assert Instance.objects.count() == 0


def test_a_query_matching_more_studies_than_a_pull_takes_fails(
    pacs: FakePacs, remote: RemotePacs, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "MAX_STUDIES_PULLED", 3)
    pacs.instances = [h for n in range(4) for h in _held(f"{STUDY}.{n}", 1)]

    pull = _pull(remote, alice, patient_id="P1")

    assert pull.state == PacsPull.State.FAILED
    assert pull.error == (
        "A study search on PACS Hostile found more than 3 results; narrow the query."
    )
    assert Instance.objects.count() == 0


def _spaces(total: int) -> Iterator[bytes]:
    yield b"["
    for _ in range(total // 65536):
        yield b" " * 65536
    yield b"]"


@pytest.mark.parametrize(
    "answer",
    [
        # A body streamed without a length, larger than the limit.
        (200, {"Content-Type": "application/dicom+json"}, _spaces(8 * 1024**2)),
        # A length declared larger than the limit: refused before reading.
        (200, {"Content-Type": "application/dicom+json", "Content-Length": str(10**12)}, []),
        # Small on the wire, large once decompressed.
        (
            200,
            {"Content-Type": "application/dicom+json", "Content-Encoding": "gzip"},
            gzip.compress(b"[" + b" " * 8 * 1024**2 + b"]"),
        ),
    ],
    ids=["streamed", "declared", "compressed"],
)
def test_a_search_answer_over_its_size_limit_is_a_502(
    answer: Answer,
    pacs: FakePacs,
    remote: RemotePacs,
    api: APIClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answers, "MAX_JSON_BYTES", 1024**2)
    pacs.override = lambda target: answer

    response = api.get(f"/api/v1/pacs/{remote.pk}/studies?PatientID=P1")

    assert response.status_code == 502
    assert response.json() == {
        "detail": "PACS Hostile sent more than 1 MB in answer to a study search; check the "
        "base URL."
    }


def test_an_instance_over_the_upload_limit_fails_the_pull(
    pacs: FakePacs, remote: RemotePacs, alice: User, settings: object
) -> None:
    settings.ASSIST_MAX_UPLOAD_BYTES = 1024**2  # type: ignore[attr-defined]
    pacs.instances = _held(STUDY, 1, size=1024)  # 2 MB of pixels

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert pull.state == PacsPull.State.FAILED
    assert pull.error == (
        "PACS Hostile sent more than 1 MB in answer to an instance retrieval; check the base URL."
    )
    assert Instance.objects.count() == 0


def _dripped(body: bytes) -> Iterator[bytes]:
    """The start of the answer, then a byte every 0.1 s for 30 s (a client without a floor
    would wait that long): each read gets something long before the read timeout."""
    yield body[:200]
    for _ in range(300):
        time.sleep(0.1)
        yield b"x"


def _steady(body: bytes) -> Iterator[bytes]:
    """The whole answer in pieces of 100 bytes with a pause before each."""
    for start in range(0, len(body), 100):
        time.sleep(0.05)
        yield body[start : start + 100]


@pytest.fixture
def slow_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer may take 0.5 s, then must keep up 1 kB/s."""
    monkeypatch.setattr(answers, "ANSWER_GRACE_S", 0.5)
    monkeypatch.setattr(answers, "ANSWER_MIN_BYTES_PER_S", 1024)


def test_an_answer_dripped_a_byte_at_a_time_is_cut_off(
    pacs: FakePacs, remote: RemotePacs, alice: User, slow_floor: None
) -> None:
    pacs.instances = _held(STUDY, 1)
    pacs.pace = _dripped
    started = time.monotonic()

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert time.monotonic() - started < 10
    assert pull.state == PacsPull.State.FAILED
    assert pull.error.startswith(
        "PACS Hostile sent its answer to an instance retrieval too slowly ("
    )
    assert pull.error.endswith(" s) and was cut off.")
    assert Instance.objects.count() == 0


def test_an_answer_that_arrives_slowly_but_steadily_is_taken(
    pacs: FakePacs, remote: RemotePacs, alice: User, slow_floor: None
) -> None:
    pacs.instances = _held(STUDY, 2)
    pacs.pace = _steady
    started = time.monotonic()

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert time.monotonic() - started > 2 * answers.ANSWER_GRACE_S  # longer than the grace
    assert (pull.state, pull.num_stored, pull.error) == (PacsPull.State.SUCCEEDED, 2, "")
    assert Instance.objects.count() == 2


def test_an_object_other_than_the_one_asked_for_is_not_stored(
    pacs: FakePacs, remote: RemotePacs, alice: User
) -> None:
    pacs.instances = _held(STUDY, 3)
    strangers = iter(_held(OTHER_STUDY, 3, patient_id="SOMEONE-ELSE"))
    pacs.swap = lambda held: next(strangers).data

    pull = _pull(remote, alice, study_instance_uid=STUDY)

    assert (pull.state, pull.num_stored, pull.num_refused) == (PacsPull.State.SUCCEEDED, 0, 3)
    assert pull.error == (
        "3 object(s) refused by the archive; first: The PACS answered with another object than "
        "the instance asked for."
    )
    assert not Study.objects.exists()
    assert Instance.objects.count() == 0


def test_hostile_answers_are_refused_with_a_reason(
    pacs: FakePacs, remote: RemotePacs, api: APIClient, alice: User
) -> None:
    rng = random.Random(20261127)
    seen: dict[int, int] = {}
    for case in range(150):
        answer = hostile_answer(rng)
        pacs.override = lambda target, answer=answer: answer

        response = api.get(f"/api/v1/pacs/{remote.pk}/studies?PatientID=P1")
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code in (200, 502), (case, answer)
        if response.status_code == 502:
            assert response.json()["detail"].startswith(("PACS Hostile", "The ")), case
        pull = _pull(remote, alice, patient_id="P1")
        assert pull.state in (PacsPull.State.FAILED, PacsPull.State.SUCCEEDED), case
        assert not pull.error.startswith("Internal error"), (case, answer)
    assert Instance.objects.count() == 0
    # The garbage reached both outcomes of a search: refused, and read as no or odd studies.
    assert set(seen) == {200, 502}
