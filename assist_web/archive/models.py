"""The DICOM index. Files on disk are the record; these rows are what lists and queries need."""

from django.db import models


class Patient(models.Model):
    patient_id = models.CharField(max_length=64, db_index=True)
    issuer = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=324, blank=True, db_index=True)
    birth_date = models.CharField(max_length=8, blank=True)
    sex = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient_id", "issuer"], name="patient_identity")
        ]

    def __str__(self) -> str:
        return self.patient_id


class Study(models.Model):
    study_instance_uid = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="studies")
    study_date = models.CharField(max_length=8, blank=True, db_index=True)
    study_time = models.CharField(max_length=16, blank=True)
    accession_number = models.CharField(max_length=16, blank=True, db_index=True)
    study_id = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=64, blank=True)
    referring_physician = models.CharField(max_length=324, blank=True)
    modalities = models.CharField(max_length=200, blank=True)  # backslash-joined, sorted
    num_series = models.PositiveIntegerField(default=0)
    num_instances = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on every stored instance: later work waits for a study to go quiet.
    last_received_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-last_received_at"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.study_instance_uid


class Series(models.Model):
    series_instance_uid = models.CharField(max_length=64, unique=True)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    modality = models.CharField(max_length=16, blank=True, db_index=True)
    series_number = models.IntegerField(null=True, blank=True)
    description = models.CharField(max_length=64, blank=True)
    body_part = models.CharField(max_length=16, blank=True)
    frame_of_reference_uid = models.CharField(max_length=64, blank=True)
    num_instances = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["series_number", "id"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.series_instance_uid


class Instance(models.Model):
    sop_instance_uid = models.CharField(max_length=64, unique=True)
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="instances")
    sop_class_uid = models.CharField(max_length=64)
    instance_number = models.IntegerField(null=True, blank=True)
    transfer_syntax_uid = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(null=True, blank=True)
    columns = models.PositiveIntegerField(null=True, blank=True)
    number_of_frames = models.PositiveIntegerField(default=1)
    path = models.CharField(max_length=300)  # relative to the store root
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # This instance's DICOM JSON (PS3.18 F.2) without bulk data, built once at ingest so that
    # WADO-RS metadata is a concatenation, never a re-read of the files.
    metadata = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instance_number", "id"]

    def __str__(self) -> str:
        return self.sop_instance_uid


class SiteSettings(models.Model):
    """The one row of archive settings a site admin edits in the admin."""

    deidentify_on_ingest = models.BooleanField(
        default=False,
        help_text="Apply the PS3.15 Annex E basic profile to every object as it arrives: "
        "identifying attributes removed or replaced, UIDs remapped consistently, dates "
        "shifted per patient.",
    )

    class Meta:
        verbose_name = "archive settings"
        verbose_name_plural = "archive settings"

    def __str__(self) -> str:
        return "Archive settings"

    @classmethod
    def current(cls) -> "SiteSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
