"""Request bodies the viewer sends, built from an archived AI revision's masks."""

from typing import Any

import numpy as np
from rest_framework.test import APIClient

from assist_web.contours.models import Revision
from tests.contours.review_factories import ArchivedAiRevision
from workers.structures.runs import mask_to_runs


def edited_gtv(ai: ArchivedAiRevision) -> np.ndarray:
    """The AI's GTV with a brush stroke added two slices below it, as a physician might."""
    gtv = ai.masks["GTV"].copy()
    first = int(np.flatnonzero(gtv.any(axis=(1, 2)))[0])
    gtv[first - 2 : first, :, :] = gtv[first]  # extend the tumour by two slices
    return gtv


def save_body(
    ai: ArchivedAiRevision,
    *,
    parent_id: int | None = None,
    gtv: np.ndarray | None = None,
    rejected: tuple[str, ...] = (),
) -> dict[str, object]:
    structures: list[dict[str, object]] = []
    for name, mask in ai.masks.items():
        if name in rejected:
            structures.append({"name": name, "decision": "rejected"})
        elif name == "GTV" and gtv is not None:
            structures.append({"name": name, "decision": "edited", "runs": mask_to_runs(gtv)})
        else:
            structures.append({"name": name, "decision": "accepted", "runs": mask_to_runs(mask)})
    return {
        "parent_id": parent_id or ai.revision.pk,
        "reference_series_uid": ai.reference[0].SeriesInstanceUID,
        "structures": structures,
    }


def saved_revision(api: APIClient, ai: ArchivedAiRevision, **body: Any) -> Revision:
    """A person's revision saved through the API and written by the task (run here)."""
    from assist_web.contours.revision_writing import revision_write

    response = api.post(
        f"/api/v1/structure-sets/{ai.revision.structure_set_id}/revisions/",
        save_body(ai, **body),
        format="json",
    )
    assert response.status_code == 201, response.json()
    revision_write(revision_id=response.json()["id"])
    revision = Revision.objects.get(pk=response.json()["id"])
    assert revision.state == "ready", revision.error
    return revision
