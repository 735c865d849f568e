"""multipart/related (RFC 2387) bodies: written as a stream for WADO-RS, read for STOW-RS.

Reading is two-pass so that a malformed body is refused before anything is stored: the body
is read whole while its delimiters are found, then each part is read back on its own. A body
whose declared length fits SPOOL_IN_MEMORY is read in one piece and its parts are slices of
it (copying a study's bytes costs as much as parsing them); any other body is copied once into
a spooled temporary file, so memory holds one part at a time.
"""

import bisect
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from assist_web.dicomweb.accept import parse_media_type
from assist_web.dicomweb.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

# gunicorn reads a body of known length from the socket up to 1 MiB at a time into a buffer,
# and each smaller read the application makes copies what is left of that buffer again: read
# 64 KiB at a time, a STOW request's 1.3 MB body cost gunicorn 27 twice the CPU it costs read
# 1 MiB at a time (and ten times, once the whole body has arrived; gunicorn 23, a third more).
READ_CHUNK = 1024 * 1024
# Bodies up to this size stay in memory; larger ones spill to FILE_UPLOAD_TEMP_DIR.
SPOOL_IN_MEMORY = 16 * 1024 * 1024
# A part's header block is a few lines; more than this is not a DICOMweb client talking.
MAX_PART_HEADER = 16 * 1024
# RFC 2046 5.1.1: 1-70 characters from bchars, not ending in a space.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")


def new_boundary() -> str:
    return secrets.token_hex(16)


def multipart_content_type(part_type: str, boundary: str) -> str:
    return f'multipart/related; type="{part_type}"; boundary={boundary}'


def multipart_stream(
    parts: Iterable[tuple[str, Iterable[bytes]]], boundary: str
) -> Iterator[bytes]:
    """Yield a multipart body from (part Content-Type, chunks of the part's bytes)."""
    for content_type, chunks in parts:
        yield f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        yield from chunks
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # lower-case names
    start: int  # offset of the content in the spooled body
    end: int

    @property
    def content_type(self) -> str:
        return parse_media_type(self.headers.get("content-type", ""))[0]


def boundary_from_content_type(content_type: str, *, part_type: str) -> str:
    """The boundary of a ``multipart/related; type=part_type`` body, or a refusal."""
    media_type, params = parse_media_type(content_type or "")
    if media_type != "multipart/related":
        raise UnsupportedMediaType(
            f"Send multipart/related; type=\"{part_type}\" (got '{media_type or 'nothing'}')."
        )
    declared = params.get("type", part_type).lower()
    if declared != part_type:
        raise UnsupportedMediaType(
            f'This server stores parts of type {part_type} only (got type="{declared}").'
        )
    boundary = params.get("boundary", "")
    if not boundary:
        raise BadRequest("The Content-Type has no boundary parameter.")
    if not _BOUNDARY.match(boundary):
        raise BadRequest("The multipart boundary is not valid (RFC 2046: 1-70 plain characters).")
    return boundary


class MultipartBody:
    """A received body read once, with its parts located."""

    def __init__(
        self, stream: Readable, boundary: str, *, max_bytes: int, length: int | None = None
    ) -> None:
        """``length``: the declared Content-Length, when the request has one."""
        delimiter = b"\r\n--" + boundary.encode("latin-1")
        # In memory: the chunks as read, and where each starts in the body.
        self._chunks: list[bytes] = []
        self._starts: list[int] = []
        self._file: tempfile.SpooledTemporaryFile[bytes] | None = None
        if length is not None and length <= SPOOL_IN_MEMORY:
            positions, self.size = self._keep(stream, delimiter, max_bytes, length)
        else:
            self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in close()
                max_size=SPOOL_IN_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR
            )
            positions, self.size = self._spool(stream, delimiter, max_bytes)
        self.parts = self._locate(positions, len(delimiter))

    @property
    def in_memory(self) -> bool:
        return self._file is None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._chunks, self._starts = [], []

    def read(self, part: Part) -> bytes:
        return self._peek(part.start, part.end - part.start)

    def _keep(
        self, stream: Readable, delimiter: bytes, max_bytes: int, length: int
    ) -> tuple[list[int], int]:
        # As in _spool, a virtual CRLF in front finds a delimiter that opens the body, and a
        # delimiter split between two reads is found in the joint.
        tail, offset, positions = b"\r\n", 0, []
        while offset < length and (chunk := stream.read(min(length - offset, READ_CHUNK))):
            if offset + len(chunk) > max_bytes:
                raise PayloadTooLarge(f"The body is larger than {max_bytes} bytes.")
            keep = len(delimiter) - 1
            found = (tail + chunk[:keep]).find(delimiter)  # one that starts in the tail
            start = 0
            if found >= 0:
                positions.append(offset - len(tail) + found)
                start = found - len(tail) + len(delimiter)
            found = chunk.find(delimiter, start)
            while found >= 0:
                positions.append(offset + found)
                found = chunk.find(delimiter, found + len(delimiter))
            self._chunks.append(chunk)
            self._starts.append(offset)
            offset += len(chunk)
            tail = chunk[-keep:] if len(chunk) >= keep else (tail + chunk)[-keep:]
        return positions, offset

    def _spool(self, stream: Readable, delimiter: bytes, max_bytes: int) -> tuple[list[int], int]:
        # The body may open with the boundary and no CRLF before it; a virtual CRLF in front
        # lets one search find every delimiter, the first included.
        assert self._file is not None
        tail, offset, positions = b"\r\n", 0, []
        while chunk := stream.read(READ_CHUNK):
            offset += len(chunk)
            if offset > max_bytes:
                raise PayloadTooLarge(f"The body is larger than {max_bytes} bytes.")
            self._file.write(chunk)
            window = tail + chunk
            base = offset - len(window)
            found = window.find(delimiter)
            while found >= 0:
                positions.append(base + found)
                found = window.find(delimiter, found + len(delimiter))
            # Keep fewer bytes than a delimiter: a delimiter split across reads is found once.
            tail = window[-(len(delimiter) - 1) :]
        return positions, offset

    def _peek(self, at: int, size: int) -> bytes:
        at = max(at, 0)
        if self._file is None:
            return self._slice(at, size)
        self._file.seek(at)
        return self._file.read(size)

    def _slice(self, at: int, size: int) -> bytes:
        pieces: list[memoryview] = []
        index = max(bisect.bisect_right(self._starts, at) - 1, 0)
        while size > 0 and index < len(self._chunks):
            offset = at - self._starts[index]
            piece = memoryview(self._chunks[index])[offset : offset + size]
            pieces.append(piece)
            at, size, index = at + len(piece), size - len(piece), index + 1
        return b"".join(pieces)

    def _locate(self, positions: list[int], delimiter_size: int) -> list[Part]:
        if not positions:
            raise BadRequest("The body holds no part delimited by the declared boundary.")
        parts: list[Part] = []
        for index, position in enumerate(positions):
            after = position + delimiter_size
            line = self._peek(after, 256)
            if line.startswith(b"--"):
                if not parts:
                    raise BadRequest("The multipart body holds no parts.")
                return parts
            if index + 1 == len(positions):
                break
            end_of_line = line.find(b"\r\n")
            if end_of_line < 0 or line[:end_of_line].strip(b" \t"):
                raise BadRequest("A multipart boundary line is followed by unexpected text.")
            parts.append(self._part(after + end_of_line + 2, positions[index + 1]))
        raise BadRequest(
            "The multipart body is incomplete: the closing boundary is missing (was the upload "
            "cut short?)."
        )

    def _part(self, start: int, end: int) -> Part:
        head = self._peek(start, min(MAX_PART_HEADER, end - start))
        if head.startswith(b"\r\n"):
            return Part(headers={}, start=start + 2, end=end)
        split = head.find(b"\r\n\r\n")
        if split < 0:
            raise BadRequest("A part's headers are not ended by an empty line (CRLF CRLF).")
        headers: dict[str, str] = {}
        for line in head[:split].decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if not colon:
                raise BadRequest(f"A part has a malformed header line: '{line[:80]}'.")
            headers[name.strip().lower()] = value.strip()
        return Part(headers=headers, start=start + split + 4, end=end)
