"""Where a study's contours stand in review: to review, in review (by whom), approved, exported.

The state is derived from a structure set, never stored, so it cannot drift from the
revisions, approvals and exports it summarises:

- ``exported``: the newest revision is approved and reached a planning system by C-STORE
  (downloads do not count: physicists download drafts to check them);
- ``approved``: the newest revision is approved;
- ``in_review``: someone has the set open for editing now (a heartbeat younger than
  EDITING_TIMEOUT), or the newest revision is a person's draft that nobody approved;
- ``to_review``: only the AI's proposal, nobody editing.

The rules are written twice in SQL, checked against each other by the tests: as one
expression per row (``review_state_annotations``) for the rows of a page, and as a filter over
every study's newest revision (``studies_in_review_state``), which ranks revisions once instead
of looking up each study's newest set and revision row by row. Both take a fixed number of
queries whatever the number of studies.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.contours.models import Approval, Export, Revision, StructureSet

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class StudyReviewAnnotations(TypedDict):
        """The annotation of ``studies_with_review_state`` that callers filter on (the others
        come from the dict of ``review_state_annotations``, which the type checker cannot see
        into)."""

        review_set_id: int | None

# The viewer sends a heartbeat every 30 s; four missed beats mean the page is gone.
EDITING_TIMEOUT = timedelta(minutes=2)


class ReviewState(StrEnum):
    TO_REVIEW = "to_review"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    EXPORTED = "exported"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Reviewer:
    username: str
    name: str

    @classmethod
    def of(cls, user: User) -> "Reviewer":
        return cls(username=user.get_username(), name=user.get_full_name() or user.get_username())

    def as_json(self) -> dict[str, str]:
        return {"username": self.username, "name": self.name}


@dataclass(frozen=True)
class ReviewStatus:
    """The review state of one structure set and who it is with.

    ``reviewer`` is the physician who approved (approved, exported), the person editing now
    (``editing`` true), or the author of the open draft; ``since`` is when that began
    (sign-off, claim, draft saved). None for a set still to review.
    """

    state: ReviewState
    structure_set_id: int
    revision_id: int | None
    reviewer: Reviewer | None
    editing: bool
    since: datetime | None


def editor_current(*, structure_set: StructureSet, now: datetime | None = None) -> User | None:
    """The physician editing now: None when nobody is, or their heartbeat stopped."""
    since = structure_set.editing_since
    if structure_set.editor_id is None or since is None:
        return None
    if since < (now or timezone.now()) - EDITING_TIMEOUT:
        return None
    return structure_set.editor


def revision_newest(*, structure_set: StructureSet) -> Revision | None:
    return structure_set.revisions.order_by("-number").first()


def review_state_annotations(*, set_ref: str, now: datetime | None = None) -> dict[str, Any]:
    """Annotations for a queryset whose field ``set_ref`` holds a structure set id.

    Adds ``review_revision_id`` (the newest revision), ``review_editing`` and ``review_state``
    (None where ``set_ref`` is None), with the helpers they need; pass them to one
    ``.annotate(**...)`` (their order matters, and dicts keep it).
    """
    cutoff = (now or timezone.now()) - EDITING_TIMEOUT
    newest = Revision.objects.filter(structure_set_id=OuterRef(set_ref)).order_by("-number")
    editing = StructureSet.objects.filter(
        pk=OuterRef(set_ref), editor__isnull=False, editing_since__gte=cutoff
    )
    sent = Export.objects.filter(
        revision_id=OuterRef("review_revision_id"),
        kind=Export.Kind.CSTORE,
        state=Export.State.SUCCEEDED,
    )
    approved = Q(review_approved=True)
    return {
        "review_revision_id": Subquery(newest.values("pk")[:1]),
        "review_source": Subquery(newest.values("source")[:1]),
        "review_editing": Exists(editing),
        "review_approved": Exists(
            Approval.objects.filter(revision_id=OuterRef("review_revision_id"))
        ),
        "review_exported": Exists(sent),
        "review_state": Case(
            When(**{f"{set_ref}__isnull": True}, then=Value(None)),
            When(approved & Q(review_exported=True), then=Value(ReviewState.EXPORTED.value)),
            When(approved, then=Value(ReviewState.APPROVED.value)),
            When(review_editing=True, then=Value(ReviewState.IN_REVIEW.value)),
            When(review_source=Revision.Source.HUMAN, then=Value(ReviewState.IN_REVIEW.value)),
            default=Value(ReviewState.TO_REVIEW.value),
        ),
    }


def studies_with_review_state(
    studies: QuerySet[Study], *, now: datetime | None = None
) -> "QuerySet[WithAnnotations[Study, StudyReviewAnnotations]]":
    """Studies annotated with ``review_set_id`` (their newest structure set) and the above."""
    newest_set = (
        StructureSet.objects.filter(study_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return studies.annotate(review_set_id=Subquery(newest_set)).annotate(
        **review_state_annotations(set_ref="review_set_id", now=now)
    )


def studies_in_review_state(
    *, state: str, now: datetime | None = None
) -> QuerySet[Revision, dict[str, Any]]:
    """The ids of the studies whose newest structure set is in ``state`` (``study_id``)."""
    cutoff = (now or timezone.now()) - EDITING_TIMEOUT
    newest = (
        Revision.objects.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("structure_set__study_id")],
                order_by=[
                    F("structure_set__created_at").desc(),
                    F("structure_set_id").desc(),
                    F("number").desc(),
                ],
            )
        )
        .filter(rank=1)
        .values("pk")
    )
    approved = Q(approval__isnull=False)
    sent = Exists(
        Export.objects.filter(
            revision_id=OuterRef("pk"), kind=Export.Kind.CSTORE, state=Export.State.SUCCEEDED
        )
    )
    editing = Q(structure_set__editor__isnull=False, structure_set__editing_since__gte=cutoff)
    not_editing = (
        Q(structure_set__editor__isnull=True)
        | Q(structure_set__editing_since__isnull=True)
        | Q(structure_set__editing_since__lt=cutoff)
    )
    human = Q(source=Revision.Source.HUMAN)
    conditions = {
        ReviewState.EXPORTED: approved & Q(sent=True),
        ReviewState.APPROVED: approved & Q(sent=False),
        ReviewState.IN_REVIEW: Q(approval__isnull=True) & (editing | human),
        ReviewState.TO_REVIEW: Q(approval__isnull=True) & not_editing & ~human,
    }
    return (
        Revision.objects.filter(pk__in=newest)
        .annotate(sent=sent)
        .filter(conditions[ReviewState(state)])
        .values("structure_set__study_id")
    )


def _status(state: str, set_id: int, revision: Revision | None, editing: bool) -> ReviewStatus:
    reviewer: Reviewer | None = None
    since: datetime | None = None
    if revision is not None and state in (ReviewState.APPROVED, ReviewState.EXPORTED):
        approval: Approval = revision.approval
        reviewer, since = Reviewer.of(approval.approved_by), approval.approved_at
    elif revision is not None and editing and revision.structure_set.editor is not None:
        reviewer = Reviewer.of(revision.structure_set.editor)
        since = revision.structure_set.editing_since
    elif revision is not None and state == ReviewState.IN_REVIEW and revision.author is not None:
        reviewer, since = Reviewer.of(revision.author), revision.created_at
    return ReviewStatus(
        state=ReviewState(state),
        structure_set_id=set_id,
        revision_id=revision.pk if revision else None,
        reviewer=reviewer,
        editing=editing,
        since=since,
    )


def _revisions(ids: Iterable[int | None]) -> dict[int, Revision]:
    related = ("structure_set__editor", "author", "approval__approved_by")
    wanted = [pk for pk in ids if pk is not None]
    return {r.pk: r for r in Revision.objects.filter(pk__in=wanted).select_related(*related)}


_FIELDS = ("review_revision_id", "review_editing", "review_state")


def review_states(
    *, study_ids: Iterable[int], now: datetime | None = None
) -> dict[int, ReviewStatus]:
    """The review status of each study's newest structure set; studies without one are left out.

    Two queries, whatever the number of studies.
    """
    studies = Study.objects.filter(pk__in=list(study_ids))
    rows = list(
        studies_with_review_state(studies, now=now)
        .filter(review_set_id__isnull=False)
        .values_list("pk", "review_set_id", *_FIELDS)
    )
    revisions = _revisions(row[2] for row in rows)
    return {
        study_id: _status(state, set_id, revisions.get(rev_id), editing)
        for study_id, set_id, rev_id, editing, state in rows
    }


def structure_set_review_status(
    *, structure_set: StructureSet, now: datetime | None = None
) -> ReviewStatus:
    """The review status of one structure set (an older set of a study too)."""
    rev_id, editing, state = (
        StructureSet.objects.filter(pk=structure_set.pk)
        .annotate(**review_state_annotations(set_ref="pk", now=now))
        .values_list(*_FIELDS)
        .get()
    )
    return _status(state, structure_set.pk, _revisions([rev_id]).get(rev_id), editing)


def review_state(*, structure_set: StructureSet) -> str:
    """to_review, in_review, approved or exported (see the module's docstring)."""
    return structure_set_review_status(structure_set=structure_set).state.value
