"""The audit trail of patient-data access."""

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from assist_web.accounts.models import AuditEvent, User


def _client_addr(request: HttpRequest) -> str | None:
    # Behind the site's own proxy (deploy/nginx.conf) the socket address is the proxy's; the
    # header named by ASSIST_CLIENT_ADDR_HEADER is then trusted, because the proxy overwrites
    # it. Without a proxy it stays unset, so a client cannot put any address in the audit.
    header = settings.ASSIST_CLIENT_ADDR_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    request: HttpRequest,
    action: str,
    study_uids: Iterable[str] = ("",),
    resource: str = "",
) -> None:
    user = request.user if isinstance(request.user, User) else None
    events = [
        AuditEvent(
            user=user,
            username=user.get_username() if user else "",
            action=action,
            study_uid=uid,
            resource=(resource or request.path)[:300],
            remote_addr=_client_addr(request),
        )
        for uid in (set(study_uids) or {""})
    ]
    if len(events) == 1:
        # One statement in autocommit: no BEGIN/COMMIT round trips on every image request.
        events[0].save(force_insert=True)
    else:
        AuditEvent.objects.bulk_create(events)
