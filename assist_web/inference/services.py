"""The model registry: register a bundle, activate one version, roll back, retire."""

from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.inference.bundles import BundleInvalid, bundle_inspect, bundle_spool, bundle_store
from assist_web.inference.models import ModelVersion


class RegistryRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def model_version_register(
    *,
    bundle_file: IO[bytes],
    uploaded_by: User | None,
    version: str = "",
    name: str = "",
    parent: ModelVersion | None = None,
    trained_how: str = "",
) -> ModelVersion:
    """Check and store a MONAI bundle zip as a new candidate version.

    Name and version default to the bundle's metadata ("name", "version"). Raises BundleInvalid
    for a bad zip and RegistryRefused for a bundle the registry already holds.
    """
    temporary, sha256, size = bundle_spool(source=bundle_file, folder=_models_dir() / "tmp")
    try:
        info = bundle_inspect(path=temporary, sha256=sha256, size=size)
        known = ModelVersion.objects.filter(sha256=sha256).first()
        if known is not None:
            raise RegistryRefused(f"This bundle is already registered as {known}.")
        name = (name or str(info.metadata.get("name") or "")).strip()[:100]
        version = (version or str(info.metadata.get("version") or "")).strip()[:50]
        if not name or not version:
            raise BundleInvalid(
                "Give a name and a version, or set 'name' and 'version' in configs/metadata.json."
            )
        if ModelVersion.objects.filter(name=name, version=version).exists():
            raise RegistryRefused(f"{name} {version} is already registered; give a new version.")
        with transaction.atomic():
            model_version = ModelVersion.objects.create(
                name=name,
                version=version,
                sha256=sha256,
                size=size,
                metadata=info.metadata,
                bundle_root=info.root,
                parent=parent,
                trained_how=trained_how,
                uploaded_by=uploaded_by,
            )
            bundle_store(temporary=temporary, destination=model_version.bundle_path)
    finally:
        temporary.unlink(missing_ok=True)
    return model_version


@transaction.atomic
def model_version_activate(*, version: ModelVersion, user: User | None) -> ModelVersion:
    """Make ``version`` the site's one active model; the one active before it is retired."""
    current = list(
        ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE)
    )
    for previous in current:
        if previous.pk != version.pk:
            previous.status = ModelVersion.Status.RETIRED
            previous.save(update_fields=["status"])
    if not version.bundle_path.is_file():
        raise RegistryRefused(f"The bundle file of {version} is missing from the data folder.")
    version.status = ModelVersion.Status.ACTIVE
    version.activated_at = timezone.now()
    version.save(update_fields=["status", "activated_at"])
    return version


@transaction.atomic
def model_version_rollback(*, user: User | None) -> ModelVersion:
    """Activate again the version that was active before the current one."""
    current = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    earlier = ModelVersion.objects.filter(activated_at__isnull=False)
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    previous = earlier.order_by("-activated_at").first()
    if previous is None:
        raise RegistryRefused("No earlier version has been active; nothing to roll back to.")
    return model_version_activate(version=previous, user=user)


@transaction.atomic
def model_version_retire(*, version: ModelVersion, user: User | None) -> ModelVersion:
    """Retire a version; retiring the active one leaves the site without automatic jobs."""
    version.status = ModelVersion.Status.RETIRED
    version.save(update_fields=["status"])
    return version


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
