"""Jobs on demand and for settled studies, and the gpu message sent only after commit."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.archive.models import Study
from assist_web.inference.jobs import (
    JobRefused,
    job_create,
    jobs_create_for_settled_studies,
)
from assist_web.inference.models import Job, ModelVersion
from assist_web.inference.services import model_version_activate
from tests.inference.conftest import GpuQueue
from tests.inference.factories import study_ingest
from tests.inference.test_model_version_activate import _version
from workers.phantoms import PhantomFiles, Sequence

pytestmark = pytest.mark.django_db(transaction=True)


def _quiet_for(study: Study, seconds: int) -> None:
    Study.objects.filter(pk=study.pk).update(
        last_received_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_job_records_the_series_model_and_margins_and_reaches_the_gpu_queue(
    mr_study: Study, active_model: ModelVersion, alice: User, gpu_queue: GpuQueue
) -> None:
    job = job_create(study=mr_study, requested_by=alice)

    series = dict(mr_study.series.values_list("description", "series_instance_uid"))
    assert job.sequences == {
        "T1": series["T1 AX SE"], "T1c": series["T1 AX +C"],
        "T2": series["T2 AX TSE"], "FLAIR": series["AX FLAIR"],
    }  # fmt: skip
    assert (job.state, job.model_version, job.attempt) == ("queued", active_model, 0)
    assert (job.ctv_margin_mm, job.ptv_margin_mm) == (15.0, 3.0)
    assert gpu_queue.drain() == [{"task": "assist.infer", "args": [job.pk], "eta": None}]


def test_the_message_is_sent_only_when_the_transaction_commits(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue
) -> None:
    with transaction.atomic():
        job = job_create(study=mr_study)
        assert gpu_queue.drain() == []

    assert gpu_queue.drain() == [{"task": "assist.infer", "args": [job.pk], "eta": None}]


def test_a_rolled_back_job_sends_nothing(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        job_create(study=mr_study)
        raise RuntimeError("the request failed after the job was made")

    assert Job.objects.count() == 0
    assert gpu_queue.drain() == []


def test_a_missing_sequence_is_refused_with_its_name(
    db: None, phantom_files: PhantomFiles, active_model: ModelVersion, gpu_queue: GpuQueue
) -> None:
    study = study_ingest(phantom_files, sequences=(Sequence.T1, Sequence.T1C, Sequence.T2))

    with pytest.raises(JobRefused, match="The study has no FLAIR series"):
        job_create(study=study)

    assert Job.objects.count() == 0
    assert gpu_queue.drain() == []


def test_without_an_active_model_the_job_is_refused(mr_study: Study, sam: User) -> None:
    with pytest.raises(JobRefused, match="No model version is active"):
        job_create(study=mr_study)

    assert Job.objects.count() == 0


def test_a_second_live_job_for_the_same_study_and_model_is_refused(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue
) -> None:
    first = job_create(study=mr_study)

    with pytest.raises(JobRefused, match="already queued or running"):
        job_create(study=mr_study)

    assert list(Job.objects.all()) == [first]
    assert len(gpu_queue.drain()) == 1


def test_a_study_gets_a_job_only_once_it_has_been_quiet_for_the_settle_time(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue, settings: object
) -> None:
    settings.ASSIST_STUDY_SETTLE_SECONDS = 60  # type: ignore[attr-defined]
    _quiet_for(mr_study, 30)
    assert jobs_create_for_settled_studies() == []

    _quiet_for(mr_study, 61)
    created = jobs_create_for_settled_studies()

    assert [Job.objects.get(pk=pk).study for pk in created] == [mr_study]
    assert jobs_create_for_settled_studies() == []  # one job per study and model
    assert [m["args"] for m in gpu_queue.drain()] == [created]


def test_settled_studies_without_all_sequences_or_model_get_no_job(
    db: None, phantom_files: PhantomFiles, sam: User, gpu_queue: GpuQueue
) -> None:
    study = study_ingest(phantom_files, sequences=(Sequence.T1, Sequence.T2))
    _quiet_for(study, 3600)
    assert jobs_create_for_settled_studies() == []  # no active model yet


def test_a_new_active_model_runs_again_on_recent_studies(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue, sam: User
) -> None:
    _quiet_for(mr_study, 120)
    first = jobs_create_for_settled_studies()
    Job.objects.filter(pk__in=first).update(state=Job.State.SUCCEEDED)
    model_version_activate(version=_version(sam, "9"), user=sam)

    second = jobs_create_for_settled_studies()

    assert len(first) == len(second) == 1
    assert Job.objects.get(pk=second[0]).model_version.version == "9"
