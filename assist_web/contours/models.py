"""Structure sets and their revisions. A revision is never changed: an edit makes a new one.

The contours themselves are DICOM objects in the archive (a SEG and an RTSTRUCT of the same
study); a revision points at them by SOP Instance UID and keeps the per-structure summary.
"""

from django.conf import settings
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
