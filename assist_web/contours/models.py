"""Structure sets and their revisions. A revision is never changed: an edit makes a new one.

The contours themselves are DICOM objects in the archive (a SEG and an RTSTRUCT of the same
study); a revision points at them by SOP Instance UID and keeps the per-structure summary.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class StructureSet(models.Model):
    """The proposal for one study and every revision made from it.

    ``editor`` is the physician who has the set open for editing, refreshed by the viewer's
    heartbeat (``editing_since``); others see who it is. It is a notice, not a lock: saving on
    a parent that is no longer the newest revision is what gets refused.
    """

    study = models.ForeignKey(
        "archive.Study", on_delete=models.CASCADE, related_name="structure_sets"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    editing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"structure set {self.pk} of {self.study_id}"


class Revision(models.Model):
    class Source(models.TextChoices):
        AI = "ai", "AI model"
        HUMAN = "human", "Person"

    class State(models.TextChoices):
        # A person's revision is recorded at once; the default worker then writes its SEG
        # and RTSTRUCT into the archive. AI revisions are created with their objects stored.
        WRITING = "writing", "Writing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

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
    # [{"name": "GTV", "volume_ml": 12.3, "decision": "edited"}, ...] as the producer measured
    # them; a person's revision records per structure "accepted", "rejected" or "edited".
    structures = models.JSONField(default=list)
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.READY, db_index=True
    )
    error = models.TextField(blank=True)
    # When a default worker took on writing the SEG and RTSTRUCT; a claim this old belongs to
    # a worker that died, and the redelivered task may take it over.
    write_claimed_at = models.DateTimeField(null=True, blank=True)

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


class Approval(models.Model):
    """A physician's sign-off of one revision; the revision and its objects never change after.

    ``rtstruct_sop_instance_uid`` is the approved RTSTRUCT written at sign-off: the revision's
    contours with Approval Status APPROVED, the reviewer and the time (PS3.3 C.8.8.16). It is
    what goes to the planning system.
    """

    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="approval")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    rtstruct_sop_instance_uid = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"approval of revision {self.revision_id}"


class StructureMetrics(models.Model):
    """One structure of an approved revision measured against the AI revision it came from."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="metrics")
    ai_revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    model_version = models.ForeignKey(
        "inference.ModelVersion", on_delete=models.PROTECT, related_name="structure_metrics"
    )
    structure = models.CharField(max_length=64)
    dice = models.FloatField()
    hd95_mm = models.FloatField(null=True, blank=True)  # None when one mask is empty
    surface_dice = models.FloatField()
    apl_mm = models.FloatField()
    volume_ai_ml = models.FloatField()
    volume_approved_ml = models.FloatField()
    volume_change_ml = models.FloatField()
    volume_change_pct = models.FloatField(null=True, blank=True)  # None from an empty AI mask

    class Meta:
        ordering = ["approval", "structure"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "structure"], name="metrics_structure_per_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} of approval {self.approval_id}"


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
