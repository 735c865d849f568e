"""While a physician edits: the editing notice, CTV and PTV from the GTV, interpolation."""

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assist_web.accounts.models import Role, User
from assist_web.contours.models import StructureSet
from assist_web.inference.models import ModelVersion
from tests.contours.review_factories import ArchivedAiRevision, ReviewCase, archived_ai_revision
from workers.structures import clip, expand_mm
from workers.structures.runs import mask_to_runs, runs_to_mask

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai(review_case: ReviewCase, active_model: ModelVersion) -> ArchivedAiRevision:
    return archived_ai_revision(review_case, active_model)


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user(username="bob", password="bob-pass-2026", role=Role.PHYSICIAN,
                                     first_name="Bob", last_name="Brown")  # fmt: skip


def _as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _editing(ai: ArchivedAiRevision) -> str:
    return f"/api/v1/structure-sets/{ai.revision.structure_set_id}/editing/"


def _set(ai: ArchivedAiRevision) -> StructureSet:
    return StructureSet.objects.get(pk=ai.revision.structure_set_id)


def test_a_claim_shows_who_edits_and_a_heartbeat_keeps_it(
    api: APIClient, alice: User, ai: ArchivedAiRevision
) -> None:
    claimed = api.post(_editing(ai))
    first = _set(ai).editing_since
    beat = api.post(_editing(ai))

    assert claimed.status_code == beat.status_code == 200
    structure_set = _set(ai)
    assert structure_set.editor == alice
    assert first is not None and structure_set.editing_since is not None
    assert structure_set.editing_since >= first
    since = structure_set.editing_since.isoformat()
    assert beat.json() == {"editor": {"username": "alice", "name": "Alice", "since": since}}
    shown = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()
    assert (shown["editor"]["username"], shown["review_state"]) == ("alice", "in_review")


def test_a_second_physician_sees_the_editor_and_does_not_take_over(
    api: APIClient, alice: User, bob: User, ai: ArchivedAiRevision
) -> None:
    api.post(_editing(ai))
    before = _set(ai).editing_since

    response = _as(bob).post(_editing(ai))

    assert response.status_code == 200
    assert response.json()["editor"]["username"] == "alice"
    assert (_set(ai).editor, _set(ai).editing_since) == (alice, before)


def test_a_claim_whose_heartbeat_stopped_is_gone_and_can_be_taken(
    api: APIClient, alice: User, bob: User, ai: ArchivedAiRevision
) -> None:
    api.post(_editing(ai))
    StructureSet.objects.filter(pk=ai.revision.structure_set_id).update(
        editing_since=timezone.now() - timedelta(minutes=2, seconds=1)
    )
    shown = api.get(f"/api/v1/structure-sets/{ai.revision.structure_set_id}/").json()

    response = _as(bob).post(_editing(ai))

    assert (shown["editor"], shown["review_state"]) == (None, "to_review")
    assert response.json()["editor"]["username"] == "bob"
    assert _set(ai).editor == bob


def test_only_the_editor_releases_their_claim(
    api: APIClient, alice: User, bob: User, ai: ArchivedAiRevision
) -> None:
    api.post(_editing(ai))

    refused = _as(bob).delete(_editing(ai))
    assert (refused.status_code, refused.json()) == (
        409, {"detail": "Alice is editing this structure set; only they can release it."}
    )  # fmt: skip
    assert _set(ai).editor == alice

    released = api.delete(_editing(ai))
    assert (released.status_code, released.json()) == (200, {"editor": None})
    assert (_set(ai).editor, _set(ai).editing_since) == (None, None)


def _margins(ai: ArchivedAiRevision, gtv: np.ndarray) -> dict[str, Any]:
    return {
        "reference_series_uid": ai.reference[0].SeriesInstanceUID,
        "gtv": mask_to_runs(gtv),
        "brain": mask_to_runs(ai.masks["Brain"]),
    }


def test_margins_recompute_ctv_and_ptv_from_the_edited_gtv(
    api: APIClient, ai: ArchivedAiRevision, settings: Any
) -> None:
    settings.ASSIST_CTV_MARGIN_MM, settings.ASSIST_PTV_MARGIN_MM = 10.0, 5.0
    gtv = ai.masks["GTV"].copy()
    gtv[:, :, : gtv.shape[2] // 2 + 8] = False  # the physician erased part of the tumour

    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/margins/",
        _margins(ai, gtv),
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["ctv_margin_mm"], body["ptv_margin_mm"]) == (10.0, 5.0)
    ctv = clip(expand_mm(gtv, ai.spacing, 10.0), ai.masks["Brain"])
    ptv = expand_mm(ctv, ai.spacing, 5.0)
    assert body["CTV"] == mask_to_runs(ctv)
    assert body["PTV"] == mask_to_runs(ptv)
    assert ctv.sum() < ai.masks["CTV"].sum()


def test_with_the_ai_s_gtv_and_the_default_margins_the_ai_s_targets_come_back(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/margins/",
        _margins(ai, ai.masks["GTV"]),
        format="json",
    )

    body = response.json()
    assert (body["ctv_margin_mm"], body["ptv_margin_mm"]) == (15.0, 3.0)
    assert (runs_to_mask(body["CTV"], ai.shape) == ai.masks["CTV"]).all()
    assert (runs_to_mask(body["PTV"], ai.shape) == ai.masks["PTV"]).all()


def test_interpolation_fills_the_slices_between_drawn_ones_and_keeps_the_drawn_ones(
    api: APIClient, ai: ArchivedAiRevision
) -> None:
    truth = ai.masks["GTV"]  # on slices 26 to 34
    drawn = truth.copy()
    skipped = [27, 29, 31, 33]
    drawn[skipped] = False  # drawn on every other slice only
    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/interpolate/",
        {"reference_series_uid": ai.reference[0].SeriesInstanceUID, "runs": mask_to_runs(drawn)},
        format="json",
    )

    assert response.status_code == 200, response.json()
    filled = runs_to_mask(response.json()["runs"], ai.shape)
    kept = [k for k in range(ai.shape[0]) if k not in skipped]
    assert (filled[kept] == drawn[kept]).all()  # drawn and empty-outside slices unchanged
    overlap = {k: 2 * (filled[k] & truth[k]).sum() / (filled[k].sum() + truth[k].sum())
               for k in skipped}  # fmt: skip
    # Inside the tumour the shape changes little from slice to slice; at its tip it does.
    assert min(overlap[29], overlap[31]) >= 0.9, overlap
    assert min(overlap.values()) >= 0.65, overlap


@pytest.mark.parametrize("endpoint", ["margins", "interpolate"])
def test_bad_masks_are_refused_with_a_reason(
    api: APIClient, ai: ArchivedAiRevision, endpoint: str
) -> None:
    uid = ai.reference[0].SeriesInstanceUID
    body = (
        {"reference_series_uid": uid, "gtv": [5], "brain": mask_to_runs(ai.masks["Brain"])}
        if endpoint == "margins" else {"reference_series_uid": uid, "runs": [5]}
    )  # fmt: skip
    what = "GTV" if endpoint == "margins" else "Mask"

    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/{endpoint}/", body, format="json"
    )
    other = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/{endpoint}/",
        {**body, "reference_series_uid": "1.2.3"},
        format="json",
    )

    assert (response.status_code, response.json()) == (
        400, {"detail": f"{what}: The runs cover 5 voxels; the reference grid 44x96x96 has "
                        f"{44 * 96 * 96}."},
    )  # fmt: skip
    assert other.status_code == 400
    assert other.json()["detail"].startswith("The contours are drawn on another series")
