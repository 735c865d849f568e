from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from assist_web.accounts.models import AuditEvent, SignInFailure, User


@admin.register(User)
class AssistUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("ASSIST", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("ASSIST", {"fields": ("role",)}))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "study_uid", "remote_addr")
    list_filter = ("action",)
    search_fields = ("username", "study_uid")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    """Wrong passwords of the last minutes; deleting a username's rows lifts its lockout."""

    list_display = ("at", "username", "remote_addr")
    search_fields = ("username", "remote_addr")
    readonly_fields = [f.name for f in SignInFailure._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: SignInFailure | None = None
    ) -> bool:
        return False
