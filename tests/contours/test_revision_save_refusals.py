"""Saves that are refused: a stale parent (409) and bad input (400). Nothing is stored."""

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assist_web.accounts.models import AuditEvent, Role, User
from assist_web.contours.models import Revision, StructureSet
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from tests.contours.review_requests import edited_gtv, save_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "assist_web.contours.revisions.app.send_task",
        lambda name, **options: calls.append((name, options)),
    )
    return calls


def _stored_nothing(data_dir: Path, revisions: int, sent_tasks: list) -> None:
    folder = data_dir / "pending-revisions"
    assert Revision.objects.count() == revisions
    assert not folder.exists() or list(folder.iterdir()) == []
    assert sent_tasks == []
    assert AuditEvent.objects.filter(action="store").count() == 0


def test_saving_on_a_parent_someone_else_saved_after_is_refused_with_who_and_when(
    api: APIClient,
    ai: ArchivedAiRevision,
    sent_tasks: list,
    data_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bob = User.objects.create_user(username="bob", password="bob-pass-2026", role=Role.PHYSICIAN,
                                   first_name="Bob", last_name="Brown")  # fmt: skip
    theirs = Revision.objects.create(
        structure_set_id=ai.revision.structure_set_id, number=2, parent=ai.revision,
        source="human", author=bob, state="ready",
    )  # fmt: skip
    at = timezone.localtime(theirs.created_at).strftime("%H:%M")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
            save_body(ai, gtv=edited_gtv(ai)),  # alice opened revision 1
            format="json",
        )

    assert (response.status_code, response.json()) == (
        409,
        {
            "detail": f"Bob Brown saved revision 2 at {at} after you opened revision 1. Reload "
            "to see their changes; your edits are kept in this page until you leave it."
        },
    )
    _stored_nothing(data_dir, 2, sent_tasks)


def _bad(ai: ArchivedAiRevision, case: str) -> dict[str, Any]:
    body = save_body(ai)
    structures: list[dict[str, Any]] = body["structures"]  # type: ignore[assignment]
    if case == "short runs":
        structures[0]["runs"] = [*structures[0]["runs"][:-1], structures[0]["runs"][-1] - 1]
    elif case == "unknown name":
        structures[1]["name"] = "Tumour"
    elif case == "repeated name":
        structures[1]["name"] = "GTV"
    elif case == "other series":
        body["reference_series_uid"] = "1.2.3.4"
    elif case == "all rejected":
        body["structures"] = [{"name": s["name"], "decision": "rejected"} for s in structures]
    elif case == "edited without runs":
        del structures[0]["runs"]
        structures[0]["decision"] = "edited"
    elif case == "bad decision":
        structures[0]["decision"] = "maybe"
    elif case == "no structures":
        body["structures"] = []
    elif case == "runs not numbers":
        structures[0]["runs"] = ["a", "b"]
    return body


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("short runs", f"GTV: The runs cover {44 * 96 * 96 - 1} voxels; the reference grid "
                       f"44x96x96 has {44 * 96 * 96}."),
        ("unknown name", "Unknown structure Tumour; known are GTV, Edema, CTV, PTV, Brain."),
        ("repeated name", "Structure GTV is listed more than once."),
        ("other series", None),
        ("all rejected", "Every structure is rejected; a revision must keep at least one."),
        ("edited without runs", "GTV is edited but has no runs."),
        ("runs not numbers", "GTV: Runs must be a list of whole numbers."),
        ("bad decision", None),
        ("no structures", None),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_reason_and_stores_nothing(
    api: APIClient,
    ai: ArchivedAiRevision,
    sent_tasks: list,
    data_dir: Path,
    case: str,
    detail: str | None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
            _bad(ai, case),
            format="json",
        )

    assert response.status_code == 400, response.json()
    if case == "other series":
        assert response.json()["detail"].startswith(
            "The contours are drawn on another series than this structure set's reference "
            f"series ({ai.reference[0].SeriesInstanceUID})."
        )
    elif detail is not None:
        assert response.json() == {"detail": detail}
    else:
        assert "structures" in response.json()
    _stored_nothing(data_dir, 1, sent_tasks)


def test_a_parent_from_another_structure_set_is_refused(
    api: APIClient, ai: ArchivedAiRevision, sent_tasks: list, data_dir: Path
) -> None:
    other = StructureSet.objects.create(study=ai.study)
    stranger = Revision.objects.create(structure_set=other, number=1, source="human")

    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai, parent_id=stranger.pk),
        format="json",
    )

    assert (response.status_code, response.json()) == (
        400, {"detail": f"Revision {stranger.pk} is not a revision of this structure set."}
    )  # fmt: skip
    _stored_nothing(data_dir, 2, sent_tasks)


def test_an_unknown_structure_set_is_404(api: APIClient, sent_tasks: list) -> None:
    response = api.post("/api/v1/structure-sets/999999/revisions/", {}, format="json")

    assert response.status_code == 404
    assert sent_tasks == []
