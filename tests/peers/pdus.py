"""DICOM upper-layer PDUs (PS3.8 9.3) and DIMSE messages built by hand, so that they can be
built wrong: what a port scanner, a security scanner or a broken device sends to the listener."""

import contextlib
import random
import ssl
import struct

from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pynetdicom.dsutils import encode

from tests.dicom_files import mr_slice

AE_TITLE = "HOSTILE_TEST"
PATIENT_NAME, PATIENT_ID = "Hostile^Patient", "HOSTILE-7731"
MR = b"1.2.840.10008.5.1.4.1.1.4"
MR_UID = "1.2.826.0.1.3680043.8.498.4242"


def item(kind: int, value: bytes, length: int | None = None) -> bytes:
    return struct.pack(">BBH", kind, 0, len(value) if length is None else length) + value


def pdu(kind: int, body: bytes, length: int | None = None) -> bytes:
    return struct.pack(">BBL", kind, 0, len(body) if length is None else length) + body


def context(context_id: int = 1, abstract: bytes = MR) -> bytes:
    syntaxes = item(0x40, b"1.2.840.10008.1.2.1") + item(0x40, b"1.2.840.10008.1.2")
    return item(0x20, bytes([context_id, 0, 0, 0]) + item(0x30, abstract) + syntaxes)


def user_info(max_pdu: int = 16384, implementation: bytes = b"1.2.3.4") -> bytes:
    return item(0x50, item(0x51, struct.pack(">L", max_pdu)) + item(0x52, implementation))


APP_CONTEXT_UID = b"1.2.840.10008.3.1.1.1"
APP_CONTEXT = item(0x10, APP_CONTEXT_UID)
CONTEXTS = context(1) + context(3, b"1.2.840.10008.1.1")  # MR storage, verification
GOOD_ITEMS = APP_CONTEXT + CONTEXTS + user_info()


def associate_rq(
    items: bytes = GOOD_ITEMS, length: int | None = None, called: bytes = AE_TITLE.encode()
) -> bytes:
    header = struct.pack(">HH", 1, 0) + called.ljust(16) + b"FUZZER".ljust(16) + b"\0" * 32
    return pdu(0x01, header + items, length)


def p_data(
    context_id: int, data: bytes, *, command: bool, last: bool, pdv_length: int = -1
) -> bytes:
    length = len(data) + 2 if pdv_length < 0 else pdv_length
    pdv = struct.pack(">LBB", length, context_id, int(command) | (2 if last else 0)) + data
    return pdu(0x04, pdv)


RELEASE_RQ, ABORT = pdu(0x05, b"\0" * 4), pdu(0x07, b"\0" * 4)


def store_command(sop_uid: str, command_field: int = 0x0001) -> bytes:
    command = Dataset()
    command.AffectedSOPClassUID = MR.decode()
    command.CommandField = command_field
    command.MessageID = 1
    command.Priority = 0
    command.CommandDataSetType = 0x0000
    command.AffectedSOPInstanceUID = sop_uid
    body = encode(command, True, True)
    assert body is not None
    group = Dataset()
    group.CommandGroupLength = len(body)
    head = encode(group, True, True)
    assert head is not None
    return head + body


def store_dataset(sop_uid: str) -> bytes:
    ds = mr_slice(sop_uid=sop_uid, patient_name=PATIENT_NAME, patient_id=PATIENT_ID, rows=64)
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_dataset(buffer, ds)
    return buffer.getvalue()


def fragments(data: bytes, *, last: bool) -> list[bytes]:
    size = 16000  # within the listener's maximum PDU length
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return [
        p_data(1, chunk, command=False, last=last and n == len(chunks) - 1)
        for n, chunk in enumerate(chunks)
    ]


def tls_client_hello() -> bytes:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    outgoing = ssl.MemoryBIO()
    tls = context.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname="pacs")
    with contextlib.suppress(ssl.SSLWantReadError):  # its hello written, it awaits the server's
        tls.do_handshake()
    return outgoing.read()


def before_association(rng: random.Random) -> dict[str, bytes]:
    rq = associate_rq()
    return {
        "random bytes": rng.randbytes(4096),
        "random bytes after a PDU type of 1": b"\x01" + rng.randbytes(2000),
        "HTTP request": b"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n",
        "TLS ClientHello": tls_client_hello(),
        "nothing, left open": b"",
        "half an A-ASSOCIATE-RQ": rq[: len(rq) // 2],
        "A-ASSOCIATE-RQ longer than sent": associate_rq(length=len(rq) - 6 + 100),
        "A-ASSOCIATE-RQ shorter than its items": associate_rq(length=40),
        "A-ASSOCIATE-RQ of length 0": associate_rq(length=0),
        "A-ASSOCIATE-RQ declaring 4 GB": associate_rq(length=0xFFFFFFF0)[:200],
        "item longer than the PDU": associate_rq(
            item(0x10, APP_CONTEXT_UID, 500) + CONTEXTS + user_info()
        ),
        "item shorter than its value": associate_rq(item(0x10, APP_CONTEXT_UID, 3) + CONTEXTS),
        "unknown item type": associate_rq(
            APP_CONTEXT + item(0x77, b"zzzz") + CONTEXTS + user_info()
        ),
        "no presentation context": associate_rq(APP_CONTEXT + user_info()),
        "no items at all": associate_rq(b""),
        "even presentation context ID": associate_rq(APP_CONTEXT + context(2) + user_info()),
        "over-long called AE title": associate_rq(called=b"A" * 200),
        "over-long implementation UID": associate_rq(
            APP_CONTEXT + context(1) + user_info(implementation=b"1.2" * 400)
        ),
        "P-DATA-TF first": p_data(1, b"\0" * 20, command=True, last=True),
        "A-RELEASE-RQ first": RELEASE_RQ,
        "A-ABORT first": ABORT,
        "A-ASSOCIATE-AC from the caller": pdu(0x02, rq[6:]),
        "unknown PDU type": pdu(0x09, b"hello"),
        "PDU type 0": pdu(0x00, b"\0" * 10),
    }


def after_association(rng: random.Random) -> dict[str, list[bytes]]:
    uid = "1.2.826.0.1.3680043.8.498.9000."
    dataset = store_dataset(uid + "1")
    command = p_data(1, store_command(uid + "1"), command=True, last=True)
    half = fragments(dataset[: len(dataset) // 2], last=False)
    return {
        "P-DATA on an unnegotiated context": [
            p_data(5, store_command(uid + "2"), command=True, last=True),
            p_data(5, dataset, command=False, last=True),
        ],
        "P-DATA on an even context": [p_data(2, store_command(uid + "3"), command=True, last=True)],
        "PDV longer than its PDU": [
            p_data(1, store_command(uid + "4"), command=True, last=True, pdv_length=5000)
        ],
        "PDV of length 0": [p_data(1, b"", command=True, last=True, pdv_length=0)],
        "P-DATA declaring 4 GB": [pdu(0x04, command[6:], length=0xFFFFFFF0)],
        "garbage command set": [p_data(1, rng.randbytes(300), command=True, last=True)],
        "command set of zeros": [p_data(1, b"\0" * 300, command=True, last=True)],
        "unknown command field": [
            p_data(1, store_command(uid + "5", 0x0077), command=True, last=True)
        ],
        "command without its last fragment": [
            p_data(1, store_command(uid + "6"), command=True, last=False)
        ]
        * 50,
        "dataset without a command": fragments(dataset, last=True),
        "garbage dataset": [command, p_data(1, rng.randbytes(3000), command=False, last=True)],
        "truncated dataset": [command, *fragments(dataset[: len(dataset) // 2], last=True)],
        "dataset without its last fragment": [command, *fragments(dataset * 5, last=False)],
        "A-ABORT mid-dataset": [command, *half, ABORT],
        "A-RELEASE-RQ mid-dataset": [command, *half, RELEASE_RQ],
        "second A-ASSOCIATE-RQ": [associate_rq()],
        "unknown PDU type": [pdu(0x0A, b"xyz")],
    }
