"""Retry a call on transient errors only, with capped exponential backoff."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from workers.gpu.errors import is_transient

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5  # 1 + 2 + 4 + 8 s of waiting: a site restart, not an outage
    first_s: float = 1.0
    cap_s: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.cap_s, self.first_s * 2 ** (attempt - 1))


DEFAULT = Backoff()


def retrying(call: Callable[[], T], *, what: str, backoff: Backoff = DEFAULT,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """Return ``call()``; on a transient error wait and try again, up to ``attempts`` times.

    Permanent errors, and the last transient one, propagate unchanged for the caller to
    classify.
    """
    for attempt in range(1, backoff.attempts + 1):
        try:
            return call()
        except Exception as error:
            if not is_transient(error) or attempt == backoff.attempts:
                raise
            delay = backoff.delay(attempt)
            log.warning("%s failed (%s), try %d of %d in %.0f s", what, type(error).__name__,
                        attempt + 1, backoff.attempts, delay)
            sleep(delay)
    raise AssertionError("unreachable")
