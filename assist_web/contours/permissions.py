"""Who may do what with contours.

Physicians and site admins send to the planning system; physicists only download (they check
plans, they do not hand contours to treatment). Only physicians edit, save and approve.
"""

from rest_framework.request import Request
from rest_framework.views import APIView

from assist_web.accounts.models import Role
from assist_web.accounts.permissions import HasRole


class MaySendExport(HasRole):
    message = "Only physicians and site admins may send contours to the planning system."
    roles = frozenset({Role.PHYSICIAN, Role.SITE_ADMIN})


class MayDownloadExport(HasRole):
    """People, not worker identities: a download is a person taking contours away."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


class MayReadReview(HasRole):
    """People who see patient images; worker identities have no business with the review."""

    message = "Only physicians, physicists and site admins may see the review."
    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


class MayEditContours(HasRole):
    """Physicians only, superusers included only if they are physicians: contours and their
    approval are a medical act, which an administrator's account must not perform."""

    message = "Only physicians may edit, save or approve contours."
    roles = frozenset({Role.PHYSICIAN})

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active
            and getattr(user, "role", None) == Role.PHYSICIAN
        )  # fmt: skip
