"""Arriving objects made ready to index, and those the archive already holds answered at once.

Each object is parsed, de-identified where the site asks for it, checked against the study of
the request, and its DICOM JSON and checksum computed. The SOP Instance UID is its identity: an
identical second copy (already stored, or repeated in the same batch) is a duplicate, a
different object under a UID already stored is refused.
"""

import hashlib
from dataclasses import dataclass

from assist_web.archive.deidentify import dataset_deidentify
from assist_web.archive.header import Header
from assist_web.archive.indexing import stored_checksums
from assist_web.archive.ingest_results import (
    IngestResult,
    Outcome,
    header_result,
    refusal_result,
)
from assist_web.archive.models import Instance
from assist_web.archive.parsing import parse_part10
from assist_web.archive.reading import DAMAGED
from assist_web.archive.refusals import DicomRejected, RefusalKind
from assist_web.archive.scanning import dataset_bytes
from assist_web.archive.store import file_store


@dataclass
class Candidate:
    """An object that parsed and is new to the archive, waiting to be indexed."""

    position: int
    header: Header
    data: bytes
    sha256: str
    transfer_syntax_uid: str
    metadata: str


def candidate_prepare(
    position: int, data: bytes, deidentify: bool, expected_study_uid: str | None
) -> Candidate:
    header = parse_part10(data)
    # The sender names the study by the UID it sent, the one before de-identification.
    if expected_study_uid and header.text("StudyInstanceUID") != expected_study_uid:
        raise DicomRejected(
            "The object belongs to another study than the one in the request URL.",
            kind=RefusalKind.CONFLICT,
            sop_class_uid=header.text("SOPClassUID"),
            sop_instance_uid=header.text("SOPInstanceUID"),
        )
    if deidentify:
        try:
            data = dataset_deidentify(header.dataset)
        except DAMAGED:
            raise DicomRejected(
                "The object could not be de-identified; it may be malformed.",
                sop_class_uid=header.text("SOPClassUID"),
                sop_instance_uid=header.text("SOPInstanceUID"),
            ) from None
        header = Header.of(header.dataset, data=data)  # the values changed
    try:
        metadata = header.json_text()
    except DAMAGED:
        raise DicomRejected(
            "The object has attribute values that cannot be read; it may be malformed.",
            sop_class_uid=header.text("SOPClassUID"),
            sop_instance_uid=header.text("SOPInstanceUID"),
        ) from None
    return Candidate(
        position=position,
        header=header,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        transfer_syntax_uid=header.transfer_syntax_uid,
        metadata=metadata,
    )


def known_drop(candidates: list[Candidate], results: list[IngestResult | None]) -> list[Candidate]:
    """Answer objects already stored (or repeated in this batch); return the new ones."""
    known = stored_checksums(sop_uids=[c.header.text("SOPInstanceUID") for c in candidates])
    fresh: list[Candidate] = []
    for candidate in candidates:
        uid = candidate.header.text("SOPInstanceUID")
        if uid in known:
            results[candidate.position] = known_result(candidate, known[uid])
            continue
        known[uid] = candidate.sha256
        fresh.append(candidate)
    return fresh


def known_result(candidate: Candidate, stored_sha256: str) -> IngestResult:
    stored = None if stored_sha256 == candidate.sha256 else _stored(candidate)
    if stored_sha256 == candidate.sha256 or (stored and _same_object(candidate.data, stored[0])):
        return header_result(
            Outcome.DUPLICATE, candidate.header, "Already stored; identical copy ignored."
        )
    if stored and stored[1] != candidate.transfer_syntax_uid:
        return refusal_result(
            DicomRejected(
                f"This object is already stored in another transfer syntax ({stored[1]}); the "
                "archive keeps the first copy.",
                kind=RefusalKind.DUPLICATE_UID,
                sop_class_uid=candidate.header.text("SOPClassUID"),
                sop_instance_uid=candidate.header.text("SOPInstanceUID"),
            )
        )
    return refusal_result(
        DicomRejected(
            "A different object with this SOP Instance UID is already stored; the archive keeps "
            "the first one. Give a corrected object a new SOP Instance UID.",
            kind=RefusalKind.DUPLICATE_UID,
            sop_class_uid=candidate.header.text("SOPClassUID"),
            sop_instance_uid=candidate.header.text("SOPInstanceUID"),
        )
    )


def _stored(candidate: Candidate) -> tuple[bytes, str] | None:
    """The stored file of the candidate's SOP instance and its transfer syntax; None where it
    cannot be read (or is only earlier in this batch)."""
    row = (
        Instance.objects.filter(sop_instance_uid=candidate.header.text("SOPInstanceUID"))
        .values_list("path", "transfer_syntax_uid")
        .first()
    )
    if row is None:
        return None
    try:
        return file_store().absolute(row[0]).read_bytes(), row[1]
    except OSError:
        return None


def _same_object(data: bytes, stored: bytes) -> bool:
    """The same object in a file written by someone else: the bytes after the file meta group
    are equal. A scanner's C-STORE and a PACS's copy of the same image differ in the meta group
    (the sender's AE title, the writer's implementation), never in the object."""
    ours = dataset_bytes(data)
    return ours is not None and ours == dataset_bytes(stored)
