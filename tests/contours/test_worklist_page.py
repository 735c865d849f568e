"""The worklist page at /: rows rendered by the server, filters, paging and the AI button."""

import re

import pytest
from django.test import Client

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study
from assist_web.contours.worklist_sequences import sequences_forget
from assist_web.inference.jobs import job_create
from assist_web.inference.models import Job, ModelVersion
from tests.contours.worklist_rows import (
    ai_revision_make,
    approval_make,
    job_make,
    model_version_make,
    mr_series_add,
    study_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> None:
    sequences_forget()


@pytest.fixture
def mr_study(db: None) -> Study:
    """Index rows of a study with T1, T1c, T2 and FLAIR (no files: jobs need none to queue)."""
    return _complete()


@pytest.fixture
def active_model() -> ModelVersion:
    return model_version_make(status="active")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: User, query: str = "") -> str:
    response = _client(user).get(f"/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, study: Study) -> str:
    match = re.search(rf'<tr data-study-uid="{re.escape(study.study_instance_uid)}">(.*?)</tr>',
                      html, re.S)  # fmt: skip
    assert match, "row missing"
    return match.group(1)


def _complete(name: str = "Doe^Jane", patient_id: str = "P-17") -> Study:
    study = study_make(name=name, patient_id=patient_id)
    for sequence in ("T1", "T1c", "T2", "FLAIR"):
        mr_series_add(study, sequence)
    return study


def test_a_study_with_all_sequences_and_no_job_offers_the_button(alice: User) -> None:
    study = _complete()

    row = _row(_page(alice), study)

    assert f'<a href="/viewer/{study.study_instance_uid}/">Doe, Jane</a>' in row
    assert re.findall(r'class="seq (\w+)"', row) == ["present"] * 4
    assert f'action="/studies/{study.study_instance_uid}/ai-job/"' in row
    assert f'data-api-url="/api/v1/studies/{study.study_instance_uid}/jobs/"' in row
    assert "csrfmiddlewaretoken" in row
    assert "<form" in row and " hidden>" not in row


def test_a_study_missing_a_sequence_shows_which_and_hides_the_button(alice: User) -> None:
    study = study_make(name="Doe^Jane", patient_id="P-17")
    for sequence in ("T1", "T1c", "T2"):
        mr_series_add(study, sequence)

    row = _row(_page(alice), study)

    assert re.findall(r'class="seq \w+" title="(\w+ \w+)"', row) == [
        "T1 present", "T1c present", "T2 present", "FLAIR missing"
    ]  # fmt: skip
    assert " hidden>" in row


def test_a_running_job_shows_percent_stage_and_a_progress_bar(alice: User) -> None:
    study = _complete()
    job_make(study, model_version_make(), state="running", percent=40, stage="inference")

    row = _row(_page(alice), study)

    assert 'data-job-state="running"' in row
    assert '<span class="job-label">Running 40%</span>' in row
    assert '<progress max="100" value="40"' in row
    assert '<span class="stage">inference</span>' in row


def test_a_failed_job_shows_its_reason(alice: User) -> None:
    study = _complete()
    job_make(study, model_version_make(), state="failed", error="No brain found")

    assert '<span class="job-label">Failed: No brain found</span>' in _row(_page(alice), study)


def test_review_state_and_reviewer_are_shown(alice: User, pete: User) -> None:
    study = _complete()
    approval_make(ai_revision_make(study, model_version_make()), alice)

    row = _row(_page(pete), study)

    assert 'data-review-state="approved"' in row
    assert '<span class="review-badge approved">Approved</span>' in row
    assert '<td class="reviewer">Alice</td>' in row


def test_search_and_state_filter_narrow_the_rows(alice: User) -> None:
    jane = _complete("Doe^Jane", "A-1")
    john = _complete("Smith^John", "B-2")
    ai_revision_make(john, model_version_make())

    by_name = _page(alice, "?q=doe")
    by_state = _page(alice, "?state=to_review")

    assert jane.study_instance_uid in by_name and john.study_instance_uid not in by_name
    assert john.study_instance_uid in by_state and jane.study_instance_uid not in by_state
    assert '<option value="to_review" selected>To review</option>' in by_state
    assert "No study matches." in _page(alice, "?q=nobody")


def test_a_bad_filter_answers_400_with_the_reason(alice: User) -> None:
    response = _client(alice).get("/?state=lost")

    assert response.status_code == 400
    assert "state: &quot;lost&quot; is not a valid choice." in response.content.decode()


def test_pages_link_to_each_other_keeping_the_filters(alice: User) -> None:
    for n in range(51):
        study_make(name=f"Doe^{n}", patient_id=f"{n:03}")

    first = _page(alice, "?q=doe")
    second = _page(alice, "?q=doe&page=2")

    assert (
        "Page 1 of 2 (51 studies)" in first and '<a href="?q=doe&amp;page=2" rel="next">' in first
    )
    assert second.count("<tr data-study-uid=") == 1
    assert '<a href="?q=doe&amp;page=1" rel="prev">' in second


def test_the_button_without_scripts_queues_a_job_and_comes_back(
    alice: User, mr_study: Study, active_model: ModelVersion
) -> None:
    response = _client(alice).post(
        f"/studies/{mr_study.study_instance_uid}/ai-job/", {"next": "/?q=x"}, follow=True
    )

    job = Job.objects.get()
    assert (job.study, job.requested_by, job.state) == (mr_study, alice, "queued")
    assert response.redirect_chain == [("/?q=x", 302)]
    assert "AI contouring of" in response.content.decode()


def test_a_refused_job_says_why_and_makes_nothing(alice: User, mr_study: Study) -> None:
    response = _client(alice).post(
        f"/studies/{mr_study.study_instance_uid}/ai-job/", {"next": "https://evil.example/"},
        follow=True,
    )  # fmt: skip

    assert Job.objects.count() == 0
    assert response.redirect_chain == [("/", 302)]
    assert "No model version is active; a site admin must activate one first." in (
        response.content.decode()
    )


def test_a_worker_identity_can_neither_see_nor_start(
    mr_study: Study, active_model: ModelVersion
) -> None:
    worker = _client(User.objects.create_user(username="gpu-1", role=Role.WORKER))

    assert worker.get("/").status_code == 403
    assert worker.post(f"/studies/{mr_study.study_instance_uid}/ai-job/").status_code == 403
    assert Job.objects.count() == 0


def test_a_live_job_hides_the_button(
    alice: User, mr_study: Study, active_model: ModelVersion
) -> None:
    job_create(study=mr_study)

    row = _row(_page(alice), mr_study)

    assert "Queued" in row and " hidden>" in row
    assert '<span class="stage">waiting for a GPU worker</span>' in row


def test_the_page_takes_the_same_queries_for_3_or_30_studies(
    alice: User, django_assert_max_num_queries: object
) -> None:
    client = _client(alice)
    model = model_version_make()
    for n in range(30):
        study = _complete(f"Doe^{n}", f"{n:03}")
        job_make(study, model, state="running", percent=n, stage="inference")
        approval_make(ai_revision_make(study, model), alice)
        if n == 2:
            client.get("/")  # sessions, verdicts and the audit of the first three warmed up

    # session, user, count, page, jobs, review states (2), series, first images, overrides,
    # and one audit insert for the 27 studies not seen before.
    with django_assert_max_num_queries(11):  # type: ignore[operator]
        html = client.get("/").content.decode()

    assert html.count('<span class="review-badge approved">Approved</span>') == 30
