import io

import pytest

from assist_web.dicomweb import multipart
from assist_web.dicomweb.accept import accepted_parts, parse_accept
from assist_web.dicomweb.errors import BadRequest
from assist_web.dicomweb.multipart import MultipartBody, boundary_from_content_type


def _read(body: bytes, boundary: str = "XyZ") -> list[tuple[dict[str, str], bytes]]:
    parsed = MultipartBody(io.BytesIO(body), boundary, max_bytes=10**6)
    try:
        return [(p.headers, parsed.read(p)) for p in parsed.parts]
    finally:
        parsed.close()


def test_parts_are_found_across_read_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reads of 7 bytes split every delimiter across two reads.
    monkeypatch.setattr(multipart, "READ_CHUNK", 7)
    body = b"--XyZ\r\nA: 1\r\n\r\nfirst\r\n--XyZ\r\n\r\nsec\r\nond\r\n--XyZ--\r\n"

    assert _read(body) == [({"a": "1"}, b"first"), ({}, b"sec\r\nond")]


def test_content_that_resembles_the_boundary_stays_in_the_part() -> None:
    body = b"--XyZ\r\n\r\nxx--XyZ and --XyZ\r\n--XyZ--"

    assert _read(body) == [({}, b"xx--XyZ and --XyZ")]


def test_empty_part_content() -> None:
    assert _read(b"--XyZ\r\nContent-Type: application/dicom\r\n\r\n\r\n--XyZ--") == [
        ({"content-type": "application/dicom"}, b"")
    ]


def test_boundary_from_content_type_checks_syntax() -> None:
    assert (
        boundary_from_content_type(
            'multipart/related; type="application/dicom"; boundary="a b:c"',
            part_type="application/dicom",
        )
        == "a b:c"
    )
    with pytest.raises(BadRequest, match="not valid"):
        boundary_from_content_type(
            'multipart/related; boundary="bad\x01"', part_type="application/dicom"
        )


def test_accept_is_parsed_leniently_and_by_preference() -> None:
    header = (
        'multipart/related; type="image/jpeg";q=0.2, '
        "multipart/related; type=application/octet-stream; transfer-syntax=*, "
        "garbage, image/png;q=0, */*;q=0.1"
    )

    assert [r.media_type for r in parse_accept(header)] == [
        "multipart/related",
        "multipart/related",
        "*/*",
    ]
    assert accepted_parts(header) == [
        ("application/octet-stream", "*"),
        ("image/jpeg", None),
        ("*/*", None),
    ]
    assert accepted_parts(None) == [("*/*", None)]
