from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    PHYSICIST = "physicist", "Physicist"
    SITE_ADMIN = "site_admin", "Site admin"
    # Machine identities: gpu workers and other services that call the API with a token.
    WORKER = "worker", "Worker"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PHYSICIAN)

    @property
    def is_site_admin(self) -> bool:
        return self.is_active and (self.role == Role.SITE_ADMIN or self.is_superuser)

    # A site admin manages the whole site in the admin; no per-model permission bookkeeping.
    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        return self.is_site_admin or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_site_admin or super().has_module_perms(app_label)


class AuditEvent(models.Model):
    """One access to patient data: who, what, which study, when and from where.

    Holds identifiers only (UIDs, never names or pixel data), so the audit trail can be
    exported without becoming a second copy of the archive.
    """

    class Action(models.TextChoices):
        SEARCH = "search", "Search"
        READ = "read", "Read"
        STORE = "store", "Store"
        PULL = "pull", "Pull from PACS"
        EXPORT = "export", "Export"
        APPROVE = "approve", "Approve contours"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=Action.choices)
    study_uid = models.CharField(max_length=64, blank=True, db_index=True)
    resource = models.CharField(max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.study_uid}"


class SignInFailure(models.Model):
    """A wrong password given for a username, from an address: what sign-in throttling counts
    (assist_web/accounts/signin_guard.py). Holds no password, right or wrong."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)  # as typed, lower-cased
    remote_addr = models.GenericIPAddressField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"wrong password for {self.username} at {self.at:%Y-%m-%d %H:%M}"
