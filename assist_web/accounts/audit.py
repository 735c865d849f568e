"""The audit trail of patient-data access.

A viewer reads a study as hundreds of requests (metadata, then every frame). Recording each
would bury the accesses an auditor looks for, and cost a database write per image. So a read
or search is recorded once per user, study, client address and AUDIT_WINDOW_SECONDS in each
web process; the row carries the time of the first request and the resource it asked for.
Stores, pulls and exports are always recorded.
"""

import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from assist_web.accounts.models import AuditEvent, User

AUDIT_WINDOW_SECONDS = 60.0
_DEDUPLICATED = {AuditEvent.Action.READ, AuditEvent.Action.SEARCH}
_MAX_REMEMBERED = 10_000
_recent: dict[tuple[int | None, str, str, str | None], float] = {}
_lock = threading.Lock()


def client_addr(request: HttpRequest) -> str | None:
    # Behind the site's own proxy (deploy/nginx.conf) the socket address is the proxy's; the
    # header named by ASSIST_CLIENT_ADDR_HEADER is then trusted, because the proxy overwrites
    # it. Without a proxy it stays unset, so a client cannot put any address in the audit.
    header = settings.ASSIST_CLIENT_ADDR_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _already_recorded(key: tuple[int | None, str, str, str | None], now: float) -> bool:
    with _lock:
        if _recent.get(key, 0.0) > now:
            return True
        if len(_recent) >= _MAX_REMEMBERED:
            _recent.clear()
        _recent[key] = now + AUDIT_WINDOW_SECONDS
        return False


def audit_record(
    *,
    request: HttpRequest,
    action: str,
    study_uids: Iterable[str] = ("",),
    resource: str = "",
) -> None:
    user = request.user if isinstance(request.user, User) else None
    addr = client_addr(request)
    now = time.monotonic()
    uids = set(study_uids) or {""}
    if action in _DEDUPLICATED:
        user_pk = user.pk if user else None
        uids = {u for u in uids if not _already_recorded((user_pk, action, u, addr), now)}
    events = [
        AuditEvent(
            user=user,
            username=user.get_username() if user else "",
            action=action,
            study_uid=uid,
            resource=(resource or request.path)[:300],
            remote_addr=addr,
        )
        for uid in uids
    ]
    if len(events) == 1:
        # One statement in autocommit: no BEGIN/COMMIT round trips.
        events[0].save(force_insert=True)
    elif events:
        AuditEvent.objects.bulk_create(events)


def audit_forget() -> None:
    """Forget the recent reads, so the next read of each study is recorded again."""
    with _lock:
        _recent.clear()
