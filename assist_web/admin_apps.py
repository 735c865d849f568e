from django.contrib.admin.apps import AdminConfig


class AssistAdminConfig(AdminConfig):
    """The admin app with ASSIST's site; its own module, imported before the models load."""

    default_site = "assist_web.admin_site.AssistAdminSite"
