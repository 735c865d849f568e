"""Splitting a WADO-RS multipart/related answer into the files it carries."""


def multipart_parts(body: bytes, content_type: str) -> list[bytes]:
    """The bodies of a multipart/related message (RFC 2046), byte for byte."""
    media_type, *params = (p.strip() for p in content_type.split(";"))
    if media_type.lower() != "multipart/related":
        # Some servers send a lone instance unwrapped.
        return [body] if media_type.lower() == "application/dicom" else []
    boundary = next(
        (v.strip('"') for k, _, v in (p.partition("=") for p in params) if k.lower() == "boundary"),
        "",
    )
    if not boundary:
        return []
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        header_end = chunk.find(b"\r\n\r\n")
        if header_end < 0:
            continue
        content = chunk[header_end + 4 :]
        # The CRLF before the next delimiter belongs to the delimiter, not to the content.
        parts.append(content[:-2] if content.endswith(b"\r\n") else content)
    return parts
