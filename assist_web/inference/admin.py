"""Site admin: upload a MONAI bundle, activate, retire or roll back versions, follow jobs."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from assist_web.accounts.permissions import signed_in_user
from assist_web.inference.bundles import BundleInvalid
from assist_web.inference.jobs import JobRefused, job_create
from assist_web.inference.models import Job, ModelVersion
from assist_web.inference.services import (
    RegistryRefused,
    model_version_activate,
    model_version_register,
    model_version_retire,
    model_version_rollback,
)


class ModelVersionUploadForm(forms.ModelForm):
    bundle = forms.FileField(
        help_text="A MONAI bundle zip: configs/metadata.json, configs/inference.json and "
        "models/model.pt. Name and version default to those in metadata.json."
    )

    class Meta:
        model = ModelVersion
        fields = ["name", "version", "parent", "trained_how"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["version"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("bundle")
        if upload is None or self.errors:
            return data
        try:
            # Registering here lets a refusal show on the form; save_model only attaches it.
            self.registered = model_version_register(
                bundle_file=upload,
                uploaded_by=getattr(self, "user", None),
                name=data.get("name") or "",
                version=data.get("version") or "",
                parent=data.get("parent"),
                trained_how=data.get("trained_how") or "",
            )
        except (BundleInvalid, RegistryRefused) as exc:
            raise forms.ValidationError(exc.message) from None
        return data

    def validate_unique(self) -> None:
        # The registry checks name and version itself (with a clearer message).
        return None


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "status", "short_sha", "parent", "metrics", "created_at"]
    list_filter = ["status"]
    actions = ["activate", "retire", "roll_back"]
    readonly_fields = [
        "name", "version", "status", "sha256", "size", "parent", "trained_how", "uploaded_by",
        "created_at", "activated_at", "lineage", "metrics", "metadata_pretty",
    ]  # fmt: skip
    exclude = ["metadata", "bundle_root"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ModelVersionUploadForm
            form = super().get_form(request, obj, change, **kwargs)
            form.user = request.user  # type: ignore[attr-defined]
            return form
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("bundle", "name", "version", "parent", "trained_how")
        return tuple(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: ModelVersion, form: Any, change: bool) -> None:
        if change:
            return  # versions are immutable; status changes go through the actions
        registered = form.registered
        obj.pk = registered.pk
        obj.__dict__.update({k: v for k, v in registered.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="SHA-256")
    def short_sha(self, obj: ModelVersion) -> str:
        return obj.sha256[:12]

    @admin.display(description="metrics")
    def metrics(self, obj: ModelVersion) -> str:
        found = obj.metadata.get("metrics") or obj.metadata.get("performance") or {}
        if not isinstance(found, dict):
            return str(found)
        return ", ".join(f"{k} {v}" for k, v in found.items() if not isinstance(v, dict | list))

    @admin.display(description="lineage")
    def lineage(self, obj: ModelVersion) -> str:
        chain: list[str] = []
        seen: set[int] = set()
        current: ModelVersion | None = obj
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            chain.append(str(current))
            current = current.parent
        return " ← ".join(chain)

    @admin.display(description="metadata.json")
    def metadata_pretty(self, obj: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.metadata, indent=2))

    @admin.action(description="Activate the selected version (retires the active one)")
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        try:
            version = model_version_activate(version=queryset.get(), user=signed_in_user(request))
        except RegistryRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"{version} is now the active model.", messages.SUCCESS)

    @admin.action(description="Retire the selected versions")
    def retire(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        for version in queryset:
            model_version_retire(version=version, user=signed_in_user(request))
        self.message_user(request, f"Retired {queryset.count()} version(s).", messages.SUCCESS)

    @admin.action(description="Roll back to the previously active version")
    def roll_back(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        try:
            version = model_version_rollback(user=signed_in_user(request))
        except RegistryRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"Rolled back: {version} is active again.", messages.SUCCESS)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "study", "model_version", "state", "percent", "stage", "attempt",
                    "worker", "created_at"]  # fmt: skip
    list_filter = ["state", "model_version"]
    search_fields = ["study__study_instance_uid"]
    actions = ["run_again"]
    exclude = ["lease_token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Run again with the active model")
    def run_again(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset.select_related("study"):
            try:
                new = job_create(study=job.study, requested_by=signed_in_user(request))
            except JobRefused as exc:
                self.message_user(request, f"Job {job.pk}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"Job {job.pk}: queued as job {new.pk}.")
