"""Sending one stored DICOM file to a destination by C-STORE (PS3.4 Annex B), as an SCU.

What went wrong is told in words a physicist can act on; the DICOM codes stay alongside.
Logs carry UIDs and AE titles, never the dataset (settings keep pynetdicom at WARNING).
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.events import Event
from pynetdicom.pdu_primitives import A_ASSOCIATE
from pynetdicom.status import code_to_category

logger = logging.getLogger(__name__)

# A planning system may take a while to file a large SEG; an idle network minute means it is gone.
_TIMEOUT_S = 60
# A reachable host answers a TCP connect at once; waiting longer only delays the retry.
_CONNECT_TIMEOUT_S = 10
SUCCESS = 0x0000
_CHECK_AE_TITLES = "Check the called and calling AE titles of this destination."


class DestinationUnreachable(Exception):
    """No TCP connection could be made: the only failure worth trying again shortly."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Peer:
    name: str
    host: str
    port: int
    called_ae_title: str
    calling_ae_title: str


@dataclass(frozen=True)
class StoreOutcome:
    status: int | None  # the C-STORE response status; None when none came
    reason: str = ""  # empty on success

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS


@dataclass
class _Watch:
    """What the association told us beyond is_established: did TCP connect, why rejected."""

    connected: bool = False
    accepted: bool = False
    rejection: str = ""
    handlers: list[evt.EventHandlerType] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.handlers = [(evt.EVT_CONN_OPEN, self._opened), (evt.EVT_ACSE_RECV, self._acse)]

    def _opened(self, event: Event) -> None:
        self.connected = True

    def _acse(self, event: Event) -> None:
        primitive = event.primitive  # type: ignore[attr-defined]
        if isinstance(primitive, A_ASSOCIATE) and primitive.result == 0x00:
            self.accepted = True
        elif isinstance(primitive, A_ASSOCIATE) and primitive.result in (0x01, 0x02):
            self.rejection = (
                f"{primitive.reason_str} ({primitive.result_str}, {primitive.source_str})"
            )


def proposed_transfer_syntaxes(stored: str) -> list[str]:
    """The stored syntax first, then the uncompressed ones every storage SCP must accept."""
    return list(dict.fromkeys([stored, ExplicitVRLittleEndian, ImplicitVRLittleEndian]))


def cstore_send(*, path: Path, peer: Peer) -> StoreOutcome:
    """Send the file in one association; raise DestinationUnreachable if TCP fails."""
    dataset = dcmread(path)
    sop_class = UID(dataset.file_meta.MediaStorageSOPClassUID)
    stored_syntax = str(dataset.file_meta.TransferSyntaxUID)
    ae = AE(ae_title=peer.calling_ae_title)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = _TIMEOUT_S
    ae.connection_timeout = _CONNECT_TIMEOUT_S
    # One context per syntax, so the peer can accept any one of them on its own.
    for syntax in proposed_transfer_syntaxes(stored_syntax):
        ae.add_requested_context(sop_class, syntax)
    watch = _Watch()
    where = f"{peer.name} ({peer.called_ae_title} at {peer.host}:{peer.port})"
    assoc = ae.associate(
        peer.host, peer.port, ae_title=peer.called_ae_title, evt_handlers=watch.handlers
    )
    if not assoc.is_established:
        if not watch.connected:
            raise DestinationUnreachable(
                f"Could not connect to {where}: nothing answered. Is its DICOM service running "
                "and the host and port right?"
            )
        if watch.rejection:
            return StoreOutcome(
                None,
                f"{where} rejected the association: {watch.rejection}. {_CHECK_AE_TITLES}",
            )
        if not watch.accepted:
            # A peer that rejects and hangs up at once can lose its A-ASSOCIATE-RJ in the race
            # with the closed connection; to us both read as "not accepted".
            return StoreOutcome(
                None,
                f"{where} closed the connection without accepting the association. "
                f"{_CHECK_AE_TITLES}",
            )
        if not assoc.accepted_contexts:
            return StoreOutcome(None, _no_context(where, sop_class))
        return StoreOutcome(None, f"{where} aborted the association before anything was sent.")
    try:
        response = assoc.send_c_store(dataset)
    except ValueError:
        # pynetdicom found no accepted context in which this object can be encoded.
        assoc.abort()
        return StoreOutcome(None, _no_context(where, sop_class))
    if assoc.is_established:
        assoc.release()
    if "Status" not in response:
        return StoreOutcome(
            None,
            f"{where} gave no answer to the C-STORE (association aborted or timed out); "
            "the object may not have been stored.",
        )
    status = int(response.Status)
    if status == SUCCESS:
        logger.info("C-STORE %s to %s: success", dataset.SOPInstanceUID, peer.called_ae_title)
        return StoreOutcome(status)
    comment = str(response.get("ErrorComment", "")).strip()
    reason = f"{where} answered {code_to_category(status).lower()} status 0x{status:04X}"
    logger.warning("C-STORE %s to %s: 0x%04X", dataset.SOPInstanceUID, peer.called_ae_title, status)
    return StoreOutcome(status, f"{reason}: {comment}." if comment else f"{reason}.")


def _no_context(where: str, sop_class: UID) -> str:
    return (
        f"{where} accepts neither {sop_class.name} objects nor any transfer syntax they can be "
        "sent in."
    )
