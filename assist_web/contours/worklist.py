"""The worklist: studies with their sequences, latest AI job and review state.

Search, filter and paging happen in the database (a site holds thousands of studies); the
details of one page's rows take a fixed number of queries whatever the page size.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from assist_web.archive.models import Study
from assist_web.archive.pages import dicom_date, person_name
from assist_web.contours.review_state import (
    ReviewState,
    ReviewStatus,
    review_states,
    studies_in_review_state,
)
from assist_web.contours.worklist_sequences import studies_sequences_present
from assist_web.inference.models import Job
from workers.sequences import REQUIRED

PER_PAGE = 50
MAX_QUERY_LENGTH = 100
REVIEW_STATES = tuple(s.value for s in ReviewState)
JOB_STATES = tuple(s.value for s in Job.State)
STATES = (*REVIEW_STATES, *JOB_STATES)


class WorklistQueryInvalid(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WorklistJob:
    id: int
    state: str
    percent: int
    stage: str
    error: str

    @property
    def live(self) -> bool:
        return self.state in Job.LIVE_STATES

    @property
    def label(self) -> str:
        return str(Job.State(self.state).label)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "percent": self.percent,
                "stage": self.stage, "error": self.error}  # fmt: skip


@dataclass(frozen=True)
class WorklistRow:
    study_uid: str
    patient_name: str  # for reading: "Doe, Jane"
    patient_id: str
    study_date: str  # ISO 8601 where the DICOM date is valid
    description: str
    num_series: int
    num_instances: int
    sequences: list[str]
    job: WorklistJob | None
    review: ReviewStatus | None

    @property
    def viewer_url(self) -> str:
        return reverse("archive:viewer", args=[self.study_uid])

    @property
    def may_run_ai(self) -> bool:
        """All four sequences found (or chosen) and no job queued or running."""
        return len(self.sequences) == len(REQUIRED) and not (self.job and self.job.live)

    def as_json(self) -> dict[str, Any]:
        review = self.review
        reviewer = review.reviewer if review else None
        return {
            "study_uid": self.study_uid,
            "patient_name": self.patient_name,
            "patient_id": self.patient_id,
            "study_date": self.study_date,
            "description": self.description,
            "num_series": self.num_series,
            "num_instances": self.num_instances,
            "sequences": self.sequences,
            "job": self.job.as_json() if self.job else None,
            "review_state": review.state.value if review else None,
            "reviewer": None
            if reviewer is None or review is None
            else {**reviewer.as_json(), "editing": review.editing, "since": review.since},
            "structure_set_id": review.structure_set_id if review else None,
            "viewer_url": self.viewer_url,
            "may_run_ai": self.may_run_ai,
        }


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    number: int
    num_pages: int
    count: int


def _search(studies: QuerySet[Study], query: str) -> QuerySet[Study]:
    # Every word must match the name or the ID: "jane doe" finds "Doe^Jane".
    for word in query.replace("^", " ").replace(",", " ").split():
        studies = studies.filter(
            Q(patient__name__icontains=word) | Q(patient__patient_id__icontains=word)
        )
    return studies


def _latest_job(field: str) -> Subquery:
    jobs = Job.objects.filter(study_id=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(jobs.values(field)[:1])


def worklist_get(
    *, query: str = "", state: str = "", page: int = 1, per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> WorklistPage:  # fmt: skip
    """One page of studies, newest arrivals first; ``state`` is a review or a job state."""
    query = query.strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise WorklistQueryInvalid(f"Search for at most {MAX_QUERY_LENGTH} characters.")
    if state and state not in STATES:
        raise WorklistQueryInvalid(f"Unknown state {state!r}; use one of {', '.join(STATES)}.")
    now = now or timezone.now()
    studies = _search(Study.objects.all(), query).annotate(job_id=_latest_job("pk"))
    if state in REVIEW_STATES:
        studies = studies.filter(pk__in=studies_in_review_state(state=state, now=now))
    elif state:
        studies = studies.annotate(job_state=_latest_job("state")).filter(job_state=state)
    studies = studies.select_related("patient").order_by("-last_received_at", "-id")
    paginator = Paginator(studies, per_page)
    current = paginator.get_page(page)
    found = list(current.object_list)
    ids = [study.pk for study in found]
    jobs = {
        job.study_id: WorklistJob(
            id=job.pk, state=job.state, percent=job.percent, stage=job.stage, error=job.error
        )  # fmt: skip
        for job in Job.objects.filter(pk__in=[s.job_id for s in found if s.job_id])
    }
    reviews = review_states(study_ids=ids, now=now) if ids else {}
    sequences = studies_sequences_present(study_ids=ids) if ids else {}
    rows = [
        WorklistRow(
            study_uid=study.study_instance_uid,
            patient_name=person_name(study.patient.name),
            patient_id=study.patient.patient_id,
            study_date=dicom_date(study.study_date),
            description=study.description,
            num_series=study.num_series,
            num_instances=study.num_instances,
            sequences=sequences.get(study.pk, []),
            job=jobs.get(study.pk),
            review=reviews.get(study.pk),
        )
        for study in found
    ]
    return WorklistPage(
        rows=rows, number=current.number, num_pages=paginator.num_pages, count=paginator.count
    )
