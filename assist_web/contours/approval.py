"""Signing a revision off: password re-entered, the approved RTSTRUCT archived, metrics stored.

The approved RTSTRUCT is the revision's own RTSTRUCT with a new SOP Instance UID and the
Approval module filled in (PS3.3 C.8.8.16: APPROVED, reviewer, date and time); contours,
labels and references are unchanged. It is what goes to the planning system.
"""

import io
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from pydicom import Dataset, dcmread
from pydicom.dataset import FileMetaDataset
from pydicom.uid import generate_uid

from assist_web.accounts.models import User
from assist_web.accounts.signin_guard import SignInLocked, password_confirm
from assist_web.archive.ingest import instance_ingest
from assist_web.archive.models import Instance
from assist_web.archive.store import file_store
from assist_web.contours.errors import ReviewConflict, ReviewInvalid
from assist_web.contours.metrics import metrics_measure, metrics_store
from assist_web.contours.models import Approval, Revision, StructureSet
from assist_web.contours.revision_writing import user_person_name

logger = logging.getLogger(__name__)


def _check_approvable(revision: Revision, newest: Revision) -> None:
    if hasattr(revision, "approval"):
        approval = revision.approval
        who = approval.approved_by.get_full_name() or approval.approved_by.get_username()
        at = timezone.localtime(approval.approved_at).strftime("%Y-%m-%d %H:%M")
        raise ReviewConflict(f"Revision {revision.number} was already approved by {who} at {at}.")
    if revision.state != Revision.State.READY:
        raise ReviewConflict(
            f"Revision {revision.number} is {revision.get_state_display().lower()}; only a "
            "revision whose contours are in the archive can be approved."
        )
    if newest.pk != revision.pk:
        raise ReviewConflict(
            f"Revision {revision.number} is not the newest; revision {newest.number} is. "
            "Approve the newest revision."
        )


def approved_rtstruct(*, source: Dataset, reviewer: User, when: datetime) -> Dataset:
    """A copy of ``source`` with a new SOP Instance UID, signed by ``reviewer`` at ``when``."""
    approved = source.copy()
    approved.file_meta = FileMetaDataset(source.file_meta)
    uid = generate_uid()
    approved.SOPInstanceUID = uid
    approved.file_meta.MediaStorageSOPInstanceUID = uid
    local = timezone.localtime(when)
    date, time = local.strftime("%Y%m%d"), local.strftime("%H%M%S")
    approved.InstanceCreationDate, approved.InstanceCreationTime = date, time
    approved.InstanceNumber = int(source.get("InstanceNumber", 1) or 1) + 1
    approved.ApprovalStatus = "APPROVED"
    approved.ReviewDate, approved.ReviewTime = date, time
    approved.ReviewerName = user_person_name(reviewer)
    return approved


def _part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def revision_approve(*, revision: Revision, user: User, password: str) -> Approval:
    """Approve the newest, ready, unapproved revision of its set; refuse with a reason."""
    try:
        confirmed = password_confirm(user=user, password=password)
    except SignInLocked as locked:
        raise ReviewInvalid(locked.message) from None
    if not confirmed:
        raise ReviewInvalid("The password is not correct.")
    with transaction.atomic():
        # The set's lock orders approval against saves: nothing can become newer meanwhile.
        StructureSet.objects.select_for_update().get(pk=revision.structure_set_id)
        revision = Revision.objects.select_related("structure_set__study").get(pk=revision.pk)
        newest = Revision.objects.filter(structure_set_id=revision.structure_set_id).latest(
            "number"
        )
        _check_approvable(revision, newest)
        ai = revision.structure_set.revisions.filter(source=Revision.Source.AI).first()
        measured = metrics_measure(ai=ai, approved=revision) if ai is not None else {}
        source = Instance.objects.filter(sop_instance_uid=revision.rtstruct_sop_instance_uid)
        if not source.exists():
            raise ReviewConflict(f"Revision {revision.number} has no RTSTRUCT in the archive.")
        now = timezone.now()
        approved = approved_rtstruct(
            source=dcmread(file_store().absolute(source.get().path)), reviewer=user, when=now
        )
        stored = instance_ingest(
            data=_part10(approved),
            expected_study_uid=revision.structure_set.study.study_instance_uid,
            derived=True,
        )
        if not stored.ok:
            raise ReviewConflict(f"The archive refused the approved RTSTRUCT: {stored.reason}")
        approval = Approval.objects.create(
            revision=revision,
            approved_by=user,
            approved_at=now,
            rtstruct_sop_instance_uid=stored.sop_instance_uid,
        )
        if ai is not None:
            metrics_store(approval=approval, ai=ai, measured=measured)
    logger.info("Revision %s of structure set %s approved", revision.number,
                revision.structure_set_id)  # fmt: skip
    return approval
