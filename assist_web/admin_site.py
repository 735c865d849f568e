from django.contrib.admin import AdminSite
from django.http import HttpRequest

from assist_web.accounts.forms import AdminSignInForm


class AssistAdminSite(AdminSite):
    site_header = "ASSIST site administration"
    site_title = "ASSIST admin"
    login_form = AdminSignInForm

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_site_admin", False))
