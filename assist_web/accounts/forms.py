"""Sign-in forms that say when signing in is locked out (assist_web/accounts/signin_guard.py)."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from assist_web.accounts.audit import client_addr
from assist_web.accounts.signin_guard import SignInLocked, signin_check


class _LockoutShown(forms.Form):
    request: Any

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            addr = client_addr(self.request) if self.request is not None else None
            try:
                signin_check(username=username, addr=addr)
            except SignInLocked as locked:
                raise forms.ValidationError(locked.message, code="locked") from None
        return super().clean() or self.cleaned_data


class SignInForm(_LockoutShown, AuthenticationForm):
    pass


class AdminSignInForm(_LockoutShown, AdminAuthenticationForm):
    pass
