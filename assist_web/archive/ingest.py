"""The one way an object enters the archive, whatever path it came by.

Browser upload, STOW-RS, C-STORE and PACS pulls all call ``instances_ingest`` (or
``instance_ingest`` for one object). The SOP Instance UID is an object's identity: a second
copy is a no-op (identical, or differing only in the file meta group its sender wrote), a
different object under a UID already stored is refused. A refused object leaves nothing behind,
neither a file nor a row.

A batch (the parts of one STOW request, the files of one upload) is indexed in one transaction:
a few queries per series instead of several per instance, and one commit. Should the batch
collide with a concurrent writer, it falls back to one transaction per instance.

The steps live beside this module: ``ingest_candidates`` (parse, de-identify, answer known
objects), ``ingest_batch`` (store and index the new ones), ``ingest_results`` (the answers,
which callers import from here).
"""

import errno
import logging
from collections.abc import Sequence

from assist_web.archive.ingest_batch import batch_store
from assist_web.archive.ingest_candidates import Candidate, candidate_prepare, known_drop
from assist_web.archive.ingest_results import IngestResult, Outcome, refusal_result
from assist_web.archive.models import SiteSettings
from assist_web.archive.refusals import DicomRejected, RefusalKind

__all__ = ["IngestResult", "Outcome", "instance_ingest", "instances_ingest"]

logger = logging.getLogger(__name__)


def instance_ingest(
    *, data: bytes, expected_study_uid: str | None = None, derived: bool = False
) -> IngestResult:
    return instances_ingest(items=[data], expected_study_uid=expected_study_uid, derived=derived)[0]


def instances_ingest(
    *, items: Sequence[bytes], expected_study_uid: str | None = None, derived: bool = False
) -> list[IngestResult]:
    """Ingest each object independently; one result per item, in order.

    ``derived``: the objects were made by this site or its gpu workers from images already in
    the archive (SEG, RTSTRUCT), or are the archive's own files indexed again
    (``archive_check --repair``). They are never de-identified: their patient, study and
    referenced UIDs already are the archive's, and remapping them again would detach them
    from their images.
    """
    results: list[IngestResult | None] = [None] * len(items)
    deidentify = not derived and SiteSettings.deidentifies_on_ingest()
    candidates: list[Candidate] = []
    for position, data in enumerate(items):
        try:
            candidates.append(candidate_prepare(position, data, deidentify, expected_study_uid))
        except DicomRejected as refusal:
            results[position] = refusal_result(refusal)
    candidates = known_drop(candidates, results)
    if candidates:
        try:
            batch_store(candidates, results)
        except OSError as error:
            # The storage failed (a full disk): the transaction rolled back, no file was named.
            logger.error("Storage failed for %d object(s): %s", len(candidates), error.strerror)
            for candidate in candidates:
                if results[candidate.position] is None:
                    results[candidate.position] = refusal_result(_storage_refusal(error, candidate))
    return [r for r in results if r is not None]


def _storage_refusal(error: OSError, candidate: Candidate) -> DicomRejected:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        problem = "The archive's storage is full"
    else:
        problem = f"The archive could not write to its storage ({error.strerror or 'I/O error'})"
    return DicomRejected(
        f"{problem}; nothing of this object was stored. Send it again once the site's IT has "
        "fixed that.",
        kind=RefusalKind.OUT_OF_RESOURCES,
        sop_class_uid=candidate.header.text("SOPClassUID"),
        sop_instance_uid=candidate.header.text("SOPInstanceUID"),
    )
