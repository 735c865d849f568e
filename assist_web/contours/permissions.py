"""Who may export: physicians and site admins send to the planning system; physicists only
download (they check plans, they do not hand contours to treatment)."""

from assist_web.accounts.models import Role
from assist_web.accounts.permissions import HasRole


class MaySendExport(HasRole):
    message = "Only physicians and site admins may send contours to the planning system."
    roles = frozenset({Role.PHYSICIAN, Role.SITE_ADMIN})


class MayDownloadExport(HasRole):
    """People, not worker identities: a download is a person taking contours away."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})
