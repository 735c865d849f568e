"""Index rows for worklist, review-state and metrics tests, made with the models directly.

No DICOM files: the worklist reads the index only (study, series, the first instance's DICOM
JSON), and review states come from structure sets, revisions, approvals and exports.
"""

import json
import uuid
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.archive.models import Instance, Patient, Series, Study
from assist_web.contours.models import (
    Approval,
    Export,
    ExportDestination,
    Revision,
    StructureMetrics,
    StructureSet,
)
from assist_web.inference.models import Job, ModelVersion


def uid() -> str:
    return f"2.25.{uuid.uuid4().int}"


def study_make(*, name: str, patient_id: str, study_date: str = "20260312") -> Study:
    patient, _ = Patient.objects.get_or_create(patient_id=patient_id, defaults={"name": name})
    return Study.objects.create(
        study_instance_uid=uid(), patient=patient, study_date=study_date, modalities="MR"
    )


# DICOM JSON of a representative image per sequence: names and timing the identifier reads.
_SEQUENCE_HEADERS: dict[str, dict[str, object]] = {
    "T1": {"SeriesDescription": "AX T1 SE", "RepetitionTime": 550, "EchoTime": 12},
    "T1c": {
        "SeriesDescription": "AX T1 SE +C",
        "RepetitionTime": 550,
        "EchoTime": 12,
        "ContrastBolusAgent": "Gadobutrol",
    },  # fmt: skip
    "T2": {"SeriesDescription": "AX T2 TSE", "RepetitionTime": 4500, "EchoTime": 100},
    "FLAIR": {
        "SeriesDescription": "AX T2 FLAIR",
        "RepetitionTime": 9000,
        "EchoTime": 120,
        "InversionTime": 2500,
        "ScanningSequence": "IR",
    },  # fmt: skip
}
_TAGS = {
    "SeriesInstanceUID": ("0020000E", "UI"), "Modality": ("00080060", "CS"),
    "SeriesDescription": ("0008103E", "LO"), "RepetitionTime": ("00180080", "DS"),
    "EchoTime": ("00180081", "DS"), "InversionTime": ("00180082", "DS"),
    "ScanningSequence": ("00180020", "CS"), "ContrastBolusAgent": ("00180010", "LO"),
}  # fmt: skip


def mr_series_add(study: Study, sequence: str, *, images: int = 5) -> Series:
    """An MR series of ``images`` index rows that identification takes for ``sequence``."""
    series = Series.objects.create(
        series_instance_uid=uid(), study=study, modality="MR", num_instances=images,
        description=str(_SEQUENCE_HEADERS[sequence]["SeriesDescription"]),
    )  # fmt: skip
    header = {"SeriesInstanceUID": series.series_instance_uid, "Modality": "MR"}
    header |= _SEQUENCE_HEADERS[sequence]
    body = {_TAGS[k][0]: {"vr": _TAGS[k][1], "Value": [v]} for k, v in header.items()}
    Instance.objects.bulk_create(
        Instance(
            sop_instance_uid=uid(),
            series=series,
            sop_class_uid="1.2.840.10008.5.1.4.1.1.4",
            instance_number=n,
            transfer_syntax_uid="1.2.840.10008.1.2.1",
            path=f"x/{n}",
            size=1,
            sha256="0" * 64,
            metadata=json.dumps(body),
        )  # fmt: skip
        for n in range(1, images + 1)
    )
    Study.objects.filter(pk=study.pk).update(  # as ingest counts them
        num_series=F("num_series") + 1, num_instances=F("num_instances") + images
    )
    return series


def model_version_make(version: str = "0.1.0", *, status: str = "candidate") -> ModelVersion:
    return ModelVersion.objects.create(
        name="assist_glioma", version=version, sha256=uuid.uuid4().hex * 2, status=status
    )


def job_make(
    study: Study, model_version: ModelVersion, *, state: str = "succeeded", percent: int = 100,
    stage: str = "", error: str = "",
) -> Job:  # fmt: skip
    return Job.objects.create(
        study=study, model_version=model_version, state=state, percent=percent, stage=stage,
        error=error, ctv_margin_mm=15.0, ptv_margin_mm=3.0,
    )  # fmt: skip


def ai_revision_make(study: Study, model_version: ModelVersion) -> Revision:
    """Revision 1 of a new structure set, as a finished job leaves it."""
    job = job_make(study, model_version)
    return Revision.objects.create(
        structure_set=StructureSet.objects.create(study=study), number=1,
        source=Revision.Source.AI, model_version=model_version, job=job,
    )  # fmt: skip


def human_revision_make(parent: Revision, author: User, *, state: str = "ready") -> Revision:
    return Revision.objects.create(
        structure_set=parent.structure_set, number=parent.number + 1, parent=parent,
        source=Revision.Source.HUMAN, author=author, state=state,
    )  # fmt: skip


def approval_make(revision: Revision, by: User, *, at: datetime | None = None) -> Approval:
    return Approval.objects.create(
        revision=revision, approved_by=by, approved_at=at or timezone.now(),
        rtstruct_sop_instance_uid=uid(),
    )  # fmt: skip


def export_make(revision: Revision, *, state: str, kind: str = "cstore") -> Export:
    """An export of the revision's RTSTRUCT: sent to the planning system, or downloaded."""
    destination = None
    if kind == Export.Kind.CSTORE:
        destination, _ = ExportDestination.objects.get_or_create(
            name="TPS", defaults={"ae_title": "TPS", "host": "127.0.0.1", "port": 11112}
        )
    return Export.objects.create(
        revision=revision, destination=destination, kind=kind,
        object=Export.Object.RTSTRUCT, sop_instance_uid=uid(), state=state,
    )  # fmt: skip


def editing_claim(revision: Revision, editor: User, *, since: datetime) -> None:
    StructureSet.objects.filter(pk=revision.structure_set_id).update(
        editor=editor, editing_since=since
    )


def metrics_make(
    approval: Approval, ai_revision: Revision, structure: str, *, dice: float,
    hd95_mm: float | None = 1.0, surface_dice: float = 1.0, apl_mm: float = 0.0,
    volume_ai_ml: float = 10.0, volume_approved_ml: float = 10.0,
) -> StructureMetrics:  # fmt: skip
    change = volume_approved_ml - volume_ai_ml
    return StructureMetrics.objects.create(
        approval=approval, ai_revision=ai_revision, model_version=ai_revision.model_version,
        structure=structure, dice=dice, hd95_mm=hd95_mm, surface_dice=surface_dice,
        apl_mm=apl_mm, volume_ai_ml=volume_ai_ml, volume_approved_ml=volume_approved_ml,
        volume_change_ml=change,
        volume_change_pct=100.0 * change / volume_ai_ml if volume_ai_ml else None,
    )  # fmt: skip
