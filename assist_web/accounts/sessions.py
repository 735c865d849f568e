"""Django's database sessions, with a session cookie checked for the characters Django writes
before it reaches a query: PostgreSQL answers a NUL in a parameter with an error, so a crafted
cookie would otherwise turn any page into a server error. A cookie that fails is no session."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

_KEY_CHARS = frozenset(VALID_KEY_CHARS)
# Django's own floor for a key's length (SessionBase._validate_session_key).
_MIN_LENGTH = 8


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return key is not None and len(key) >= _MIN_LENGTH and set(key) <= _KEY_CHARS
