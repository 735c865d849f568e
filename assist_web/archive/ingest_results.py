"""What ingest answers for each object: stored, an identical copy ignored, or refused and why.

Callers import these from ``assist_web.archive.ingest``, with the service that returns them.
"""

from dataclasses import dataclass
from enum import StrEnum

from assist_web.archive.header import Header
from assist_web.archive.refusals import DicomRejected, RefusalKind


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    reason: str = ""
    refusal: RefusalKind | None = None
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.REFUSED


def header_result(outcome: Outcome, header: Header, reason: str = "") -> IngestResult:
    return IngestResult(
        outcome=outcome,
        reason=reason,
        sop_class_uid=header.text("SOPClassUID"),
        sop_instance_uid=header.text("SOPInstanceUID"),
        study_instance_uid=header.text("StudyInstanceUID"),
        series_instance_uid=header.text("SeriesInstanceUID"),
    )


def refusal_result(refusal: DicomRejected) -> IngestResult:
    return IngestResult(
        outcome=Outcome.REFUSED,
        reason=refusal.reason,
        refusal=refusal.kind,
        sop_class_uid=refusal.sop_class_uid,
        sop_instance_uid=refusal.sop_instance_uid,
    )
