"""Saving a physician's revision: checked, recorded at once, written to the archive later.

The request validates the masks, then, holding the structure set's row lock, checks that the
parent is still the newest revision and inserts the next one in state "writing" with its
masks on disk. After commit the default worker (``contours.revision_write``) writes the SEG
and RTSTRUCT into the archive. A refused request stores nothing.
"""

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from pydicom.uid import generate_uid

from assist_web.accounts.models import User
from assist_web.celery import app
from assist_web.contours.errors import ReviewConflict, ReviewInvalid
from assist_web.contours.models import Revision, StructureSet
from assist_web.contours.pending_masks import pending_masks_delete, pending_masks_write
from assist_web.contours.reference import structure_set_grid
from workers.dicom_out import STRUCTURES
from workers.structures.runs import RunsError, runs_to_mask

logger = logging.getLogger(__name__)

REVISION_WRITE_TASK = "contours.revision_write"
_DEFAULT_QUEUE = "default"
DECISIONS = ("accepted", "rejected", "edited")
# The order of SEG segments and RTSTRUCT ROIs, as the AI writes them.
ORDER = ("GTV", "Edema", "CTV", "PTV", "Brain")


@dataclass(frozen=True)
class SubmittedStructure:
    name: str
    decision: str
    runs: list[int] | None  # None for a rejected structure


def _kept_masks(
    structures: list[SubmittedStructure], shape: tuple[int, int, int]
) -> dict[str, np.ndarray]:
    names = [s.name for s in structures]
    unknown = sorted({n for n in names if n not in STRUCTURES})
    if unknown:
        raise ReviewInvalid(
            f"Unknown structure {', '.join(unknown)}; known are {', '.join(ORDER)}."
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ReviewInvalid(f"Structure {', '.join(repeated)} is listed more than once.")
    masks: dict[str, np.ndarray] = {}
    for structure in sorted(structures, key=lambda s: ORDER.index(s.name)):
        if structure.decision not in DECISIONS:
            raise ReviewInvalid(
                f"The decision for {structure.name} must be accepted, rejected or edited."
            )
        if structure.decision == "rejected":
            continue
        if structure.runs is None:
            raise ReviewInvalid(f"{structure.name} is {structure.decision} but has no runs.")
        try:
            masks[structure.name] = runs_to_mask(structure.runs, shape)
        except RunsError as exc:
            raise ReviewInvalid(f"{structure.name}: {exc}") from exc
    if not masks:
        raise ReviewInvalid("Every structure is rejected; a revision must keep at least one.")
    return masks


def revision_write_enqueue(*, revision_id: int) -> None:
    """Ask the default worker to write the revision; a broker that is down is not the saving
    physician's problem: ``revisions_requeue_waiting`` sends it again later."""
    try:
        app.send_task(REVISION_WRITE_TASK, args=[revision_id], queue=_DEFAULT_QUEUE)
    except KombuOperationalError:
        logger.warning("Broker unreachable; revision %s waits for the next requeue", revision_id)


def _stale_parent_message(newest: Revision, parent: Revision) -> str:
    author = newest.author
    who = (author.get_full_name() or author.get_username()) if author else "Someone"
    at = timezone.localtime(newest.created_at).strftime("%H:%M")
    return (
        f"{who} saved revision {newest.number} at {at} after you opened revision "
        f"{parent.number}. Reload to see their changes; your edits are kept in this page "
        "until you leave it."
    )


def revision_save(
    *,
    structure_set: StructureSet,
    user: User,
    parent_id: int,
    reference_series_uid: str,
    structures: list[SubmittedStructure],
) -> Revision:
    """Record the next revision of the set (state "writing") and queue its writing."""
    grid = structure_set_grid(structure_set=structure_set, series_uid=reference_series_uid)
    masks = _kept_masks(structures, grid.shape)
    decisions = {s.name: s.decision for s in structures}
    volumes = {name: round(float(mask.sum()) * grid.voxel_ml, 2) for name, mask in masks.items()}
    # A rejected structure is listed with its decision and no volume in the new revision.
    summary = [
        {"name": name, "volume_ml": volumes.get(name, 0.0), "decision": decisions[name]}
        for name in ORDER
        if name in decisions
    ]
    written: int | None = None
    try:
        with transaction.atomic():
            locked = StructureSet.objects.select_for_update().get(pk=structure_set.pk)
            newest = locked.revisions.select_related("author").order_by("-number").first()
            parent = Revision.objects.filter(pk=parent_id).first()
            if parent is None or parent.structure_set_id != locked.pk:
                raise ReviewInvalid(
                    f"Revision {parent_id} is not a revision of this structure set."
                )
            if newest is not None and newest.pk != parent.pk:
                raise ReviewConflict(_stale_parent_message(newest, parent))
            revision = Revision.objects.create(
                structure_set=locked,
                number=parent.number + 1,
                parent=parent,
                source=Revision.Source.HUMAN,
                author=user,
                structures=summary,
                state=Revision.State.WRITING,
                # Fixed now, so that a task run twice stores each object once (the archive
                # keeps the first object under a SOP Instance UID).
                seg_sop_instance_uid=generate_uid(),
                rtstruct_sop_instance_uid=generate_uid(),
            )
            written = revision.pk
            pending_masks_write(revision_id=revision.pk, masks=masks)
            transaction.on_commit(partial(revision_write_enqueue, revision_id=revision.pk))
    except BaseException:
        if written is not None:  # the row is gone with the transaction; so go its masks
            pending_masks_delete(revision_id=written)
        raise
    logger.info("Revision %s of structure set %s saved", revision.number, structure_set.pk)
    return revision
