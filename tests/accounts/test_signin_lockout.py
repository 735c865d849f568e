"""Repeated wrong passwords lock signing in for a while, also with the right password."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from assist_web.accounts.models import SignInFailure, User
from assist_web.accounts.signin_guard import FAILURES_PER_ADDRESS, FAILURES_PER_USERNAME, WINDOW

pytestmark = pytest.mark.django_db
PASSWORD = "alice-pass-2026"  # tests/conftest.py gives each user <name>-pass-2026


def _sign_in(client: Client, username: str, password: str, *, url: str = "/accounts/login/",
             addr: str = "10.0.0.7") -> str:
    response = client.post(url, {"username": username, "password": password},
                           REMOTE_ADDR=addr)  # fmt: skip
    return response.content.decode() if response.status_code == 200 else "signed in"


def test_five_wrong_passwords_lock_the_username_even_for_its_password(alice: User) -> None:
    client = Client()

    for n in range(FAILURES_PER_USERNAME):
        assert "signed in" != _sign_in(client, "alice", f"guess-{n}")
    locked = _sign_in(client, "ALICE ", PASSWORD)  # the count ignores case and spaces

    assert "Too many wrong passwords: signing in is locked for 15 minutes" in locked
    assert "_auth_user_id" not in client.session
    assert SignInFailure.objects.filter(username="alice").count() == FAILURES_PER_USERNAME


def test_the_lock_ends_when_the_failures_are_older_than_the_window(alice: User) -> None:
    client = Client()
    for n in range(FAILURES_PER_USERNAME):
        _sign_in(client, "alice", f"guess-{n}")
    SignInFailure.objects.update(at=timezone.now() - WINDOW - timedelta(seconds=1))

    assert _sign_in(client, "alice", PASSWORD) == "signed in"
    assert not SignInFailure.objects.filter(username="alice").exists()  # cleared


def test_a_right_password_before_the_limit_clears_the_count(alice: User) -> None:
    client = Client()
    for n in range(FAILURES_PER_USERNAME - 1):
        _sign_in(client, "alice", f"guess-{n}")

    assert _sign_in(client, "alice", PASSWORD) == "signed in"
    assert SignInFailure.objects.count() == 0


def test_one_address_guessing_many_usernames_is_locked_out_but_others_are_not(
    alice: User,
) -> None:
    for n in range(FAILURES_PER_ADDRESS):
        _sign_in(Client(), f"user-{n}", "guess", addr="10.6.6.6")

    from_there = _sign_in(Client(), "alice", PASSWORD, addr="10.6.6.6")
    from_elsewhere = _sign_in(Client(), "alice", PASSWORD, addr="10.0.0.8")

    assert "Too many wrong passwords" in from_there
    assert from_elsewhere == "signed in"


def test_the_admin_sign_in_is_locked_the_same_way(sam: User) -> None:
    client = Client()
    for n in range(FAILURES_PER_USERNAME):
        _sign_in(client, "sam", f"guess-{n}", url="/admin/login/")

    locked = _sign_in(client, "sam", "sam-pass-2026", url="/admin/login/")

    assert "Too many wrong passwords" in locked
    assert "_auth_user_id" not in client.session
