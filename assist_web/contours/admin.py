from django.contrib import admin
from django.http import HttpRequest

from assist_web.contours.models import Revision


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are immutable records."""

    list_display = ["id", "structure_set", "number", "source", "model_version", "created_at"]
    list_filter = ["source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
