"""Shared fixtures: named users per role, API clients, and an isolated data dir per test."""

import os
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
from tests.flushing import flush_log  # noqa: F401 - fixtures are found by name

# Fixtures through which a test reaches the database (and with it the site's broker settings).
_SITE_FIXTURES = frozenset({"db", "transactional_db", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ASSIST_TESTS_SITE_ONLY=1 (the second pass of scripts/test, on the embedded
    defaults), only the tests that reach the database run again: the rest gave their answer
    in the first pass, and do not depend on which database or broker the site uses."""
    if os.environ.get("ASSIST_TESTS_SITE_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        reaches_site = item.get_closest_marker("django_db") is not None or bool(
            _SITE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        )
        (keep if reaches_site else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
