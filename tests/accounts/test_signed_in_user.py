import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from assist_web.accounts.models import User
from assist_web.accounts.permissions import signed_in_user


def test_the_admitted_user_is_returned(alice: User) -> None:
    request = RequestFactory().get("/")
    request.user = alice

    assert signed_in_user(request) == alice


def test_a_request_without_a_signed_in_user_is_refused() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with pytest.raises(PermissionDenied, match="Sign in first"):
        signed_in_user(request)
