"""Review states derived from structure sets, revisions, approvals and exports."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from assist_web.accounts.models import Role, User
from assist_web.archive.models import Study
from assist_web.contours.models import Revision
from assist_web.contours.review_state import (
    Reviewer,
    ReviewState,
    ReviewStatus,
    review_states,
    structure_set_review_status,
    studies_in_review_state,
)
from assist_web.inference.models import ModelVersion
from tests.contours.worklist_rows import (
    ai_revision_make,
    approval_make,
    editing_claim,
    export_make,
    human_revision_make,
    model_version_make,
    study_make,
)

pytestmark = pytest.mark.django_db

ALICE = Reviewer(username="alice", name="Alice")
BOB = Reviewer(username="bob", name="Bob Brown")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user(
        username="bob", role=Role.PHYSICIAN, first_name="Bob", last_name="Brown"
    )


@pytest.fixture
def model() -> ModelVersion:
    return model_version_make()


def _state(study_id: int) -> ReviewStatus:
    return review_states(study_ids=[study_id])[study_id]


def test_a_study_without_contours_has_no_review_state(model: ModelVersion) -> None:
    study = study_make(name="Doe^Jane", patient_id="P1")

    assert review_states(study_ids=[study.pk]) == {}


def test_the_ai_proposal_alone_is_to_review(model: ModelVersion) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)

    assert _state(ai.structure_set.study_id) == ReviewStatus(
        state=ReviewState.TO_REVIEW, structure_set_id=ai.structure_set_id, revision_id=ai.pk,
        reviewer=None, editing=False, since=None,
    )  # fmt: skip


def test_someone_editing_now_puts_it_in_review_by_them(alice: User, model: ModelVersion) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    since = timezone.now() - timedelta(seconds=30)
    editing_claim(ai, alice, since=since)

    assert _state(ai.structure_set.study_id) == ReviewStatus(
        state=ReviewState.IN_REVIEW, structure_set_id=ai.structure_set_id, revision_id=ai.pk,
        reviewer=ALICE, editing=True, since=since,
    )  # fmt: skip


def test_an_editor_gone_for_over_two_minutes_no_longer_counts(
    alice: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    editing_claim(ai, alice, since=timezone.now() - timedelta(minutes=2, seconds=5))

    status = _state(ai.structure_set.study_id)

    assert (status.state, status.reviewer, status.editing) == (ReviewState.TO_REVIEW, None, False)


def test_a_saved_draft_nobody_approved_is_in_review_by_its_author(
    bob: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    draft = human_revision_make(ai, bob)

    assert _state(ai.structure_set.study_id) == ReviewStatus(
        state=ReviewState.IN_REVIEW, structure_set_id=ai.structure_set_id, revision_id=draft.pk,
        reviewer=BOB, editing=False, since=draft.created_at,
    )  # fmt: skip


def test_a_draft_still_being_written_is_in_review(bob: User, model: ModelVersion) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    human_revision_make(ai, bob, state="writing")

    assert _state(ai.structure_set.study_id).state == ReviewState.IN_REVIEW


def test_an_approved_newest_revision_is_approved_by_the_signer(
    alice: User, bob: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    draft = human_revision_make(ai, bob)
    approval = approval_make(draft, alice)
    export_make(draft, state="failed")  # a failed send does not make it exported

    assert _state(ai.structure_set.study_id) == ReviewStatus(
        state=ReviewState.APPROVED, structure_set_id=ai.structure_set_id, revision_id=draft.pk,
        reviewer=ALICE, editing=False, since=approval.approved_at,
    )  # fmt: skip


def test_the_ai_proposal_approved_as_it_is_is_approved(alice: User, model: ModelVersion) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    approval_make(ai, alice)

    status = _state(ai.structure_set.study_id)

    assert (status.state, status.reviewer) == (ReviewState.APPROVED, ALICE)


def test_a_succeeded_export_of_the_approved_revision_makes_it_exported(
    alice: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    approval = approval_make(ai, alice)
    export_make(ai, state="queued")
    export_make(ai, state="succeeded")

    assert _state(ai.structure_set.study_id) == ReviewStatus(
        state=ReviewState.EXPORTED, structure_set_id=ai.structure_set_id, revision_id=ai.pk,
        reviewer=ALICE, editing=False, since=approval.approved_at,
    )  # fmt: skip


def test_a_draft_newer_than_the_approval_is_back_in_review(
    alice: User, bob: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    approved = human_revision_make(ai, alice)
    approval_make(approved, alice)
    export_make(approved, state="succeeded")
    draft = human_revision_make(approved, bob)

    status = _state(ai.structure_set.study_id)

    assert (status.state, status.revision_id, status.reviewer) == (
        ReviewState.IN_REVIEW, draft.pk, BOB
    )  # fmt: skip


def test_opening_an_approved_set_for_editing_keeps_it_approved(
    alice: User, bob: User, model: ModelVersion
) -> None:
    # The sign-off stands until a new draft is saved; who looks at it meanwhile does not count.
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    approval_make(ai, alice)
    editing_claim(ai, bob, since=timezone.now())

    status = _state(ai.structure_set.study_id)

    assert (status.state, status.reviewer, status.editing) == (ReviewState.APPROVED, ALICE, True)


def test_a_download_of_the_approved_revision_is_not_an_export(
    alice: User, model: ModelVersion
) -> None:
    ai = ai_revision_make(study_make(name="Doe^Jane", patient_id="P1"), model)
    approval_make(ai, alice)
    export_make(ai, state="succeeded", kind="download")

    assert _state(ai.structure_set.study_id).state == ReviewState.APPROVED


def test_the_newest_structure_set_of_a_study_decides(alice: User, model: ModelVersion) -> None:
    study = study_make(name="Doe^Jane", patient_id="P1")
    older = ai_revision_make(study, model)
    approval_make(older, alice)
    newer = ai_revision_make(study, model_version_make("0.2.0"))  # the AI run again

    assert _state(study.pk).state == ReviewState.TO_REVIEW
    assert _state(study.pk).structure_set_id == newer.structure_set_id
    old_status = structure_set_review_status(structure_set=older.structure_set)
    assert (old_status.state, old_status.reviewer) == (ReviewState.APPROVED, ALICE)


def test_many_studies_take_two_queries(
    alice: User, bob: User, model: ModelVersion, django_assert_num_queries: object
) -> None:
    expected = {}
    for n in range(8):
        ai = ai_revision_make(study_make(name=f"P^{n}", patient_id=f"P{n}"), model)
        draft = human_revision_make(ai, bob)
        approval_make(draft, alice)
        export_make(draft, state="succeeded")
        expected[ai.structure_set.study_id] = ReviewState.EXPORTED

    with django_assert_num_queries(2):  # type: ignore[operator]
        found = review_states(study_ids=list(expected))
        assert {k: v.state for k, v in found.items()} == expected
        assert {v.reviewer for v in found.values()} == {ALICE}


def test_the_worklist_filter_and_the_row_states_agree(
    alice: User, bob: User, model: ModelVersion
) -> None:
    def fresh() -> Revision:
        return ai_revision_make(study_make(name="P^Q", patient_id=str(uuid4())), model)

    now = timezone.now()
    expected: dict[int, ReviewState] = {}

    def expect(revision: Revision, state: ReviewState) -> None:
        expected[revision.structure_set.study_id] = state

    expect(fresh(), ReviewState.TO_REVIEW)
    editing_claim(ai := fresh(), alice, since=now)
    expect(ai, ReviewState.IN_REVIEW)
    editing_claim(ai := fresh(), alice, since=now - timedelta(minutes=3))
    expect(ai, ReviewState.TO_REVIEW)
    expect(human_revision_make(fresh(), bob, state="writing"), ReviewState.IN_REVIEW)
    approval_make(draft := human_revision_make(fresh(), bob), alice)
    export_make(draft, state="failed")
    export_make(draft, state="succeeded", kind="download")
    expect(draft, ReviewState.APPROVED)
    approval_make(ai := fresh(), alice)
    export_make(ai, state="succeeded")
    expect(ai, ReviewState.EXPORTED)
    approval_make(ai := fresh(), alice)
    expect(human_revision_make(ai, bob), ReviewState.IN_REVIEW)
    approval_make(ai := fresh(), alice)
    editing_claim(ai, bob, since=now)
    expect(ai, ReviewState.APPROVED)
    approval_make(ai := fresh(), alice)
    expect(ai_revision_make(ai.structure_set.study, model), ReviewState.TO_REVIEW)
    study_make(name="No^Contours", patient_id="none")

    rows = review_states(study_ids=Study.objects.values_list("pk", flat=True), now=now)

    assert {k: v.state for k, v in rows.items()} == expected
    for state in ReviewState:
        found = studies_in_review_state(state=state, now=now)
        assert set(found.values_list("structure_set__study_id", flat=True)) == {
            study_id for study_id, s in expected.items() if s == state
        }, state
