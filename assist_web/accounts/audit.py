"""The audit trail of patient-data access."""

from collections.abc import Iterable

from django.http import HttpRequest

from assist_web.accounts.models import AuditEvent, User


def _client_addr(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is what the socket saw; behind the site's nginx, deploy/ sets it from the
    # proxy header, so a client cannot forge its own address here.
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
    AuditEvent.objects.bulk_create(events)
