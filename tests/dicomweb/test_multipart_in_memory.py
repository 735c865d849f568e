"""A STOW body with a Content-Length that fits in memory is read in one piece and its parts are
slices of it; it must find the same parts, and refuse the same bodies, as the spooled reading."""

import io

import pytest

from assist_web.dicomweb import multipart
from assist_web.dicomweb.errors import BadRequest, PayloadTooLarge
from assist_web.dicomweb.multipart import MultipartBody

BODIES = [
    b"--XyZ\r\nA: 1\r\n\r\nfirst\r\n--XyZ\r\n\r\nsec\r\nond\r\n--XyZ--\r\n",
    b"\r\n--XyZ\r\n\r\nafter a leading CRLF\r\n--XyZ--",
    b"--XyZ\r\n\r\nxx--XyZ and --XyZ\r\n--XyZ--",
    b"--XyZ\r\nContent-Type: application/dicom\r\n\r\n\r\n--XyZ--",
    b"preamble text\r\n--XyZ\r\n\r\nbody\r\n--XyZ--\r\nepilogue",
]
BROKEN = [
    b"no delimiter at all",
    b"--XyZ--\r\n",
    b"--XyZ\r\n\r\ncut short",
    b"--XyZ\r\n\r\nfirst\r\n--XyZ",
    b"--XyZ trailing text\r\n\r\nx\r\n--XyZ--",
    b"--XyZ\r\nno-colon-here\r\n\r\nx\r\n--XyZ--",
]


def _parts(body: bytes, *, length: int | None) -> list[tuple[dict[str, str], bytes]]:
    parsed = MultipartBody(io.BytesIO(body), "XyZ", max_bytes=10**6, length=length)
    try:
        return [(p.headers, parsed.read(p)) for p in parsed.parts]
    finally:
        parsed.close()


def _refusal(body: bytes, *, length: int | None) -> str:
    with pytest.raises(BadRequest) as refused:
        _parts(body, length=length)
    return str(refused.value.detail)


@pytest.mark.parametrize("body", BODIES)
def test_in_memory_reading_finds_the_parts_spooling_finds(body: bytes) -> None:
    in_memory = _parts(body, length=len(body))

    assert in_memory == _parts(body, length=None)
    assert in_memory


@pytest.mark.parametrize("body", BROKEN)
def test_in_memory_reading_refuses_what_spooling_refuses(body: bytes) -> None:
    assert _refusal(body, length=len(body)) == _refusal(body, length=None)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64])
@pytest.mark.parametrize("body", BODIES)
def test_parts_are_found_whatever_the_size_of_the_reads(
    monkeypatch: pytest.MonkeyPatch, body: bytes, chunk: int
) -> None:
    # Every way a delimiter can fall across two reads, the virtual CRLF in front included.
    monkeypatch.setattr(multipart, "READ_CHUNK", chunk)

    assert _parts(body, length=len(body)) == _parts(body, length=None)


def test_a_body_over_the_limit_is_refused_in_memory_too() -> None:
    body = BODIES[0]
    with pytest.raises(PayloadTooLarge):
        MultipartBody(io.BytesIO(body), "XyZ", max_bytes=len(body) - 1, length=len(body))


def test_a_declared_length_above_the_memory_limit_is_spooled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(multipart, "SPOOL_IN_MEMORY", 8)
    body = BODIES[0]
    parsed = MultipartBody(io.BytesIO(body), "XyZ", max_bytes=10**6, length=len(body))

    assert not parsed.in_memory
    assert [parsed.read(p) for p in parsed.parts] == [b"first", b"sec\r\nond"]
    parsed.close()
