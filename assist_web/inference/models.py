"""The model registry (MONAI bundles) and inference jobs."""

from pathlib import Path

from django.conf import settings
from django.db import models


class ModelVersion(models.Model):
    """One MONAI bundle: a zip under DATA_DIR/models/, named by its SHA-256."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CANDIDATE, db_index=True
    )
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    # configs/metadata.json of the bundle, as shipped (metrics, inputs, outputs, references).
    metadata = models.JSONField(default=dict, blank=True)
    # The folder inside the zip holding configs/ and models/ ("" when they are at the top).
    bundle_root = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    trained_how = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="one_active_model_version",
            ),
            models.UniqueConstraint(fields=["name", "version"], name="model_name_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def bundle_path(self) -> Path:
        return Path(settings.DATA_DIR) / "models" / f"{self.sha256}.zip"


class Job(models.Model):
    """One inference run of one model on one study."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    LIVE_STATES = (State.QUEUED, State.RUNNING)

    study = models.ForeignKey("archive.Study", on_delete=models.CASCADE, related_name="jobs")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    percent = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    # {"T1": series_uid, "T1c": ..., "T2": ..., "FLAIR": ...} chosen when the job was made.
    sequences = models.JSONField(default=dict)
    ctv_margin_mm = models.FloatField()
    ptv_margin_mm = models.FloatField()
    attempt = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by every state change (conditional updates set it explicitly).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two beats, or a beat and a button, never queue the same work twice.
            models.UniqueConstraint(
                fields=["study", "model_version"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_live_job_per_study_model",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="job_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.state})"


class SequenceOverride(models.Model):
    """A person's choice of series for a study, in place of what identification found."""

    study = models.OneToOneField(
        "archive.Study", on_delete=models.CASCADE, related_name="sequence_override"
    )
    # {"T1": series_uid, ...}: only the sequences the person chose.
    series = models.JSONField(default=dict)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sequences of {self.study_id}"
