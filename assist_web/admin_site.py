from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class AssistAdminSite(AdminSite):
    site_header = "ASSIST site administration"
    site_title = "ASSIST admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_site_admin", False))


class AssistAdminConfig(AdminConfig):
    default_site = "assist_web.admin_site.AssistAdminSite"
