"""PACS pulls left behind by a lost message or a stopped worker: queued again, or failed."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assist_web.archive.models import PacsPull, RemotePacs
from assist_web.archive.pacs.pulling import WORKER_STOPPED, pacs_pulls_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "assist_web.archive.pacs.pulling.app.send_task",
        lambda name, **options: calls.append((name, options)),
    )
    return calls


def _pull(state: str, *, age: timedelta, silent_for: timedelta | None = None) -> PacsPull:
    remote, _ = RemotePacs.objects.get_or_create(name="PACS", base_url="http://pacs.test/dw")
    now = timezone.now()
    pull = PacsPull.objects.create(remote=remote, patient_id="PAT-001", state=state)
    progressed = now - silent_for if silent_for is not None else None
    PacsPull.objects.filter(pk=pull.pk).update(created_at=now - age, progressed_at=progressed)
    return pull


def test_lost_pulls_are_queued_again_and_silent_running_ones_fail_keeping_their_counts(
    sent_tasks: list[tuple[str, dict[str, Any]]],
) -> None:
    lost = _pull(PacsPull.State.QUEUED, age=timedelta(minutes=11))
    silent = timedelta(minutes=11)
    stopped = _pull(PacsPull.State.RUNNING, age=timedelta(hours=1), silent_for=silent)
    PacsPull.objects.filter(pk=stopped.pk).update(num_stored=40)
    busy = _pull(PacsPull.State.RUNNING, age=timedelta(hours=1), silent_for=timedelta(seconds=5))
    fresh = _pull(PacsPull.State.QUEUED, age=timedelta(seconds=30))
    done = _pull(PacsPull.State.SUCCEEDED, age=timedelta(hours=2))

    result = pacs_pulls_sweep()

    assert (result.requeued, result.failed) == ([lost.pk], [stopped.pk])
    assert sent_tasks == [("archive.pacs_pull_run", {"args": [lost.pk], "queue": "default"})]
    assert dict(PacsPull.objects.values_list("pk", "state")) == {
        lost.pk: "queued", stopped.pk: "failed", busy.pk: "running", fresh.pk: "queued",
        done.pk: "succeeded",
    }  # fmt: skip
    stopped.refresh_from_db()
    assert (stopped.error, stopped.num_stored) == (WORKER_STOPPED, 40)
    assert stopped.finished_at is not None
