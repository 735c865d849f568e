"""One active model at a time; activation retires the previous one; rollback brings it back."""

import io

import pytest
from django.db import IntegrityError, transaction

from assist_web.accounts.models import User
from assist_web.inference.models import ModelVersion
from assist_web.inference.services import (
    RegistryRefused,
    model_version_activate,
    model_version_register,
    model_version_rollback,
)
from tests.inference.factories import METADATA, bundle_bytes

pytestmark = pytest.mark.django_db


def _version(user: User, version: str, parent: ModelVersion | None = None) -> ModelVersion:
    data = bundle_bytes(metadata={**METADATA, "version": version})
    return model_version_register(bundle_file=io.BytesIO(data), uploaded_by=user, parent=parent)


def _statuses() -> dict[str, str]:
    return dict(ModelVersion.objects.values_list("version", "status"))


def test_activating_a_version_retires_the_active_one(sam: User) -> None:
    first = _version(sam, "1")
    second = _version(sam, "2", parent=first)
    model_version_activate(version=first, user=sam)

    model_version_activate(version=second, user=sam)

    assert _statuses() == {"1": "retired", "2": "active"}
    assert second.parent == first


def test_rollback_activates_the_version_active_before(sam: User) -> None:
    first, second = _version(sam, "1"), _version(sam, "2")
    model_version_activate(version=first, user=sam)
    model_version_activate(version=second, user=sam)

    back = model_version_rollback(user=sam)

    assert back == first
    assert _statuses() == {"1": "active", "2": "retired"}


def test_rollback_without_an_earlier_active_version_is_refused(sam: User) -> None:
    model_version_activate(version=_version(sam, "1"), user=sam)

    with pytest.raises(RegistryRefused):
        model_version_rollback(user=sam)

    assert _statuses() == {"1": "active"}


def test_the_database_refuses_a_second_active_version(sam: User) -> None:
    first, second = _version(sam, "1"), _version(sam, "2")
    model_version_activate(version=first, user=sam)

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status=ModelVersion.Status.ACTIVE)

    assert _statuses() == {"1": "active", "2": "candidate"}


def test_a_version_whose_bundle_file_is_gone_cannot_be_activated(sam: User) -> None:
    first, second = _version(sam, "1"), _version(sam, "2")
    model_version_activate(version=first, user=sam)
    second.bundle_path.unlink()

    with pytest.raises(RegistryRefused, match="missing"):
        model_version_activate(version=second, user=sam)

    assert _statuses() == {"1": "active", "2": "candidate"}
