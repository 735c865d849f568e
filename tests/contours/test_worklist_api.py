"""GET /api/v1/worklist/: rows, search, state filters, paging, permissions and query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, Role, User
from assist_web.archive.models import Series, Study
from assist_web.contours.worklist_sequences import sequences_forget
from assist_web.inference.models import ModelVersion, SequenceOverride
from tests.contours.worklist_rows import (
    ai_revision_make,
    approval_make,
    editing_claim,
    export_make,
    human_revision_make,
    job_make,
    model_version_make,
    mr_series_add,
    study_make,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/worklist/"


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> None:
    sequences_forget()


@pytest.fixture
def model() -> ModelVersion:
    return model_version_make()


def _client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _complete_study(name: str, patient_id: str) -> Study:
    study = study_make(name=name, patient_id=patient_id)
    for sequence in ("T1", "T1c", "T2", "FLAIR"):
        mr_series_add(study, sequence)
    return study


def _uids(api: APIClient, **params: str) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["study_uid"] for row in response.json()["results"]]


def test_a_row_holds_patient_sequences_job_and_review(
    api: APIClient, alice: User, model: ModelVersion
) -> None:
    study = study_make(name="Doe^Jane", patient_id="P-17", study_date="20260312")
    for sequence in ("T1c", "FLAIR", "T2"):
        mr_series_add(study, sequence)
    ai = ai_revision_make(study, model)
    since = timezone.now()
    editing_claim(ai, alice, since=since)
    job = job_make(study, model, state="running", percent=40, stage="inference")

    body = api.get(URL).json()

    assert (body["count"], body["page"], body["num_pages"]) == (1, 1, 1)
    assert body["results"] == [
        {
            "study_uid": study.study_instance_uid,
            "patient_name": "Doe, Jane",
            "patient_id": "P-17",
            "study_date": "2026-03-12",
            "description": "",
            "num_series": 3,
            "num_instances": 15,
            "sequences": ["T1c", "T2", "FLAIR"],
            "job": {
                "id": job.pk,
                "state": "running",
                "percent": 40,
                "stage": "inference",
                "error": "",
            },  # fmt: skip
            "review_state": "in_review",
            "reviewer": {
                "username": "alice",
                "name": "Alice",
                "editing": True,
                "since": since.isoformat().replace("+00:00", "Z"),
            },  # fmt: skip
            "structure_set_id": ai.structure_set_id,
            "viewer_url": f"/viewer/{study.study_instance_uid}/",
            "may_run_ai": False,
        }
    ]


def test_a_person_s_choice_of_series_counts_as_present(api: APIClient, alice: User) -> None:
    study = study_make(name="Doe^Jane", patient_id="P-17")
    for sequence in ("T1", "T1c", "T2"):
        mr_series_add(study, sequence)
    odd = mr_series_add(study, "T2")  # a second T2 the person says is the FLAIR
    SequenceOverride.objects.create(study=study, series={"FLAIR": odd.series_instance_uid})

    row = api.get(URL).json()["results"][0]

    assert (row["sequences"], row["may_run_ai"]) == (["T1", "T1c", "T2", "FLAIR"], True)


def test_search_by_name_words_or_patient_id(api: APIClient) -> None:
    jane = study_make(name="Doe^Jane", patient_id="A-100")
    john = study_make(name="Smith^John", patient_id="B-200")

    assert _uids(api, q="jane doe") == [jane.study_instance_uid]
    assert _uids(api, q="Doe, Jane") == [jane.study_instance_uid]
    assert _uids(api, q="b-2") == [john.study_instance_uid]
    assert _uids(api, q="jane smith") == []
    assert _uids(api, q="") == [john.study_instance_uid, jane.study_instance_uid]


def test_filter_by_review_state_and_by_job_state(
    api: APIClient, alice: User, model: ModelVersion
) -> None:
    bare = study_make(name="A^A", patient_id="1")
    to_review = ai_revision_make(study_make(name="B^B", patient_id="2"), model)
    drafted = human_revision_make(ai_revision_make(study_make(name="C^C", patient_id="3"), model),
                                  alice)  # fmt: skip
    editing = ai_revision_make(study_make(name="D^D", patient_id="4"), model)
    editing_claim(editing, alice, since=timezone.now())
    gone = ai_revision_make(study_make(name="E^E", patient_id="5"), model)
    editing_claim(gone, alice, since=timezone.now() - timedelta(minutes=3))
    approved = ai_revision_make(study_make(name="F^F", patient_id="6"), model)
    approval_make(approved, alice)
    exported = ai_revision_make(study_make(name="G^G", patient_id="7"), model)
    approval_make(exported, alice)
    export_make(exported, state="succeeded")
    job_make(bare, model, state="queued", percent=0)
    job_make(editing.structure_set.study, model, state="failed", error="No brain found")

    def uid(revision: object) -> str:
        return revision.structure_set.study.study_instance_uid  # type: ignore[attr-defined]

    assert _uids(api, state="to_review") == [uid(gone), uid(to_review)]
    assert _uids(api, state="in_review") == [uid(editing), uid(drafted)]
    assert _uids(api, state="approved") == [uid(approved)]
    assert _uids(api, state="exported") == [uid(exported)]
    assert _uids(api, state="queued") == [bare.study_instance_uid]
    assert _uids(api, state="failed") == [uid(editing)]
    assert _uids(api, state="running") == []
    # Every AI revision above came from a succeeded job; the failed rerun hides one of them.
    assert len(_uids(api, state="succeeded")) == 5


def test_pages_of_fifty_newest_first(api: APIClient) -> None:
    studies = [study_make(name=f"P^{n}", patient_id=f"{n:03}") for n in range(52)]
    newest_first = [s.study_instance_uid for s in reversed(studies)]

    first = api.get(URL).json()
    second = api.get(URL, {"page": 2}).json()
    beyond = api.get(URL, {"page": 9}).json()

    assert (first["count"], first["num_pages"], len(first["results"])) == (52, 2, 50)
    assert [r["study_uid"] for r in first["results"]] == newest_first[:50]
    assert [r["study_uid"] for r in second["results"]] == newest_first[50:]
    assert beyond["page"] == 2  # past the end: the last page


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"state": "lost"}, 'state: "lost" is not a valid choice.'),
        ({"q": "x" * 101}, "q: Ensure this field has no more than 100 characters."),
        ({"page": "two"}, "page: A valid integer is required."),
        ({"page": "0"}, "page: Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_filters_are_refused_with_a_reason(
    api: APIClient, params: dict[str, str], detail: str
) -> None:
    response = api.get(URL, params)

    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_the_worklist_is_for_people_only(anonymous: APIClient, pete: User, sam: User) -> None:
    study_make(name="Doe^Jane", patient_id="P-17")
    worker = User.objects.create_user(username="gpu-1", role=Role.WORKER)

    assert anonymous.get(URL).status_code == 401
    refused = _client(worker).get(URL)
    assert (refused.status_code, refused.json()) == (
        403, {"detail": "Only physicians, physicists and site admins may see the worklist."}
    )  # fmt: skip
    assert AuditEvent.objects.count() == 0
    for person in (pete, sam):
        assert _client(person).get(URL).json()["count"] == 1


def test_a_worklist_read_is_audited_as_a_search_of_its_studies(api: APIClient) -> None:
    jane = study_make(name="Doe^Jane", patient_id="P-17")
    john = study_make(name="Smith^John", patient_id="P-18")

    api.get(URL)

    events = AuditEvent.objects.filter(action="search", username="alice")
    assert sorted(events.values_list("study_uid", flat=True)) == sorted(
        [jane.study_instance_uid, john.study_instance_uid]
    )
    assert set(events.values_list("resource", flat=True)) == {URL}


def _busy_site(count: int, model: ModelVersion, reviewer: User) -> None:
    for n in range(count):
        study = _complete_study(f"P^{n}", f"{n:04}")
        ai = ai_revision_make(study, model)
        approval_make(human_revision_make(ai, reviewer), reviewer)
        job_make(study, model, state="running", percent=n, stage="inference")


@pytest.mark.parametrize("state", ["", "approved", "running"])
def test_the_number_of_queries_does_not_grow_with_the_page(
    api: APIClient, alice: User, model: ModelVersion, state: str,
    django_assert_max_num_queries: object,
) -> None:  # fmt: skip
    _busy_site(3, model, alice)
    api.get(URL, {"state": state})  # token and verdicts remembered, audit written
    _busy_site(30, model, alice)

    # auth token (remembered), count, page, jobs, review states (2), series, first images,
    # sequence overrides; the audit of the 30 new studies is one bulk insert.
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        body = api.get(URL, {"state": state}).json()

    assert body["count"] == 33
    assert all(row["sequences"] == ["T1", "T1c", "T2", "FLAIR"] for row in body["results"])


def test_a_series_is_judged_again_when_images_arrive(api: APIClient) -> None:
    study = study_make(name="Doe^Jane", patient_id="P-17")
    flair = mr_series_add(study, "FLAIR", images=4)  # too few images for a diagnostic series
    assert api.get(URL).json()["results"][0]["sequences"] == []

    Series.objects.filter(pk=flair.pk).update(num_instances=5)  # the fifth image was stored

    assert api.get(URL).json()["results"][0]["sequences"] == ["FLAIR"]
