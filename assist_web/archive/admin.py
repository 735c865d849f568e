from django import forms
from django.contrib import admin
from django.http import HttpRequest

from assist_web.archive.models import PacsPull, RemotePacs, SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: SiteSettings | None = None
    ) -> bool:
        return False


class RemotePacsForm(forms.ModelForm):
    base_url = forms.URLField(
        label="Base URL",
        max_length=300,
        assume_scheme="https",
        help_text="The DICOMweb root, e.g. https://pacs.example.org/dicom-web (without /studies).",
    )
    # Write-only: the stored secret is never rendered into the page; left empty, it is kept.
    secret = forms.CharField(
        label="Password or token",
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the one stored.",
    )

    class Meta:
        model = RemotePacs
        fields = ["name", "base_url", "auth_kind", "username", "secret", "verify_tls", "enabled"]

    def clean_secret(self) -> str:
        given: str = self.cleaned_data.get("secret", "")
        return given or (self.instance.secret if self.instance.pk else "")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind = data.get("auth_kind")
        if kind == RemotePacs.AuthKind.BASIC and not data.get("username"):
            self.add_error("username", "Basic authentication needs a username.")
        if kind in (RemotePacs.AuthKind.BASIC, RemotePacs.AuthKind.TOKEN) and not data.get(
            "secret"
        ):
            self.add_error("secret", "This authentication needs a password or token.")
        return data


@admin.register(RemotePacs)
class RemotePacsAdmin(admin.ModelAdmin):
    form = RemotePacsForm
    list_display = ["name", "base_url", "auth_kind", "verify_tls", "enabled"]
    list_filter = ["enabled", "auth_kind"]


@admin.register(PacsPull)
class PacsPullAdmin(admin.ModelAdmin):
    """Pulls are started from the API; the admin shows how they went."""

    list_display = [
        "id",
        "remote",
        "requested_by",
        "study_instance_uid",
        "state",
        "num_stored",
        "num_duplicate",
        "num_refused",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "remote"]
    readonly_fields = [f.name for f in PacsPull._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
