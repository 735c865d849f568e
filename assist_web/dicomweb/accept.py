"""Lenient parsing of HTTP Accept headers (RFC 9110 12.5.1) for DICOM media types."""

from dataclasses import dataclass, field

ANY = "*/*"


@dataclass(frozen=True)
class MediaRange:
    media_type: str  # lower case, e.g. "multipart/related", "image/png", "*/*"
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    def matches(self, concrete: str) -> bool:
        """Whether this range admits the concrete media type ``concrete``."""
        return media_type_matches(self.media_type, concrete)


def media_type_matches(pattern: str, concrete: str) -> bool:
    if pattern in (ANY, "*"):
        return True
    main, _, sub = pattern.partition("/")
    c_main, _, c_sub = concrete.partition("/")
    return main == c_main and sub in ("*", c_sub)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_media_type(text: str) -> tuple[str, dict[str, str]]:
    """``'multipart/related; type="a/b"'`` -> ``("multipart/related", {"type": "a/b"})``."""
    pieces = _split_outside_quotes(text, ";")
    media_type = pieces[0].strip().lower()
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        name, sep, value = piece.partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"').strip()
    return media_type, params


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges by preference; a missing or empty header means ``*/*``.

    Malformed pieces are skipped rather than refused: clients in the wild send odd headers and
    a best-effort answer serves them better than a 400.
    """
    if not header or not header.strip():
        return [MediaRange(ANY)]
    ranges: list[MediaRange] = []
    for piece in _split_outside_quotes(header, ","):
        if not piece.strip():
            continue
        media_type, params = parse_media_type(piece)
        if media_type == "*":
            media_type = ANY
        if "/" not in media_type:
            continue
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 1.0
        if q > 0:
            ranges.append(MediaRange(media_type, params, q))
    # sorted() is stable: equal q keeps the client's order.
    return sorted(ranges, key=lambda r: -r.q)


def accepted_parts(header: str | None) -> list[tuple[str, str | None]]:
    """The part types a client takes, as (media type, transfer-syntax or None), best first.

    ``multipart/related; type=X`` contributes X; a bare single-part type (``image/png``,
    ``application/octet-stream``, ``*/*``) is read as the type of the parts, because many
    clients ask that way for resources that are always multipart.
    """
    parts: list[tuple[str, str | None]] = []
    for media_range in parse_accept(header):
        syntax = media_range.params.get("transfer-syntax")
        if media_range.media_type in ("multipart/related", "multipart/*"):
            part_type = media_range.params.get("type", "*/*").lower() or ANY
            parts.append((part_type, syntax))
        else:
            parts.append((media_range.media_type, syntax))
    return parts
