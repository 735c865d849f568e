"""Approval: password re-entered, the approved RTSTRUCT archived, metrics against the AI."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pydicom import dcmread
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, User
from assist_web.archive.models import Instance
from assist_web.archive.store import file_store
from assist_web.contours.models import Approval, Revision, StructureMetrics
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from tests.contours.review_requests import edited_gtv, saved_revision
from workers.structures.metrics import structure_compare

pytestmark = pytest.mark.django_db
PASSWORD = "alice-pass-2026"  # tests/conftest.py gives each user <name>-pass-2026


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves here run their task in the test; nothing goes to the broker."""
    monkeypatch.setattr("assist_web.contours.revisions.app.send_task", lambda *a, **k: None)


def _approve(api: APIClient, revision: Revision, password: str = PASSWORD) -> Any:
    return api.post(f"/api/v1/revisions/{revision.pk}/approve/", {"password": password},
                    format="json")  # fmt: skip


def _stored(path_uid: str) -> Path:
    return file_store().absolute(Instance.objects.get(sop_instance_uid=path_uid).path)


def _dciodvfy_errors(path: Path) -> list[str]:
    assert shutil.which("dciodvfy"), "dciodvfy missing: install Debian dicom3tools"
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (done.stdout + done.stderr).splitlines() if "Error" in line]


def test_approving_an_edit_writes_the_signed_rtstruct_and_the_metrics(
    api: APIClient, alice: User, ai: ArchivedAiRevision
) -> None:
    gtv = edited_gtv(ai)
    revision = saved_revision(api, ai, gtv=gtv, rejected=("Edema",))
    before = timezone.now()

    response = _approve(api, revision)

    assert response.status_code == 200, response.json()
    approval = Approval.objects.get()
    assert (approval.revision, approval.approved_by) == (revision, alice)
    assert before <= approval.approved_at <= timezone.now()
    body = response.json()
    assert (body["id"], body["number"], body["state"]) == (revision.pk, 2, "ready")
    assert body["approval"] == {
        "by": {"username": "alice", "name": "Alice"},
        "at": approval.approved_at.isoformat(),
        "rtstruct_sop_instance_uid": approval.rtstruct_sop_instance_uid,
    }
    draft = dcmread(_stored(revision.rtstruct_sop_instance_uid))
    signed_path = _stored(approval.rtstruct_sop_instance_uid)
    signed = dcmread(signed_path)
    assert _dciodvfy_errors(signed_path) == []
    local = timezone.localtime(approval.approved_at)
    assert (signed.ApprovalStatus, str(signed.ReviewerName)) == ("APPROVED", "Alice")
    assert (signed.ReviewDate, signed.ReviewTime) == (
        local.strftime("%Y%m%d"), local.strftime("%H%M%S"),
    )  # fmt: skip
    assert draft.ApprovalStatus == "UNAPPROVED"
    assert signed.SOPInstanceUID != draft.SOPInstanceUID
    assert signed.file_meta.MediaStorageSOPInstanceUID == signed.SOPInstanceUID
    for keyword in ("StructureSetLabel", "StructureSetName", "StructureSetDate",
                    "SeriesInstanceUID", "StudyInstanceUID", "ROIContourSequence",
                    "StructureSetROISequence", "ReferencedFrameOfReferenceSequence"):  # fmt: skip
        assert signed[keyword] == draft[keyword], keyword
    metrics = {m.structure: m for m in StructureMetrics.objects.all()}
    assert sorted(metrics) == ["Brain", "CTV", "Edema", "GTV", "PTV"]
    assert {m.ai_revision_id for m in metrics.values()} == {ai.revision.pk}
    assert {m.model_version_id for m in metrics.values()} == {ai.revision.model_version_id}
    expected = structure_compare(ai=ai.masks["GTV"], approved=gtv, spacing_zyx=ai.spacing)
    gtv_row = metrics["GTV"]
    assert (gtv_row.dice, gtv_row.hd95_mm, gtv_row.surface_dice, gtv_row.apl_mm) == (
        expected.dice, expected.hd95_mm, expected.surface_dice, expected.apl_mm,
    )  # fmt: skip
    assert gtv_row.volume_change_ml == pytest.approx(expected.volume_change_ml)
    assert 0 < gtv_row.dice < 1 and gtv_row.volume_change_ml > 0
    assert (metrics["Edema"].dice, metrics["Edema"].volume_approved_ml) == (0.0, 0.0)
    for name in ("CTV", "PTV", "Brain"):
        row = metrics[name]
        assert (row.dice, row.hd95_mm, row.surface_dice, row.apl_mm, row.volume_change_ml) == (
            1.0, 0.0, 1.0, 0.0, 0.0,
        ), name  # fmt: skip
    assert list(AuditEvent.objects.filter(resource__endswith="approve").values_list(
        "action", "username")) == [("approve", "alice")]  # fmt: skip
    shown = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()
    assert shown["review_state"] == "approved"


def test_the_metrics_api_returns_what_was_stored(
    api: APIClient, pete: User, ai: ArchivedAiRevision
) -> None:
    revision = saved_revision(api, ai, gtv=edited_gtv(ai))
    _approve(api, revision)
    physicist = APIClient()
    physicist.force_authenticate(pete)

    response = physicist.get(f"/api/v1/revisions/{revision.pk}/metrics/")

    assert response.status_code == 200
    body = response.json()
    assert body["ai_revision_id"] == ai.revision.pk
    assert [s["structure"] for s in body["structures"]] == ["Brain", "CTV", "Edema", "GTV", "PTV"]
    gtv = StructureMetrics.objects.get(structure="GTV")
    assert body["structures"][3] == {
        "structure": "GTV", "dice": gtv.dice, "hd95_mm": gtv.hd95_mm,
        "surface_dice": gtv.surface_dice, "apl_mm": gtv.apl_mm,
        "volume_ai_ml": gtv.volume_ai_ml, "volume_approved_ml": gtv.volume_approved_ml,
        "volume_change_ml": gtv.volume_change_ml, "volume_change_pct": gtv.volume_change_pct,
    }  # fmt: skip


def test_approving_the_ai_proposal_as_it_is_gives_perfect_metrics(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    response = _approve(api, ai.revision)

    assert response.status_code == 200, response.json()
    assert {m.dice for m in StructureMetrics.objects.all()} == {1.0}
    assert StructureMetrics.objects.count() == 5


def test_a_wrong_password_is_refused_and_nothing_is_stored(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    revision = saved_revision(api, ai, gtv=edited_gtv(ai))
    instances = Instance.objects.count()

    response = _approve(api, revision, password="not-my-password")

    assert (response.status_code, response.json()) == (
        400, {"detail": "The password is not correct."}
    )  # fmt: skip
    assert (Approval.objects.count(), StructureMetrics.objects.count()) == (0, 0)
    assert Instance.objects.count() == instances
    assert not AuditEvent.objects.filter(resource__endswith="approve").exists()


def test_only_the_newest_ready_unapproved_revision_can_be_approved(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    revision = saved_revision(api, ai, gtv=edited_gtv(ai))

    older = _approve(api, ai.revision)
    Revision.objects.filter(pk=revision.pk).update(state="writing")
    writing = _approve(api, revision)
    Revision.objects.filter(pk=revision.pk).update(state="ready")
    first = _approve(api, revision)
    approval = Approval.objects.get()
    instances = Instance.objects.count()
    again = _approve(api, revision)

    assert (older.status_code, older.json()) == (409, {
        "detail": "Revision 1 is not the newest; revision 2 is. Approve the newest revision."
    })  # fmt: skip
    assert (writing.status_code, writing.json()) == (409, {
        "detail": "Revision 2 is writing; only a revision whose contours are in the archive "
                  "can be approved."
    })  # fmt: skip
    assert first.status_code == 200
    at = timezone.localtime(approval.approved_at).strftime("%Y-%m-%d %H:%M")
    assert (again.status_code, again.json()) == (409, {
        "detail": f"Revision 2 was already approved by Alice at {at}."
    })  # fmt: skip
    assert Approval.objects.count() == 1
    assert Instance.objects.count() == instances


def test_editing_after_approval_starts_a_new_draft(api: APIClient, ai: ArchivedAiRevision) -> None:
    approved = saved_revision(api, ai, gtv=edited_gtv(ai))
    _approve(api, approved)

    draft = saved_revision(api, ai, parent_id=approved.pk)

    assert (draft.number, draft.parent_id) == (3, approved.pk)
    assert not hasattr(draft, "approval")
    shown = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()
    assert (shown["review_state"], shown["current_revision_id"]) == ("in_review", draft.pk)
    assert [r["approval"] is not None for r in shown["revisions"]] == [False, True, False]


def test_metrics_of_an_unapproved_revision_are_404(api: APIClient, ai: ArchivedAiRevision) -> None:
    response = api.get(f"/api/v1/revisions/{ai.revision.pk}/metrics/")

    assert (response.status_code, response.json()) == (
        404, {"detail": "Revision 1 is not approved; metrics are measured at approval."}
    )  # fmt: skip


def test_wrong_passwords_at_approval_lock_it_even_for_the_right_one(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    revision = saved_revision(api, ai, gtv=edited_gtv(ai))

    wrong = [_approve(api, revision, password=f"guess-{n}").status_code for n in range(5)]
    locked = _approve(api, revision)

    assert wrong == [400] * 5
    assert locked.status_code == 400
    assert locked.json()["detail"].startswith("Too many wrong passwords")
    assert Approval.objects.count() == 0
