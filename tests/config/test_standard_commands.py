"""The standard Django and DRF commands work with the project's user model and settings."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assist_web.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_noinput_takes_the_django_superuser_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ingrid")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase-2026")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ingrid@hospital.example")

    call_command("createsuperuser", interactive=False, verbosity=0)

    user = User.objects.get(username="ingrid")
    assert user.is_superuser and user.is_site_admin
    assert user.check_password("a-long-pass-phrase-2026")


def test_drf_create_token_gives_a_token_that_opens_dicomweb(alice: User) -> None:
    call_command("drf_create_token", "alice", verbosity=0)

    key = Token.objects.get(user=alice).key
    response = Client().get("/dicomweb/studies", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_login_then_logout_through_the_pages(alice: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-2026"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200

    client.post("/accounts/logout/")

    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_sign_in_ends_with_the_browser_and_after_a_working_day(alice: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-2026"})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")  # gone when the browser closes
    lasts = client.session.get_expiry_date() - timezone.now()
    assert timedelta(hours=11, minutes=59) < lasts <= timedelta(hours=12)


def test_a_site_admin_reaches_the_admin_and_a_physician_does_not(alice: User, sam: User) -> None:
    admin_client, physician_client = Client(), Client()
    admin_client.force_login(sam)
    physician_client.force_login(alice)

    assert sam.role == Role.SITE_ADMIN and not sam.is_staff
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/accounts/user/").status_code == 200
    assert physician_client.get("/admin/")["Location"].startswith("/admin/login/")
