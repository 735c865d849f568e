"""Exports left behind by a lost message or a stopped worker: sent again, or failed with why."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.contours.export import WORKER_STOPPED, exports_sweep
from assist_web.contours.models import Export, ExportDestination
from tests.contours.factories import ArchivedRevision, approved, archived_revision

pytestmark = pytest.mark.django_db


def _export(revision: ArchivedRevision, user: User, *, state: str, age: timedelta) -> Export:
    destination, _ = ExportDestination.objects.get_or_create(
        name="Planning", defaults={"ae_title": "TPS", "host": "127.0.0.1", "port": 11113}
    )
    export = Export.objects.create(
        revision=revision.revision, destination=destination, kind=Export.Kind.CSTORE,
        object=Export.Object.RTSTRUCT, sop_instance_uid="1.2.3", requested_by=user, state=state,
    )  # fmt: skip
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - age)
    return export


def test_old_queued_exports_are_sent_again_and_old_sending_ones_fail_with_the_reason(
    alice: User, sent_tasks: list[tuple[str, dict[str, Any]]]
) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    lost = _export(archived, alice, state=Export.State.QUEUED, age=timedelta(minutes=11))
    stopped = _export(archived, alice, state=Export.State.SENDING, age=timedelta(minutes=11))
    fresh_queued = _export(archived, alice, state=Export.State.QUEUED, age=timedelta(minutes=1))
    fresh_sending = _export(archived, alice, state=Export.State.SENDING, age=timedelta(minutes=1))
    done = _export(archived, alice, state=Export.State.SUCCEEDED, age=timedelta(hours=1))

    result = exports_sweep()

    assert result.requeued == [lost.pk]
    assert result.failed == [stopped.pk]
    assert sent_tasks == [("contours.export_send", {"args": [lost.pk], "queue": "default"})]
    states = dict(Export.objects.values_list("pk", "state"))
    assert states == {
        lost.pk: "queued", stopped.pk: "failed", fresh_queued.pk: "queued",
        fresh_sending.pk: "sending", done.pk: "succeeded",
    }  # fmt: skip
    stopped.refresh_from_db()
    assert stopped.error == WORKER_STOPPED
    assert stopped.finished_at is not None


def test_a_sweep_with_nothing_left_behind_changes_nothing(
    alice: User, sent_tasks: list[tuple[str, dict[str, Any]]]
) -> None:
    archived = archived_revision(author=alice)
    approved(archived, alice)
    _export(archived, alice, state=Export.State.FAILED, age=timedelta(hours=2))

    result = exports_sweep()

    assert (result.requeued, result.failed, sent_tasks) == ([], [], [])
    assert list(Export.objects.values_list("state", flat=True)) == ["failed"]
