"""Who may do what in the review: physicians edit, save and approve; everyone else is refused
with a reason and leaves nothing behind. Only site admins configure export destinations."""

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, Role, User
from assist_web.contours.models import Approval, ExportDestination, Revision, StructureSet
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from tests.contours.review_requests import save_body
from workers.structures.runs import mask_to_runs

pytestmark = pytest.mark.django_db
REFUSAL = {"detail": "Only physicians may edit, save or approve contours."}


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


@pytest.fixture
def root(db: None) -> User:
    """A superuser whose role is site admin: an administrator, not a physician."""
    return User.objects.create_superuser(username="root", password="root-pass-2026",
                                         role=Role.SITE_ADMIN)  # fmt: skip


def _writes(ai: ArchivedAiRevision, password: str) -> list[tuple[str, str, dict[str, Any]]]:
    set_url = f"/api/v1/structure-sets/{ai.revision.structure_set_id}"
    uid = ai.reference[0].SeriesInstanceUID
    gtv, brain = mask_to_runs(ai.masks["GTV"]), mask_to_runs(ai.masks["Brain"])
    return [
        ("post", f"{set_url}/revisions/", save_body(ai)),
        ("post", f"{set_url}/editing/", {}),
        ("delete", f"{set_url}/editing/", {}),
        ("post", f"{set_url}/margins/", {"reference_series_uid": uid, "gtv": gtv, "brain": brain}),
        ("post", f"{set_url}/interpolate/", {"reference_series_uid": uid, "runs": gtv}),
        ("post", f"/api/v1/revisions/{ai.revision.pk}/approve/", {"password": password}),
    ]


def _nothing_changed(ai: ArchivedAiRevision, data_dir: Path) -> None:
    structure_set = StructureSet.objects.get(pk=ai.revision.structure_set_id)
    assert Revision.objects.count() == 1
    assert Approval.objects.count() == 0
    assert (structure_set.editor, structure_set.editing_since) == (None, None)
    assert not (data_dir / "pending-revisions").exists()
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("who", ["pete", "sam", "gus", "root"])
def test_only_physicians_edit_save_and_approve(
    who: str, pete: User, sam: User, gus: User, root: User, ai: ArchivedAiRevision,
    data_dir: Path,
) -> None:  # fmt: skip
    user = {"pete": pete, "sam": sam, "gus": gus, "root": root}[who]
    client = APIClient()
    client.force_authenticate(user)

    responses = [
        getattr(client, method)(url, body, format="json")
        for method, url, body in _writes(ai, f"{who}-pass-2026")
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(403, REFUSAL)] * 6
    _nothing_changed(ai, data_dir)


def test_anonymous_is_refused_everything(
    anonymous: APIClient, ai: ArchivedAiRevision, data_dir: Path
) -> None:
    reads = [
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/",
        f"/api/v1/studies/{ai.study.study_instance_uid}/structure-set/",
        f"/api/v1/revisions/{ai.revision.pk}/labelmap/",
        f"/api/v1/revisions/{ai.revision.pk}/metrics/",
    ]

    responses = [anonymous.get(url) for url in reads] + [
        getattr(anonymous, method)(url, body, format="json")
        for method, url, body in _writes(ai, "")
    ]

    assert [r.status_code for r in responses] == [401] * 10
    _nothing_changed(ai, data_dir)


def test_a_session_without_the_csrf_token_cannot_write(
    alice: User, ai: ArchivedAiRevision, data_dir: Path
) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(alice)

    responses = [
        getattr(browser, method)(url, body, format="json")
        for method, url, body in _writes(ai, "alice-pass-2026")
    ]

    assert {r.status_code for r in responses} == {403}
    assert all("CSRF" in r.json()["detail"] for r in responses)
    _nothing_changed(ai, data_dir)


@pytest.mark.parametrize("who", ["alice", "pete", "gus"])
def test_only_a_site_admin_reaches_the_export_destination_admin(
    who: str, alice: User, pete: User, gus: User
) -> None:
    client = APIClient()
    client.force_login({"alice": alice, "pete": pete, "gus": gus}[who])
    form = {"name": "Planning", "ae_title": "TPS", "host": "tps.local", "port": "104",
            "calling_ae_title": "ASSIST", "enabled": "on"}  # fmt: skip

    responses = [
        client.get("/admin/contours/exportdestination/"),
        client.post("/admin/contours/exportdestination/add/", form),
    ]

    assert [r.status_code for r in responses] == [302, 302]
    assert all(r["Location"].startswith("/admin/login/") for r in responses)
    assert ExportDestination.objects.count() == 0


def test_approvals_and_metrics_are_shown_to_site_admins_and_never_made_by_hand(
    sam: User, alice: User
) -> None:
    admin, physician = APIClient(), APIClient()
    admin.force_login(sam)
    physician.force_login(alice)

    shown = [admin.get(f"/admin/contours/{m}/") for m in ("approval", "structuremetrics")]
    adding = [admin.get(f"/admin/contours/{m}/add/") for m in ("approval", "structuremetrics")]
    refused = physician.get("/admin/contours/approval/")

    assert [r.status_code for r in shown] == [200, 200]
    assert [r.status_code for r in adding] == [403, 403]
    assert (refused.status_code, refused["Location"].startswith("/admin/login/")) == (302, True)
