"""STOW-RS (PS3.18 10.5): each part of a multipart body ingested, and the PS3.18 10.5.3 reply."""

from dataclasses import dataclass, field
from typing import Any

from assist_web.archive.ingest import IngestResult, Outcome, instances_ingest
from assist_web.archive.refusals import RefusalKind
from assist_web.dicomweb.multipart import MultipartBody

DICOM = "application/dicom"
# PS3.18 table 10.5.3-3 / PS3.4 Annex GG failure reasons.
CANNOT_UNDERSTAND = 0xC000
DOES_NOT_MATCH = 0xA900  # the object conflicts with what the URL or the archive says
DUPLICATE_REFUSED = 0x0111  # a different object already holds this SOP Instance UID
OUT_OF_RESOURCES = 0xA700  # the archive's storage failed; the client may send it again
PROCESSING_FAILURE = 0x0110


@dataclass
class StowOutcome:
    stored: list[IngestResult] = field(default_factory=list)
    failed: list[tuple[IngestResult, int]] = field(default_factory=list)

    @property
    def status(self) -> int:
        if not self.failed:
            return 200
        return 202 if self.stored else 409

    @property
    def study_uids(self) -> set[str]:
        return {r.study_instance_uid for r in self.stored if r.study_instance_uid}


# Parts are indexed in batches (one transaction each); this bounds the memory one batch holds.
BATCH_PARTS = 50
BATCH_BYTES = 128 * 1024 * 1024


def stow_store(
    *, body: MultipartBody, study_uid: str | None, derived: bool = False
) -> StowOutcome:
    outcome = StowOutcome()
    batch: list[bytes] = []
    batch_bytes = 0
    for number, part in enumerate(body.parts, start=1):
        part_type = part.content_type
        if part_type and part_type != DICOM:
            reason = f"Part {number} has Content-Type {part_type}; only {DICOM} is stored."
            outcome.failed.append((_refused(reason), CANNOT_UNDERSTAND))
            continue
        data = with_preamble(body.read(part))
        batch.append(data)
        batch_bytes += len(data)
        if len(batch) >= BATCH_PARTS or batch_bytes >= BATCH_BYTES:
            _ingest(batch, study_uid, outcome, derived)
            batch, batch_bytes = [], 0
    if batch:
        _ingest(batch, study_uid, outcome, derived)
    return outcome


def _refused(reason: str) -> IngestResult:
    return IngestResult(outcome=Outcome.REFUSED, reason=reason)


def with_preamble(data: bytes) -> bytes:
    """Part 10 bytes as a file: the 128-byte preamble and 'DICM' added where a client left
    them out. dicomweb-client writes datasets that were never read from a file that way, and
    the archive stores only complete files."""
    if data[128:132] != b"DICM" and data[:2] == b"\x02\x00":
        return bytes(128) + b"DICM" + data
    return data


def _ingest(
    batch: list[bytes], study_uid: str | None, outcome: StowOutcome, derived: bool
) -> None:
    for result in instances_ingest(items=batch, expected_study_uid=study_uid, derived=derived):
        if result.ok:
            outcome.stored.append(result)
        else:
            outcome.failed.append((result, _failure_code(result)))


def _failure_code(result: IngestResult) -> int:
    if result.refusal == RefusalKind.CONFLICT:
        return DOES_NOT_MATCH
    if result.refusal == RefusalKind.DUPLICATE_UID:
        return DUPLICATE_REFUSED
    if result.refusal == RefusalKind.OUT_OF_RESOURCES:
        return OUT_OF_RESOURCES
    return CANNOT_UNDERSTAND


def stow_response(outcome: StowOutcome, *, base_url: str, study_uid: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    # Where the objects are read back: under the archive's UID, if de-identification made one.
    studies = outcome.study_uids or ({study_uid} if study_uid else set())
    if len(studies) == 1:
        body["00081190"] = _ur(f"{base_url}/studies/{next(iter(studies))}")
    if outcome.stored:
        body["00081199"] = {"vr": "SQ", "Value": [_referenced(r, base_url) for r in outcome.stored]}
    if outcome.failed:
        body["00081198"] = {"vr": "SQ", "Value": [_failed(r, c) for r, c in outcome.failed]}
    return body


def _ur(url: str) -> dict[str, Any]:
    return {"vr": "UR", "Value": [url]}


def _ui(uid: str) -> dict[str, Any]:
    return {"vr": "UI", "Value": [uid]} if uid else {"vr": "UI"}


def _referenced(result: IngestResult, base_url: str) -> dict[str, Any]:
    url = (
        f"{base_url}/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}"
    )
    return {
        "00081150": _ui(result.sop_class_uid),
        "00081155": _ui(result.sop_instance_uid),
        "00081190": _ur(url),
    }


def _failed(result: IngestResult, code: int) -> dict[str, Any]:
    return {
        # The reason a person can act on; FailureReason alone is a bare number.
        "00000902": {"vr": "LO", "Value": [result.reason]},
        "00081150": _ui(result.sop_class_uid),
        "00081155": _ui(result.sop_instance_uid),
        "00081197": {"vr": "US", "Value": [code]},
    }
