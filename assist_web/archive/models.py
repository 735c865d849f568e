"""The DICOM index. Files on disk are the record; these rows are what lists and queries need."""

from django.db import connection, models

from assist_web.archive.sql_names import column_name, table_name
from assist_web.sealed import SealedTextField


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


class DicomJsonField(models.TextField):
    """Text holding an instance's DICOM JSON.

    A placeholder of its own keeps PostgreSQL bulk inserts on plain VALUES rows: Django's
    UNNEST form would send the JSON inside a text[] literal, escaping every quote in Python,
    which cost more than parsing the DICOM file itself.
    """

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"


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
    metadata = DicomJsonField()
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
        "shifted per patient. For research and training sites: the worklist then shows "
        "pseudonyms, and a structure set sent to the planning system refers to de-identified "
        "images that it does not hold. Leave off where patients are contoured for treatment.",
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

    @classmethod
    def deidentifies_on_ingest(cls) -> bool:
        """``current().deidentify_on_ingest``, without creating the row.

        Read afresh for every batch of arriving objects, in every process, so that turning it
        on applies to the next object whichever process receives it; as one plain query,
        because the ORM's get_or_create took three times its CPU.
        """
        column, key = column_name(cls, "deidentify_on_ingest"), column_name(cls, "id")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table_name(cls)} WHERE {key} = 1"  # noqa: S608 - names from the model
            )
            row = cursor.fetchone()
        return bool(row and row[0])


class RemotePacs(models.Model):
    """A PACS this site may pull studies from over DICOMweb (QIDO-RS to find, WADO-RS to fetch)."""

    class AuthKind(models.TextChoices):
        NONE = "none", "None"
        BASIC = "basic", "HTTP basic (username and password)"
        TOKEN = "token", "Bearer token"

    name = models.CharField(max_length=64, unique=True)
    base_url = models.URLField(
        max_length=300,
        help_text="The DICOMweb root, e.g. https://pacs.example.org/dicom-web (without /studies).",
    )
    auth_kind = models.CharField(max_length=8, choices=AuthKind.choices, default=AuthKind.NONE)
    username = models.CharField(max_length=150, blank=True)
    # The worker must present it to the PACS as given, so it is sealed (assist_web/sealed.py)
    # rather than hashed. Never rendered back (admin, API).
    secret = SealedTextField("password or token", blank=True)
    verify_tls = models.BooleanField(
        "verify TLS certificate",
        default=True,
        help_text="Turn off only for a PACS on a closed network with a self-signed certificate.",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "remote PACS"
        verbose_name_plural = "remote PACS"

    def __str__(self) -> str:
        return self.name


class PacsPull(models.Model):
    """One request to copy studies from a remote PACS into the archive, and how it went."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    remote = models.ForeignKey(RemotePacs, on_delete=models.PROTECT, related_name="pulls")
    requested_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Either one study by UID, or the studies a QIDO query by patient and date range finds.
    study_instance_uid = models.CharField(max_length=64, blank=True)
    patient_id = models.CharField(max_length=64, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    num_studies = models.PositiveIntegerField(default=0)
    num_stored = models.PositiveIntegerField(default=0)
    num_duplicate = models.PositiveIntegerField(default=0)
    num_refused = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set with every instance fetched: a running pull silent for long lost its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(study_instance_uid="", patient_id=""),
                name="pacs_pull_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"pull {self.pk} from {self.remote_id} ({self.state})"
