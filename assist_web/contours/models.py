"""Structure sets and their revisions. A revision is never changed: an edit makes a new one.

The contours themselves are DICOM objects in the archive (a SEG and an RTSTRUCT of the same
study); a revision points at them by SOP Instance UID and keeps the per-structure summary.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class StructureSet(models.Model):
    """The proposal for one study and every revision made from it."""

    study = models.ForeignKey(
        "archive.Study", on_delete=models.CASCADE, related_name="structure_sets"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"structure set {self.pk} of {self.study_id}"


class Revision(models.Model):
    class Source(models.TextChoices):
        AI = "ai", "AI model"
        HUMAN = "human", "Person"

    structure_set = models.ForeignKey(
        StructureSet, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    model_version = models.ForeignKey(
        "inference.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    # The job that produced an AI revision; unique, so one job can never have two results.
    job = models.OneToOneField(
        "inference.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="revision"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    seg_sop_instance_uid = models.CharField(max_length=64, blank=True)
    rtstruct_sop_instance_uid = models.CharField(max_length=64, blank=True)
    # [{"name": "GTV", "volume_ml": 12.3}, ...] as the producer measured them.
    structures = models.JSONField(default=list)

    class Meta:
        ordering = ["structure_set", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure_set", "number"], name="revision_number_per_set"
            ),
            models.CheckConstraint(
                condition=models.Q(source="human") | models.Q(model_version__isnull=False),
                name="ai_revision_has_model",
            ),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of set {self.structure_set_id} ({self.source})"


# PS3.5 6.2 (AE): at most 16 characters, no backslash or control characters, not all spaces.
ae_title_validator = RegexValidator(
    r"^(?! *$)[\x20-\x5b\x5d-\x7e]{1,16}$",
    "An AE title is 1 to 16 printable characters, without a backslash, and not only spaces.",
)


def calling_ae_title_default() -> str:
    return str(settings.ASSIST_AE_TITLE)


class ExportDestination(models.Model):
    """A planning system (or other DICOM AE) that revisions are sent to; site admins set it up."""

    name = models.CharField(max_length=64, unique=True)
    ae_title = models.CharField(
        "called AE title", max_length=16, validators=[ae_title_validator],
        help_text="The AE title of the planning system's DICOM storage service.",
    )  # fmt: skip
    host = models.CharField(max_length=255, help_text="Host name or IP address.")
    port = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(65535)])
    calling_ae_title = models.CharField(
        "calling AE title", max_length=16, default=calling_ae_title_default,
        validators=[ae_title_validator],
        help_text="How this site introduces itself; the planning system may allow only known "
        "callers.",
    )  # fmt: skip
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Export(models.Model):
    """One revision object sent to a destination or downloaded: the export history of a study."""

    class Kind(models.TextChoices):
        CSTORE = "cstore", "DICOM C-STORE"
        DOWNLOAD = "download", "Download"

    class Object(models.TextChoices):
        RTSTRUCT = "rtstruct", "RTSTRUCT"
        SEG = "seg", "SEG"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="exports")
    destination = models.ForeignKey(
        ExportDestination, null=True, blank=True, on_delete=models.PROTECT, related_name="exports"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    object = models.CharField(max_length=8, choices=Object.choices)
    sop_instance_uid = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    # The C-STORE response status (PS3.4 B.2.3); null until the destination answered.
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="cstore", destination__isnull=False)
                | models.Q(kind="download", destination__isnull=True),
                name="export_destination_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of revision {self.revision_id} ({self.kind}, {self.state})"
