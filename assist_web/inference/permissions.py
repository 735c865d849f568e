"""Who may do what with jobs: workers run them, clinicians ask for and follow them."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from assist_web.accounts.models import Role


class _HasRole(BasePermission):
    roles: frozenset[str] = frozenset()
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return bool(user.is_superuser or getattr(user, "role", None) in self.roles)


class IsWorker(_HasRole):
    """A gpu worker identity (or a site admin, who may act for one when debugging)."""

    roles = frozenset({Role.WORKER, Role.SITE_ADMIN})


class IsClinician(_HasRole):
    """People who work with studies; worker identities see jobs only through their id."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


class MayFollowJob(_HasRole):
    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN, Role.WORKER})
