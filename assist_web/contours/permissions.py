"""Who may export: physicians and site admins send to the planning system; physicists only
download (they check plans, they do not hand contours to treatment)."""

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


class MaySendExport(_HasRole):
    message = "Only physicians and site admins may send contours to the planning system."
    roles = frozenset({Role.PHYSICIAN, Role.SITE_ADMIN})


class MayDownloadExport(_HasRole):
    """People, not worker identities: a download is a person taking contours away."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})
