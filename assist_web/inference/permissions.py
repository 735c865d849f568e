"""Who may do what with jobs: workers run them, clinicians ask for and follow them."""

from assist_web.accounts.models import Role
from assist_web.accounts.permissions import HasRole


class IsWorker(HasRole):
    """A gpu worker identity (or a site admin, who may act for one when debugging)."""

    roles = frozenset({Role.WORKER, Role.SITE_ADMIN})


class IsClinician(HasRole):
    """People who work with studies; worker identities see jobs only through their id."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


class MayFollowJob(HasRole):
    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN, Role.WORKER})


class MayChooseSequences(HasRole):
    """Who may choose the series a model reads: the people who sign off its contours."""

    roles = frozenset({Role.PHYSICIAN, Role.SITE_ADMIN})
