"""Why an arriving object is refused: a reason for the sender, and a kind for protocols that
answer with a code."""

from enum import StrEnum


class RefusalKind(StrEnum):
    """Why an object was refused, for protocols that answer with a code (STOW, C-STORE)."""

    INVALID = "invalid"  # not DICOM, damaged, or missing what the archive needs
    CONFLICT = "conflict"  # contradicts the request or what the archive already holds
    DUPLICATE_UID = "duplicate_uid"  # a different object already holds this SOP Instance UID
    OUT_OF_RESOURCES = "out_of_resources"  # the archive's storage failed (full); send it again


class DicomRejected(Exception):
    """The object cannot be archived; ``reason`` is shown to the sender."""

    def __init__(
        self,
        reason: str,
        *,
        kind: RefusalKind = RefusalKind.INVALID,
        sop_class_uid: str = "",
        sop_instance_uid: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.sop_class_uid = sop_class_uid
        self.sop_instance_uid = sop_instance_uid
