"""The C-STORE SCP: scanners and PACS push objects here; each one goes through instance_ingest.

pynetdicom runs every association in a thread of its own, so each C-STORE handler touches the
database from that thread: stale connections are dropped around every store and the thread's
connection is closed when its association ends. Logs carry UIDs and AE titles, never the
dataset: pynetdicom's own DEBUG output would print patient names (settings keep it at WARNING).

The port faces the hospital network: every peer is held to a time limit, a PDU size and a
message size (scp_peers.py); what it sends wrong ends its association, never the listener.
"""

import logging
from dataclasses import dataclass
from enum import IntEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, close_old_connections, connections
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import AE, AllStoragePresentationContexts, evt
from pynetdicom.dsutils import encode_file_meta
from pynetdicom.events import Event
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from pynetdicom.transport import ThreadedAssociationServer

from assist_web.archive.ingest import IngestResult, Outcome, instance_ingest
from assist_web.archive.refusals import RefusalKind
from assist_web.archive.scp_peers import PEER_HANDLERS, peer_logging_quiet, peers_bound

logger = logging.getLogger(__name__)

# Uncompressed first (every sender can do them), then what scanners and PACS store in.
TRANSFER_SYNTAXES = [
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    JPEG2000Lossless,
    JPEG2000,
    RLELossless,
]
# ErrorComment is an LO: 64 characters at most (PS3.5 6.2); the full reason goes to the log.
_ERROR_COMMENT_MAX = 64


class StoreStatus(IntEnum):
    """C-STORE response statuses (PS3.4 B.2.3) this SCP sends."""

    SUCCESS = 0x0000
    # Transient: the sender should try again later (database or disk unavailable).
    OUT_OF_RESOURCES = 0xA700
    DATASET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    CANNOT_UNDERSTAND = 0xC000


@dataclass(frozen=True)
class ListenerConfig:
    ae_title: str
    bind: str
    port: int
    # Calling AE titles allowed to associate; empty means any.
    allowed_aes: tuple[str, ...] = ()
    # Seconds a peer may stay silent, or take to send one PDU, before it is disconnected.
    timeout_s: float = 30.0

    @classmethod
    def from_settings(
        cls, *, port: int | None = None, ae_title: str | None = None
    ) -> "ListenerConfig":
        """The listener's settings; ImproperlyConfigured when, outside DEBUG, nobody said who
        may send (anyone on the network could otherwise store objects in the archive)."""
        allowed = list(settings.ASSIST_DICOM_ALLOWED_AES)
        if not allowed and not settings.DEBUG:
            raise ImproperlyConfigured(
                "Set ASSIST_DICOM_ALLOWED_AES to the AE titles of the scanners and PACS that may "
                "send to this site (comma separated), or to * to accept any caller."
            )
        return cls(
            ae_title=ae_title or settings.ASSIST_AE_TITLE,
            bind=settings.ASSIST_DICOM_BIND,
            port=settings.ASSIST_DICOM_PORT if port is None else port,
            allowed_aes=() if "*" in allowed else tuple(allowed),
            timeout_s=float(settings.ASSIST_DICOM_TIMEOUT_SECONDS),
        )


def listener_ae(*, config: ListenerConfig) -> AE:
    ae = AE(ae_title=config.ae_title)
    for context in AllStoragePresentationContexts:
        if context.abstract_syntax:
            ae.add_supported_context(context.abstract_syntax, TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    if config.allowed_aes:
        ae.require_calling_aet = list(config.allowed_aes)
    peers_bound(ae, timeout_s=config.timeout_s)
    return ae


def listener_start(*, config: ListenerConfig, block: bool) -> ThreadedAssociationServer | None:
    """Serve C-ECHO and C-STORE; with ``block=False`` return the running server to shut down."""
    peer_logging_quiet()
    ae = listener_ae(config=config)
    handlers: list[evt.EventHandlerType] = [
        *PEER_HANDLERS,
        (evt.EVT_C_STORE, store_handle),
        (evt.EVT_C_ECHO, _echo_handle),
        (evt.EVT_RELEASED, _connections_close),
        (evt.EVT_ABORTED, _connections_close),
    ]
    logger.info(
        "DICOM listener %s on %s:%s (allowed callers: %s)",
        config.ae_title,
        config.bind,
        config.port,
        ", ".join(config.allowed_aes) or "any",
    )
    return ae.start_server((config.bind, config.port), block=block, evt_handlers=handlers)


def store_handle(event: Event) -> Dataset:
    request = event.request
    sop_uid = str(request.AffectedSOPInstanceUID)  # type: ignore[union-attr]
    calling = event.assoc.requestor.ae_title
    close_old_connections()
    try:
        mismatch = _command_mismatch(event)
        if mismatch:
            return _status(StoreStatus.DATASET_DOES_NOT_MATCH_SOP_CLASS, mismatch, sop_uid, calling)
        result = instance_ingest(data=_part10(event))
    except (DatabaseError, OSError):
        logger.exception("C-STORE %s from %s: archive unavailable", sop_uid, calling)
        return _status(
            StoreStatus.OUT_OF_RESOURCES,
            "Archive temporarily unavailable; retry.",
            sop_uid,
            calling,
        )
    finally:
        close_old_connections()
    return _result_status(result, sop_uid, calling)


def _command_mismatch(event: Event) -> str:
    """Why the dataset disagrees with the C-STORE command, or '' when it agrees."""
    request = event.request
    try:
        ds = event.dataset
        sop_class, sop_uid = str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", ""))
    except Exception:  # any decode failure: the data is malformed, not our state
        return ""  # instance_ingest parses the file again and gives the precise reason
    if sop_class and sop_class != str(request.AffectedSOPClassUID):
        return "SOP Class UID in the dataset differs from the C-STORE command."
    if sop_uid and sop_uid != str(request.AffectedSOPInstanceUID):  # type: ignore[union-attr]
        return "SOP Instance UID in the dataset differs from the C-STORE command."
    return ""


def _part10(event: Event) -> bytes:
    """The received dataset as a DICOM file, its bytes untouched, with who sent it."""
    meta = event.file_meta
    meta.SourceApplicationEntityTitle = event.assoc.requestor.ae_title
    return b"".join(
        (b"\x00" * 128, b"DICM", encode_file_meta(meta), event.encoded_dataset(include_meta=False))
    )


def _result_status(result: IngestResult, sop_uid: str, calling: str) -> Dataset:
    if result.refusal == RefusalKind.OUT_OF_RESOURCES:
        return _status(StoreStatus.OUT_OF_RESOURCES, result.reason, sop_uid, calling)
    if result.outcome == Outcome.REFUSED:
        return _status(StoreStatus.CANNOT_UNDERSTAND, result.reason, sop_uid, calling)
    logger.info("C-STORE %s from %s: %s", sop_uid, calling, result.outcome)
    return _status(StoreStatus.SUCCESS, "", sop_uid, calling)


def _status(code: StoreStatus, reason: str, sop_uid: str, calling: str) -> Dataset:
    status = Dataset()
    status.Status = int(code)
    if reason:
        logger.warning("C-STORE %s from %s refused (0x%04X): %s", sop_uid, calling, code, reason)
        status.ErrorComment = reason[:_ERROR_COMMENT_MAX]
    return status


def _echo_handle(event: Event) -> int:
    return int(StoreStatus.SUCCESS)


def _connections_close(event: Event) -> None:
    # Runs in the association's thread, which is about to end: its connection would linger.
    connections.close_all()
