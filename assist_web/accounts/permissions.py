from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from assist_web.accounts.models import Role, User


class HasRole(BasePermission):
    """Allows active users whose role is in ``roles`` (and superusers); subclasses name them."""

    roles: frozenset[str] = frozenset()
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return bool(user.is_superuser or getattr(user, "role", None) in self.roles)


class IsClinicalUser(HasRole):
    """Anyone who may see patient images: clinicians, admins and worker identities."""

    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN, Role.WORKER})


class IsSiteAdmin(HasRole):
    roles = frozenset({Role.SITE_ADMIN})


CLINICAL_ROLES = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


def clinician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages: log in first, then only people (not worker identities) see patient data."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_superuser or getattr(user, "role", None) in CLINICAL_ROLES):
            raise PermissionDenied("Your role does not allow this page.")
        return view(request, *args, **kwargs)

    return login_required(guarded)


def signed_in_user(request: HttpRequest | Request) -> User:
    """The person or worker identity a view's permission admitted, as a ``User``: behind
    ``HasRole`` or ``clinician_required`` that is always so, and a request that reached here
    some other way is refused rather than recorded under no one."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
