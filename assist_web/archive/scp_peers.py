"""Holding each network peer of the DICOM listener to limits.

The port faces the hospital network: port and security scanners, broken devices. Every peer is
held to a time limit, a PDU size and a message size; what it sends wrong ends its association
in one log line, never the listener. These reach into pynetdicom 3.0's internals (its socket
class, state machine and DIMSE message), hence the pin in pyproject.toml.
"""

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from io import BytesIO
from typing import Any, cast

from django.conf import settings
from pynetdicom import AE, _config, evt
from pynetdicom.dul import DULServiceProvider
from pynetdicom.events import Event
from pynetdicom.transport import AssociationSocket

logger = logging.getLogger(__name__)

# A site's scanners and PACS hold a handful of associations at once; the rest is room for port
# scanners and half-open connections, each holding a slot until the timeout drops it. With
# pynetdicom's default of 10, ten idle connections refused every scanner (local limit exceeded).
# Not more: pynetdicom polls each association, about 3% of a core apiece while it is held.
MAX_ASSOCIATIONS = 40
# The longest PDU read. Peers send P-DATA within our maximum_pdu_size (pynetdicom's 16 KiB) and
# storescu's A-ASSOCIATE-RQ proposing every storage class is 11 KiB; without a limit pynetdicom
# buffers whatever length a PDU header declares, up to 4 GiB.
MAX_PDU_BYTES = 1024**2
# pynetdicom modules that parse what a peer sends: they log a traceback per malformed PDU.
_PEER_PARSING_LOGGERS = ("pynetdicom.dul", "pynetdicom.fsm", "pynetdicom.dimse", "pynetdicom.utils")


def peers_bound(ae: AE, *, timeout_s: float) -> None:
    ae.maximum_associations = MAX_ASSOCIATIONS
    # One limit on a silent peer: before its A-ASSOCIATE-RQ (ARTIM), between its PDUs, and within
    # one (_BoundedSocket). pynetdicom's 30 s and 60 s apply only to the first two.
    ae.acse_timeout = ae.network_timeout = timeout_s


def peer_logging_quiet() -> None:
    """pynetdicom's standard handlers only write DEBUG lines, which settings drop (they carry
    patient data), and raise on some malformed PDUs; the servers made from here on go without
    them. Its parsers' tracebacks about a peer's malformed PDUs are dropped, their message kept."""
    _config.LOG_HANDLER_LEVEL = "none"
    for name in _PEER_PARSING_LOGGERS:
        logging.getLogger(name).addFilter(_peer_traceback_dropped)


class _BoundedSocket(AssociationSocket):
    """pynetdicom's socket, reading each PDU within MAX_PDU_BYTES and the association's timeout.

    pynetdicom reads a PDU as recv(6) for its header, then recv(length declared): it would buffer
    any declared length, and wait for the rest with no time limit, so a peer that stopped mid-PDU
    held its association slot (and kept the process from exiting on SIGTERM) for good. A short read
    is how pynetdicom learns that the peer has gone: it ends the association.
    """

    def recv(self, nr_bytes: int) -> bytearray:
        sock = cast(socket.socket, self.socket)
        peer = self.assoc.requestor.address
        if nr_bytes > MAX_PDU_BYTES:
            logger.warning("DICOM peer %s declared a %d-byte PDU; disconnecting", peer, nr_bytes)
            return bytearray()
        timeout = self.assoc.network_timeout
        deadline = time.monotonic() + (timeout or 0)
        data = bytearray()
        try:
            while len(data) < nr_bytes:
                sock.settimeout(max(deadline - time.monotonic(), 0.001) if timeout else None)
                chunk = sock.recv(min(nr_bytes - len(data), 65536))
                if not chunk:
                    break
                data += chunk
        except TimeoutError:
            logger.warning("DICOM peer %s stopped within a PDU; disconnecting", peer)
        except OSError:
            pass  # reset by the peer: the short read tells pynetdicom it is gone
        finally:
            with contextlib.suppress(OSError):  # closed meanwhile by the association's thread
                sock.settimeout(timeout)
        return data


def _socket_bound(event: Event) -> None:
    # pynetdicom makes the socket itself; EVT_CONN_OPEN comes before the association reads a byte.
    # The timeout also bounds sends, to a peer that stops reading.
    sock = cast(AssociationSocket, event.assoc.dul.socket)
    sock.__class__ = _BoundedSocket
    cast(socket.socket, sock.socket).settimeout(event.assoc.network_timeout)


def _request_wait_end(event: Event) -> None:
    """End the association at once when the peer left before sending its A-ASSOCIATE-RQ.

    pynetdicom's acceptor otherwise waits out acse_timeout for a request that cannot come, holding
    an association slot: twelve connect-and-close probes refused every scanner for 30 s. Sta2 is
    the wait for the request; an empty primitive is what that wait returns on its timeout.
    """
    dul = event.assoc.dul
    if dul.state_machine.current_state == "Sta2":
        dul.to_user_queue.put(cast(Any, None))  # the empty primitive of the timeout


def _message_bound(event: Event) -> None:
    """Abort an association whose DIMSE message outgrows ASSIST_MAX_UPLOAD_BYTES.

    pynetdicom keeps a message's fragments in memory until one carries the last-fragment bit, and
    restarts its idle timer on every PDU: a peer that never sets the bit grew the listener without
    end (600 MB sent, 600 MB held). A C-STORE response can only follow the whole request, so a
    refusal is an abort.
    """
    message = event.assoc.dimse.message
    if message is None or event.assoc.is_aborted:
        return
    held = message.encoded_command_set.tell() + cast(BytesIO, message.data_set).tell()
    if held > settings.ASSIST_MAX_UPLOAD_BYTES:
        logger.warning(
            "DICOM peer %s sent a message of over %d bytes; aborting",
            event.assoc.requestor.address,
            settings.ASSIST_MAX_UPLOAD_BYTES,
        )
        event.assoc.abort()


class _PeerTracebackDropped(logging.Filter):
    """Keep pynetdicom's one-line message about a malformed PDU, drop its traceback: the fault is
    the peer's, and a port scan would otherwise leave dozens of tracebacks in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


_peer_traceback_dropped = _PeerTracebackDropped()


def reactor_crash_hook(
    previous: Callable[[threading.ExceptHookArgs], object],
) -> Callable[[threading.ExceptHookArgs], None]:
    """A threading.excepthook that logs one line when pynetdicom's reader thread dies.

    Some malformed PDUs (a garbage command set, an even presentation context ID) make pynetdicom's
    state machine raise out of the thread that reads the peer; the association then ends, and the
    default hook would print a traceback to the listener's log. Other threads go to ``previous``.
    """

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.thread, DULServiceProvider):
            logger.warning(
                "DICOM association ended on a malformed message (%s)", args.exc_type.__name__
            )
            return
        previous(args)

    return hook


PEER_HANDLERS: list[evt.EventHandlerType] = [
    (evt.EVT_CONN_OPEN, _socket_bound),
    (evt.EVT_CONN_CLOSE, _request_wait_end),
    (evt.EVT_PDU_RECV, _message_bound),
]
