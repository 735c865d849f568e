"""Saving a revision: the request records it and queues the writing, or refuses and stores
nothing; the task writes a SEG and an RTSTRUCT that hold exactly what was submitted."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom import dcmread
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.archive.models import Instance
from assist_web.archive.store import file_store
from assist_web.contours.labelmap import revision_masks
from assist_web.contours.models import Revision
from assist_web.contours.revision_writing import revision_write
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from tests.contours.review_requests import edited_gtv, save_body
from workers.dicom_out import rtstruct_rasterise

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The tasks published to the broker, instead of publishing them (a worker test below
    runs the real thing)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "assist_web.contours.revisions.app.send_task",
        lambda name, **options: calls.append((name, options)),
    )
    return calls


def _pending(data_dir: Path) -> list[str]:
    folder = data_dir / "pending-revisions"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def dciodvfy_errors(path: Path) -> list[str]:
    assert shutil.which("dciodvfy"), "dciodvfy missing: install Debian dicom3tools"
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (done.stdout + done.stderr).splitlines() if "Error" in line]


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return float(2 * (a & b).sum() / (a.sum() + b.sum()))


def test_a_physician_s_edit_becomes_revision_two_and_the_task_is_queued_after_commit(
    api: APIClient,
    alice: User,
    ai: ArchivedAiRevision,
    sent_tasks: list,
    data_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    gtv = edited_gtv(ai)
    url = f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/"

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, save_body(ai, gtv=gtv), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    revision = Revision.objects.get(pk=body["id"])
    voxel_ml = float(np.prod(ai.spacing)) / 1000
    assert (body["number"], body["parent_id"], body["source"], body["state"]) == (
        2, ai.revision.pk, "human", "writing",
    )  # fmt: skip
    assert body["author"] == {"username": "alice", "name": "Alice"}
    assert body["structures"] == [
        {
            "name": name,
            "volume_ml": round(float((gtv if name == "GTV" else mask).sum()) * voxel_ml, 2),
            "decision": "edited" if name == "GTV" else "accepted",
        }
        for name, mask in ai.masks.items()
    ]
    assert (body["approval"], body["model_version"], body["error"]) == (None, None, "")
    assert sent_tasks == [("contours.revision_write", {"args": [revision.pk], "queue": "default"})]
    assert _pending(data_dir) == [f"{revision.pk}.npz"]
    assert list(AuditEvent.objects.values_list("action", "username")) == [("store", "alice")]


def test_the_task_writes_a_seg_and_rtstruct_holding_the_submitted_masks(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list, data_dir: Path, tmp_path: Path
) -> None:
    gtv = edited_gtv(ai)
    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai, gtv=gtv, rejected=("Edema",)),
        format="json",
    ).json()

    revision_write(revision_id=body["id"])

    revision = Revision.objects.get(pk=body["id"])
    assert (revision.state, revision.error) == ("ready", "")
    assert _pending(data_dir) == []
    submitted = {**ai.masks, "GTV": gtv}
    read = revision_masks(revision=revision)
    assert [s.name for s in read.structures] == ["GTV", "CTV", "PTV", "Brain"]
    for structure in read.structures:  # the SEG holds exactly what was sent
        assert (structure.mask == submitted[structure.name]).all(), structure.name
    store = file_store()
    seg_path = store.absolute(
        Instance.objects.get(sop_instance_uid=revision.seg_sop_instance_uid).path
    )
    rt_path = store.absolute(
        Instance.objects.get(sop_instance_uid=revision.rtstruct_sop_instance_uid).path
    )
    assert dciodvfy_errors(seg_path) == []
    assert dciodvfy_errors(rt_path) == []
    rtstruct, seg = dcmread(rt_path), dcmread(seg_path)
    rasterised = rtstruct_rasterise(rtstruct, ai.reference)
    assert sorted(rasterised) == ["Brain", "CTV", "GTV", "PTV"]
    for name, mask in rasterised.items():
        assert dice(mask, submitted[name]) >= 0.98, name
    roi = {str(r.ROIName): str(r.ROIGenerationAlgorithm) for r in rtstruct.StructureSetROISequence}
    assert roi == {"GTV": "SEMIAUTOMATIC", "CTV": "AUTOMATIC", "PTV": "AUTOMATIC",
                   "Brain": "AUTOMATIC"}  # fmt: skip
    assert {str(o.ROIInterpreter) for o in rtstruct.RTROIObservationsSequence} == {"Alice"}
    assert [str(s.SegmentAlgorithmType) for s in seg.SegmentSequence] == [
        "SEMIAUTOMATIC", "AUTOMATIC", "AUTOMATIC", "AUTOMATIC",
    ]  # fmt: skip
    assert rtstruct.ApprovalStatus == "UNAPPROVED"
    assert rtstruct.StudyInstanceUID == seg.StudyInstanceUID == ai.study.study_instance_uid
    assert rtstruct.StructureSetLabel == "ASSIST REV 2"
    structures = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()
    assert [r["state"] for r in structures["revisions"]] == ["ready", "ready"]
    assert structures["current_revision_id"] == revision.pk
    assert structures["review_state"] == "in_review"
    assert [(s["name"], s["decision"]) for s in structures["revisions"][1]["structures"]][1] == (
        "Edema", "rejected",
    )  # fmt: skip


def test_a_second_run_of_the_task_does_nothing(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list
) -> None:
    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai),
        format="json",
    ).json()
    revision_write(revision_id=body["id"])
    instances = Instance.objects.count()

    revision_write(revision_id=body["id"])  # a redelivered message

    assert Instance.objects.count() == instances
    assert Revision.objects.get(pk=body["id"]).state == "ready"


def test_a_dead_worker_s_claim_is_taken_over_and_its_stored_objects_kept(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from assist_web.archive.ingest import instances_ingest
    from assist_web.contours.pending_masks import pending_masks_read
    from assist_web.contours.reference import reference_datasets
    from assist_web.contours.revision_writing import _part10, revision_objects

    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai, gtv=edited_gtv(ai)),
        format="json",
    ).json()
    revision = Revision.objects.get(pk=body["id"])
    # The first worker stored the SEG, then died before the RTSTRUCT, 11 minutes ago.
    seg, _ = revision_objects(
        revision=revision,
        reference=reference_datasets(series_uid=ai.reference[0].SeriesInstanceUID),
        masks=pending_masks_read(revision_id=revision.pk),
    )
    [stored] = instances_ingest(items=[_part10(seg)])
    assert stored.outcome == "stored"
    Revision.objects.filter(pk=revision.pk).update(
        write_claimed_at=timezone.now() - timedelta(minutes=11)
    )

    revision_write(revision_id=revision.pk)

    revision.refresh_from_db()
    assert (revision.state, revision.error) == ("ready", "")
    assert revision.seg_sop_instance_uid == seg.SOPInstanceUID
    assert Instance.objects.filter(series__modality="SEG").count() == 2  # the AI's and this one
    assert Instance.objects.filter(sop_instance_uid=revision.rtstruct_sop_instance_uid).exists()


def test_a_fresh_claim_is_left_to_its_worker(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list
) -> None:
    from django.utils import timezone

    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai),
        format="json",
    ).json()
    Revision.objects.filter(pk=body["id"]).update(write_claimed_at=timezone.now())
    instances = Instance.objects.count()

    revision_write(revision_id=body["id"])

    assert Revision.objects.get(pk=body["id"]).state == "writing"
    assert Instance.objects.count() == instances


def test_a_revision_whose_masks_are_lost_fails_with_the_reason(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list, data_dir: Path
) -> None:
    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai),
        format="json",
    ).json()
    (data_dir / "pending-revisions" / f"{body['id']}.npz").unlink()

    revision_write(revision_id=body["id"])

    revision = Revision.objects.get(pk=body["id"])
    assert (revision.state, revision.error) == (
        "failed", "The saved contours are missing on the server; save again.",
    )  # fmt: skip


def test_a_reference_series_changed_since_the_save_fails_with_the_reason(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list, data_dir: Path
) -> None:
    body = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai),
        format="json",
    ).json()
    Instance.objects.filter(sop_instance_uid=ai.instances[-1]).delete()  # a slice went away
    instances = Instance.objects.count()

    revision_write(revision_id=body["id"])

    revision = Revision.objects.get(pk=body["id"])
    assert revision.state == "failed"
    assert revision.error == (
        "The contours could not be written: Mask 'GTV' has shape (44, 96, 96); the reference "
        "series is (43, 96, 96) (slices, rows, columns)."
    )
    assert Instance.objects.count() == instances
    assert _pending(data_dir) == []
    shown = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()
    assert (shown["revisions"][-1]["state"], shown["revisions"][-1]["error"]) == (
        "failed", revision.error,
    )  # fmt: skip


def test_a_save_while_the_broker_is_down_is_kept_and_sent_again_later(
    api: APIClient,
    ai: ArchivedAiRevision,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from assist_web.contours.revision_writing import revisions_requeue_waiting

    def broker_down(name: str, **options: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("assist_web.contours.revisions.app.send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
            save_body(ai),
            format="json",
        )
    assert response.status_code == 201
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "assist_web.contours.revisions.app.send_task",
        lambda name, **options: sent.append((name, options)),
    )
    revision_id = response.json()["id"]

    too_soon = revisions_requeue_waiting()
    Revision.objects.filter(pk=revision_id).update(created_at=timezone.now() - timedelta(minutes=3))
    requeued = revisions_requeue_waiting()

    assert (too_soon, requeued) == ([], [revision_id])
    assert sent == [("contours.revision_write", {"args": [revision_id], "queue": "default"})]
    revision_write(revision_id=revision_id)
    Revision.objects.filter(pk=revision_id).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    assert revisions_requeue_waiting() == []  # written: nothing left to send
