"""Jobs whose worker died go back to the queue; retries reach the broker with a delay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assist_web.archive.models import Study
from assist_web.inference.jobs import job_create, jobs_requeue_stale
from assist_web.inference.leases import job_claim, job_fail
from assist_web.inference.models import Job, ModelVersion
from tests.inference.conftest import GpuQueue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running(mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue) -> Job:
    job = job_create(study=mr_study)
    gpu_queue.drain()
    return job_claim(job_id=job.pk, worker="gpu-1")


def _silent_for(job: Job, seconds: int) -> None:
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_silent_worker_s_job_is_queued_again_and_sent_again(
    running: Job, gpu_queue: GpuQueue
) -> None:
    _silent_for(running, 601)

    assert jobs_requeue_stale() == [running.pk]

    job = Job.objects.get(pk=running.pk)
    assert (job.state, job.stage, job.attempt) == ("queued", "worker lost; queued again", 1)
    assert gpu_queue.drain() == [{"task": "assist.infer", "args": [job.pk], "eta": None}]


def test_a_worker_that_still_reports_keeps_its_job(running: Job, gpu_queue: GpuQueue) -> None:
    _silent_for(running, 30)

    assert jobs_requeue_stale() == []

    assert Job.objects.get(pk=running.pk).state == "running"
    assert gpu_queue.drain() == []


def test_a_job_that_used_up_its_attempts_fails_with_a_reason(
    running: Job, gpu_queue: GpuQueue, settings: object
) -> None:
    settings.ASSIST_JOB_MAX_ATTEMPTS = 1  # type: ignore[attr-defined]
    _silent_for(running, 601)

    assert jobs_requeue_stale() == []

    job = Job.objects.get(pk=running.pk)
    assert job.state == "failed"
    assert job.error == "The worker stopped responding; gave up after 1 attempts."
    assert gpu_queue.drain() == []


def test_a_transient_failure_is_sent_again_after_a_backoff(
    running: Job, gpu_queue: GpuQueue
) -> None:
    before = timezone.now()

    job_fail(job_id=running.pk, lease_token=running.lease_token, reason="busy", transient=True)

    [message] = gpu_queue.drain()
    assert (message["task"], message["args"]) == ("assist.infer", [running.pk])
    eta = timezone.datetime.fromisoformat(message["eta"])
    assert timedelta(seconds=25) < eta - before < timedelta(seconds=40)


def test_a_queued_job_nobody_claimed_is_sent_again(
    mr_study: Study, active_model: ModelVersion, gpu_queue: GpuQueue
) -> None:
    job = job_create(study=mr_study)
    gpu_queue.drain()  # the message is lost
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=601))

    assert jobs_requeue_stale() == [job.pk]

    assert [m["args"] for m in gpu_queue.drain()] == [[job.pk]]


def test_beat_runs_both_checks_by_task_name() -> None:
    from assist_web.celery import app
    from assist_web.inference import tasks  # noqa: F401 - what the worker's autodiscovery loads

    # Other apps schedule their own periodic work next to these.
    schedule = {
        entry["task"]: entry["schedule"]
        for entry in app.conf.beat_schedule.values()
        if entry["task"].startswith("inference.")
    }

    assert schedule == {
        "inference.jobs_create_for_settled_studies": 15.0,
        "inference.jobs_requeue_stale": 60.0,
    }
    assert set(schedule) <= set(app.tasks)
