"""Token authentication for the API, DICOMweb and workers, with a short per-process memory.

A viewer opening a study sends hundreds of requests a second with the same token; looking the
token up each time costs more than the frame it asks for. A verified token is remembered for
TOKEN_CACHE_SECONDS, so a revoked token or a deactivated user stops working within that time.
"""

import re
import threading
import time

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from assist_web.accounts.models import User

# How long a revocation may take to reach every web process.
TOKEN_CACHE_SECONDS = 10.0
_MAX_ENTRIES = 1024
# DRF's keys are 40 hex digits; anything else (a NUL, which PostgreSQL refuses in a query
# parameter with an error) is refused before it reaches the database.
_KEY = re.compile(r"[0-9a-f]{40}")


class CachedTokenAuthentication(TokenAuthentication):
    _lock = threading.Lock()
    _verified: dict[str, tuple[float, User, Token]] = {}

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if not _KEY.fullmatch(key):
            raise AuthenticationFailed("Invalid token.")
        now = time.monotonic()
        entry = self._verified.get(key)
        if entry is not None and entry[0] > now:
            return entry[1], entry[2]
        user, token = super().authenticate_credentials(key)
        with self._lock:
            if len(self._verified) >= _MAX_ENTRIES:
                self._verified.clear()
            self._verified[key] = (now + TOKEN_CACHE_SECONDS, user, token)
        return user, token

    @classmethod
    def forget_all(cls) -> None:
        with cls._lock:
            cls._verified.clear()
