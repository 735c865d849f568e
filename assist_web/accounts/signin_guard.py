"""Sign-in throttling: a password guessed at is locked out for a while.

After ``FAILURES_PER_USERNAME`` wrong passwords for one username within ``WINDOW``, that
username signs in with nothing, not even its right password, until the oldest of them is
``WINDOW`` old; after ``FAILURES_PER_ADDRESS`` from one client address (one machine trying
many usernames), that address is locked the same way. A correct sign-in clears the
username's count. Failures live in the database, so every web process counts the same ones.
Web sign-in (the site and the admin) goes through ``ThrottledModelBackend``; the password
re-entered to approve contours goes through ``password_confirm``.
"""

import math
from datetime import timedelta

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from assist_web.accounts.audit import client_addr
from assist_web.accounts.models import SignInFailure, User

WINDOW = timedelta(minutes=15)
FAILURES_PER_USERNAME = 5
# Higher: a ward's shared workstation or a proxy puts many people behind one address.
FAILURES_PER_ADDRESS = 50


class SignInLocked(Exception):
    def __init__(self, minutes: int) -> None:
        unit = "minute" if minutes == 1 else "minutes"
        self.message = (
            f"Too many wrong passwords: signing in is locked for {minutes} {unit}. Ask a site "
            "admin if you cannot wait."
        )
        super().__init__(self.message)


def signin_check(*, username: str, addr: str | None) -> None:
    """Raise SignInLocked while the username or the address is locked out."""
    recent = SignInFailure.objects.filter(at__gte=timezone.now() - WINDOW)
    _check(recent.filter(username=_key(username)), FAILURES_PER_USERNAME)
    if addr:
        _check(recent.filter(remote_addr=addr), FAILURES_PER_ADDRESS)


def _check(failures: QuerySet[SignInFailure], limit: int) -> None:
    """Locked while ``limit`` of ``failures`` are recent: until the oldest of them is not."""
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) >= limit:
        seconds = (times[-1] + WINDOW - timezone.now()).total_seconds()
        raise SignInLocked(max(1, math.ceil(seconds / 60)))


def signin_failed(*, username: str, addr: str | None) -> None:
    SignInFailure.objects.filter(at__lt=timezone.now() - WINDOW).delete()  # counted no more
    SignInFailure.objects.create(username=_key(username), remote_addr=addr)


def signin_succeeded(*, username: str) -> None:
    SignInFailure.objects.filter(username=_key(username)).delete()


def password_confirm(*, user: User, password: str, addr: str | None = None) -> bool:
    """Whether ``password`` is the user's, counted like a sign-in; raises SignInLocked."""
    signin_check(username=user.get_username(), addr=addr)
    if user.check_password(password):
        signin_succeeded(username=user.get_username())
        return True
    signin_failed(username=user.get_username(), addr=addr)
    return False


def _key(username: str) -> str:
    return username.strip().lower()[:150]


class ThrottledModelBackend(ModelBackend):
    """Django's username and password check, refused outright while locked out."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        if username is None:
            username = str(kwargs.get(User.USERNAME_FIELD) or "")
        if not username or password is None:
            return None
        addr = client_addr(request) if request is not None else None
        try:
            signin_check(username=username, addr=addr)
        except SignInLocked as locked:
            raise PermissionDenied(locked.message) from None  # no other backend is asked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failed(username=username, addr=addr)
        else:
            signin_succeeded(username=username)
        return user
