"""The latest job of each study on a page, fetched in one query for the study list."""

from collections.abc import Iterable

from django import template
from django.db.models import Max

from assist_web.archive.models import Study
from assist_web.inference.models import Job

register = template.Library()


@register.simple_tag
def latest_jobs(studies: Iterable[Study]) -> dict[int, Job]:
    ids = [study.pk for study in studies]
    newest = (
        Job.objects.filter(study_id__in=ids).values("study_id").annotate(last=Max("id"))
    ).values_list("last", flat=True)
    return {job.study_id: job for job in Job.objects.filter(pk__in=list(newest))}


@register.filter
def job_of(jobs: dict[int, Job], study: Study) -> Job | None:
    return jobs.get(study.pk)
