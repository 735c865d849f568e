"""``<uid:name>`` in URL patterns: a DICOM UID (PS3.5 9.1).

Ingest refuses objects whose UIDs are not valid, so a path holding anything else names nothing
stored: it is not found, and never reaches a query (PostgreSQL refuses a NUL character in a
string parameter with an error, not an empty result).
"""

from django.urls import register_converter

from assist_web.archive.store import uid_is_valid


class UidConverter:
    regex = r"[0-9.]+"

    def to_python(self, value: str) -> str:
        if not uid_is_valid(value):
            raise ValueError(value)  # Django tries the next pattern, then answers 404
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UidConverter, "uid")
