"""Seeded garbage a misbehaving PACS might send in answer to a DICOMweb request: statuses,
media types, bodies that are not JSON, JSON that is not DICOM JSON, and DICOM JSON whose tags,
VRs and values are wrong in the ways pydicom and the archive have to survive."""

import base64
import json
import random

from tests.archive.fake_pacs import Answer

_TAGS = [
    "0020000D",  # StudyInstanceUID
    "0020000E",  # SeriesInstanceUID
    "00080018",  # SOPInstanceUID
    "00100010",  # PatientName
    "00100020",  # PatientID
    "00080020",  # StudyDate
    "00080061",  # ModalitiesInStudy
    "00201206",  # NumberOfStudyRelatedSeries
    "00201208",  # NumberOfStudyRelatedInstances
    "7FE00010",  # PixelData
]
_VRS = ["UI", "PN", "LO", "DA", "CS", "IS", "DS", "SQ", "OB", "OW", "US", "FD", "AT", "UN"]
_STATUSES = [200, 200, 200, 204, 301, 400, 404, 406, 429, 500, 502, 503]
_MEDIA = ["application/dicom+json", "application/json", "text/html", "multipart/related", ""]


def hostile_answer(rng: random.Random) -> Answer:
    status = rng.choice(_STATUSES)
    headers = {"Content-Type": rng.choice(_MEDIA)} if rng.random() < 0.9 else {}
    kind = rng.randrange(6)
    if kind == 0:
        body = rng.randbytes(rng.randrange(0, 400))
    elif kind == 1:
        body = json.dumps(_value(rng, 4)).encode()
    elif kind == 2:
        text = json.dumps([_item(rng) for _ in range(rng.randrange(1, 5))])
        body = text[: rng.randrange(len(text))].encode()  # cut short
    elif kind == 3:
        depth = rng.choice([100, 5_000, 200_000])
        body = b"[" * depth + b"]" * depth
    else:
        body = json.dumps([_item(rng) for _ in range(rng.randrange(0, 6))]).encode()
    return status, headers, body


def _item(rng: random.Random) -> object:
    if rng.random() < 0.05:
        return _value(rng, 2)
    return {_tag(rng): _element(rng) for _ in range(rng.randrange(0, 7))}


def _tag(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return rng.choice(_TAGS)
    if roll < 0.9:
        return f"{rng.getrandbits(32):08X}"
    return rng.choice(["", "zz", "0020000D0", "(0020,000D)", "StudyInstanceUID"])


def _element(rng: random.Random) -> object:
    if rng.random() < 0.05:
        return _value(rng, 2)
    element: dict[str, object] = {}
    if rng.random() < 0.95:
        element["vr"] = rng.choice(_VRS) if rng.random() < 0.9 else rng.choice(["XX", "", "ui", 7])
    roll = rng.random()
    if roll < 0.7:
        element["Value"] = [_scalar(rng) for _ in range(rng.randrange(0, 4))]
    elif roll < 0.8:
        element["Value"] = _scalar(rng)  # not a list
    elif roll < 0.9:
        element["InlineBinary"] = rng.choice(
            [base64.b64encode(rng.randbytes(12)).decode(), "not base64!", 12]
        )
    else:
        element["BulkDataURI"] = rng.choice(["http://127.0.0.1:1/x", "", None])
    return element


def _scalar(rng: random.Random) -> object:
    return rng.choice(
        [
            "1.2.826.0.1.3680043.8.498.7001",
            "1.2..3",
            "0" * 70,
            "Doe^Jane",
            "abc",
            "NaN",
            "-1",
            "1e999",
            "20241301",
            "\x00",
            "é" * 3,
            10**30,
            -(10**30),
            1e308,
            3.5,
            True,
            None,
            {"Alphabetic": rng.choice(["Doe^Jane", 5, None, ["x"]])},
            {"00100010": {"vr": "PN"}},
            [],
        ]
    )


def _value(rng: random.Random, depth: int) -> object:
    if depth == 0 or rng.random() < 0.3:
        return _scalar(rng)
    if rng.random() < 0.5:
        return [_value(rng, depth - 1) for _ in range(rng.randrange(0, 4))]
    return {str(_scalar(rng)): _value(rng, depth - 1) for _ in range(rng.randrange(0, 4))}
