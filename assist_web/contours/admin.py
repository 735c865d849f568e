from django.contrib import admin
from django.http import HttpRequest

from assist_web.contours.models import (
    Approval,
    Export,
    ExportDestination,
    Revision,
    StructureMetrics,
)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are immutable records."""

    list_display = [
        "id", "structure_set", "number", "source", "author", "model_version", "state",
        "created_at",
    ]  # fmt: skip
    list_filter = ["source", "state"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExportDestination)
class ExportDestinationAdmin(admin.ModelAdmin):
    """Where exports go. Only site admins reach the admin (AssistAdminSite.has_permission)."""

    list_display = ["name", "ae_title", "host", "port", "calling_ae_title", "enabled"]
    list_filter = ["enabled"]


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Exports are made from the API; the admin shows how they went."""

    list_display = [
        "id", "revision", "kind", "object", "destination", "requested_by", "state",
        "status_code", "created_at", "finished_at",
    ]  # fmt: skip
    list_filter = ["state", "kind", "object", "destination"]
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records of sign-off and measurement: shown, never made or changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Approval)
class ApprovalAdmin(_ReadOnlyAdmin):
    list_display = ["id", "revision", "approved_by", "approved_at", "rtstruct_sop_instance_uid"]


@admin.register(StructureMetrics)
class StructureMetricsAdmin(_ReadOnlyAdmin):
    list_display = [
        "approval", "structure", "model_version", "dice", "hd95_mm", "surface_dice", "apl_mm",
        "volume_change_ml",
    ]  # fmt: skip
    list_filter = ["structure", "model_version"]
