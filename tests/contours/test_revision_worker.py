"""The save path end to end with a real default-queue worker, and concurrent saves."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import connection
from rest_framework.test import APIClient

from assist_web.accounts.models import User
from assist_web.contours.models import Revision
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ReviewCase, archived_ai_revision
from tests.contours.review_requests import edited_gtv, save_body
from tests.integration.worker import WorkerProcess, worker_start
from tests.peers.fixtures import database_url
from workers.structures.runs import runs_to_mask

_READY_TIMEOUT_S = 90


@pytest.fixture
def worker(transactional_db: None, data_dir: Path) -> Iterator[WorkerProcess]:
    process = worker_start(data_dir=data_dir, database_url=database_url())
    yield process
    process.stop()


@pytest.mark.django_db(transaction=True)
def test_a_saved_revision_is_written_by_the_worker_and_reads_back_as_sent(
    api: APIClient,
    review_case: ReviewCase,
    active_model: ModelVersion,
    worker: WorkerProcess,
    data_dir: Path,
) -> None:
    ai = archived_ai_revision(review_case, active_model)
    gtv = edited_gtv(ai)
    set_url = f"/api/v1/structure-sets/{ai.revision.structure_set_id}/"

    saved = api.post(f"{set_url}revisions/", save_body(ai, gtv=gtv), format="json")

    assert saved.status_code == 201, saved.json()
    assert saved.json()["state"] == "writing"
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while (shown := api.get(set_url).json())["revisions"][-1]["state"] == "writing":
        assert worker.process.poll() is None, worker.log()[-3000:]
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.3)
    newest = shown["revisions"][-1]
    assert (newest["id"], newest["state"], newest["error"]) == (saved.json()["id"], "ready", "")
    assert shown["current_revision_id"] == newest["id"]
    labelmap = api.get(f"/api/v1/revisions/{newest['id']}/labelmap/").json()
    assert labelmap["instances"] == ai.instances
    submitted = {**ai.masks, "GTV": gtv}
    for structure in labelmap["structures"]:
        mask = runs_to_mask(structure["runs"], tuple(labelmap["shape"]))
        assert np.array_equal(mask, submitted[structure["name"]]), structure["name"]
    assert list((data_dir / "pending-revisions").iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_two_saves_on_the_same_parent_at_once_make_one_revision(
    alice: User,
    review_case: ReviewCase,
    active_model: ModelVersion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("assist_web.contours.revisions.app.send_task", lambda *a, **k: None)
    bob = User.objects.create_user(username="bob", role="physician", first_name="Bob")
    ai = archived_ai_revision(review_case, active_model)
    url = f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/"
    bodies = {"alice": save_body(ai, gtv=edited_gtv(ai)), "bob": save_body(ai)}
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def save(user: User) -> None:
        client = APIClient()
        client.force_authenticate(user)
        start.wait()
        try:
            results[user.username] = client.post(url, bodies[user.username], format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u,)) for u in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    codes = sorted(r.status_code for r in results.values())
    assert codes == [201, 409], {k: r.json() for k, r in results.items()}
    winner = next(name for name, r in results.items() if r.status_code == 201)
    loser = next(r for r in results.values() if r.status_code == 409)
    assert loser.json()["detail"].startswith(f"{winner.title()} saved revision 2 at ")
    assert list(Revision.objects.order_by("number").values_list("number", "author__username")) == [
        (1, None), (2, winner),
    ]  # fmt: skip
