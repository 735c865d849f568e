"""The default worker's part of a save: a revision's SEG and RTSTRUCT into the archive.

Idempotent: the task claims the revision with a conditional update, the objects carry the
SOP Instance UIDs fixed at save time (so a second run cannot store a second copy), and only
the run that moves the revision from "writing" to "ready" or "failed" records the outcome.
"""

import io
import logging
from datetime import timedelta

import numpy as np
from django.db.models import Q
from django.utils import timezone
from pydicom import Dataset
from pydicom.valuerep import PersonName

from assist_web.accounts.models import User
from assist_web.archive.ingest import instances_ingest
from assist_web.archive.refusals import RefusalKind
from assist_web.contours.errors import ReviewError
from assist_web.contours.models import Revision
from assist_web.contours.pending_masks import pending_masks_delete, pending_masks_read
from assist_web.contours.reference import reference_datasets, structure_set_reference_uid
from assist_web.contours.revisions import revision_write_enqueue
from workers.dicom_out import Algorithm, rtstruct_write, seg_write
from workers.geometry import GeometryError

logger = logging.getLogger(__name__)

# Writing takes seconds; a claim this old is a worker that died (the message is redelivered
# to another one, which may then take over).
CLAIM_STALE = timedelta(minutes=10)
# A saved revision is written within seconds of its commit; one still unclaimed after this
# lost its message.
REQUEUE_AFTER = timedelta(minutes=2)
# Series numbers of the review's objects, after the AI's 901 (SEG) and 902 (RTSTRUCT).
_SEG_SERIES_NUMBER = 903
_RTSTRUCT_SERIES_NUMBER = 904


class WriteFailed(Exception):
    """The revision cannot be written; the message is shown as its error."""


def revision_write(*, revision_id: int) -> None:
    """Write the revision's SEG and RTSTRUCT into the archive, then mark it ready, or failed
    with the reason; either way its pending masks go (the viewer keeps the edits to save
    again). A revision another worker is writing, or already written, is left alone."""
    now = timezone.now()
    claimed = (
        Revision.objects.filter(pk=revision_id, state=Revision.State.WRITING)
        .filter(Q(write_claimed_at__isnull=True) | Q(write_claimed_at__lt=now - CLAIM_STALE))
        .update(write_claimed_at=now)
    )
    if claimed != 1:
        logger.info("Revision %s is not waiting to be written; nothing to do", revision_id)
        return
    revision = Revision.objects.select_related("author", "structure_set__study").get(pk=revision_id)
    try:
        seg_uid, rtstruct_uid = _store(revision)
    except (WriteFailed, ReviewError, GeometryError) as exc:
        _finish(revision_id, Revision.State.FAILED, error=getattr(exc, "message", str(exc)))
        return
    except Exception:
        _finish(
            revision_id,
            Revision.State.FAILED,
            error="Internal error while writing the contours; see the worker's log.",
        )
        raise
    _finish(revision_id, Revision.State.READY, seg_uid=seg_uid, rtstruct_uid=rtstruct_uid)


def revisions_requeue_waiting() -> list[int]:
    """Send the write task again for revisions still waiting after REQUEUE_AFTER: never
    claimed (the message was lost, or the broker was down when they were saved) or claimed by
    a worker that died. The claim keeps a revision from being written twice."""
    now = timezone.now()
    waiting = Revision.objects.filter(
        state=Revision.State.WRITING, created_at__lt=now - REQUEUE_AFTER
    )
    ids = list(
        waiting.filter(
            Q(write_claimed_at__isnull=True) | Q(write_claimed_at__lt=now - CLAIM_STALE)
        ).values_list("pk", flat=True)
    )
    for revision_id in ids:
        revision_write_enqueue(revision_id=revision_id)
    return ids


def _store(revision: Revision) -> tuple[str, str]:
    try:
        masks = pending_masks_read(revision_id=revision.pk)
    except FileNotFoundError as exc:
        raise WriteFailed("The saved contours are missing on the server; save again.") from exc
    series_uid = structure_set_reference_uid(structure_set=revision.structure_set)
    reference = reference_datasets(series_uid=series_uid)
    try:
        seg, rtstruct = revision_objects(revision=revision, reference=reference, masks=masks)
    except ValueError as exc:  # the writers' refusals: the reference is not the saved grid
        raise WriteFailed(f"The contours could not be written: {exc}") from exc
    results = instances_ingest(
        items=[_part10(seg), _part10(rtstruct)],
        expected_study_uid=revision.structure_set.study.study_instance_uid,
        derived=True,
    )
    for result, what in zip(results, ("SEG", "RTSTRUCT"), strict=True):
        # A different copy under the fixed UID is an earlier run's: already stored.
        if not result.ok and result.refusal != RefusalKind.DUPLICATE_UID:
            raise WriteFailed(f"The archive refused the {what}: {result.reason}")
    return results[0].sop_instance_uid, results[1].sop_instance_uid


def revision_objects(
    *, revision: Revision, reference: list[Dataset], masks: dict[str, np.ndarray]
) -> tuple[Dataset, Dataset]:
    """The SEG and RTSTRUCT of a person's revision, with the SOP UIDs fixed at save time.

    Edited structures are marked SEMIAUTOMATIC (an AI proposal a person changed), accepted
    ones keep AUTOMATIC; the author is the structure set's interpreter.
    """
    algorithm = _algorithm(revision)
    label = f"ASSIST REV {revision.number}"
    description = f"ASSIST revision {revision.number}"
    seg = seg_write(
        reference=reference, masks=masks, algorithm=algorithm,
        series_description=description, series_number=_SEG_SERIES_NUMBER,
        sop_instance_uid=revision.seg_sop_instance_uid,
    )  # fmt: skip
    rtstruct = rtstruct_write(
        reference=reference, masks=masks, algorithm=algorithm, label=label,
        series_description=f"{description} contours", series_number=_RTSTRUCT_SERIES_NUMBER,
        sop_instance_uid=revision.rtstruct_sop_instance_uid,
    )  # fmt: skip
    edited = {s["name"] for s in revision.structures if s.get("decision") == "edited"}
    author = user_person_name(revision.author)
    for segment in seg.SegmentSequence:
        if str(segment.SegmentLabel) in edited:
            segment.SegmentAlgorithmType = "SEMIAUTOMATIC"
    seg.ContentCreatorName = author
    for roi in rtstruct.StructureSetROISequence:
        if str(roi.ROIName) in edited:
            roi.ROIGenerationAlgorithm = "SEMIAUTOMATIC"
    for observation in rtstruct.RTROIObservationsSequence:
        observation.ROIInterpreter = author  # the physician who reviewed every kept structure
    rtstruct.OperatorsName = author
    return seg, rtstruct


def _algorithm(revision: Revision) -> Algorithm:
    ai = (
        revision.structure_set.revisions.filter(source=Revision.Source.AI)
        .select_related("model_version")
        .first()
    )
    if ai is None or ai.model_version is None:
        return Algorithm(name="ASSIST", version="review")
    return Algorithm(name=ai.model_version.name, version=ai.model_version.version)


def user_person_name(user: User | None) -> PersonName:
    """A person as a DICOM PN: family^given when both are known, else the one name we have."""
    if user is None:
        return PersonName("")
    if user.last_name:
        return PersonName.from_named_components(
            family_name=user.last_name, given_name=user.first_name
        )
    return PersonName(user.first_name or user.get_username())


def _part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _finish(
    revision_id: int, state: str, *, error: str = "", seg_uid: str = "", rtstruct_uid: str = ""
) -> None:
    fields: dict[str, object] = {"state": state, "error": error}
    if seg_uid:
        fields |= {"seg_sop_instance_uid": seg_uid, "rtstruct_sop_instance_uid": rtstruct_uid}
    Revision.objects.filter(pk=revision_id, state=Revision.State.WRITING).update(**fields)
    pending_masks_delete(revision_id=revision_id)
