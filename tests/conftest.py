"""Shared fixtures: named users per role, API clients, and an isolated data dir per test."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assist_web.accounts.audit import audit_forget
from assist_web.accounts.authentication import CachedTokenAuthentication
from assist_web.accounts.models import Role, User


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """Every test stores its DICOM files in its own folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    with override_settings(DATA_DIR=folder):
        yield folder


@pytest.fixture(autouse=True)
def fresh_process_memory() -> Iterator[None]:
    """Each test starts with no remembered tokens or recent audited reads."""
    audit_forget()
    CachedTokenAuthentication.forget_all()
    yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, role: str) -> User:
    return User.objects.create_user(
        username=username, password=f"{username}-pass-2026", role=role, first_name=username.title()
    )


@pytest.fixture
def alice(db: None) -> User:
    """A physician."""
    return _user("alice", Role.PHYSICIAN)


@pytest.fixture
def pete(db: None) -> User:
    """A physicist."""
    return _user("pete", Role.PHYSICIST)


@pytest.fixture
def sam(db: None) -> User:
    """A site admin."""
    return _user("sam", Role.SITE_ADMIN)


@pytest.fixture
def api(alice: User) -> APIClient:
    """An API client authenticated as alice with a DRF token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=alice)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
