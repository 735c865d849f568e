"""The one way an object enters the archive, whatever path it came by.

Browser upload, STOW-RS, C-STORE and PACS pulls all call ``instance_ingest``. The SOP Instance
UID is an object's identity: an identical second copy is a no-op, a different object under a
UID already stored is refused. A refused object leaves nothing behind, neither a file nor a row.
"""

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydicom.dataset import Dataset

from assist_web.archive.deidentify import dataset_deidentify
from assist_web.archive.dicomjson import instance_json
from assist_web.archive.models import Instance, Patient, Series, SiteSettings, Study
from assist_web.archive.parsing import DicomRejected, parse_part10
from assist_web.archive.store import file_store

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    reason: str = ""
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.REFUSED


def instance_ingest(*, data: bytes, expected_study_uid: str | None = None) -> IngestResult:
    try:
        parsed = parse_part10(data)
        ds = parsed.dataset
        if SiteSettings.current().deidentify_on_ingest:
            data = dataset_deidentify(ds)
        if expected_study_uid and ds.StudyInstanceUID != expected_study_uid:
            raise DicomRejected(
                "The object belongs to another study than the one in the request URL.",
                sop_class_uid=str(ds.SOPClassUID),
                sop_instance_uid=str(ds.SOPInstanceUID),
            )
        return _store(ds, data, parsed.transfer_syntax_uid)
    except DicomRejected as refusal:
        return IngestResult(
            outcome=Outcome.REFUSED,
            reason=refusal.reason,
            sop_class_uid=refusal.sop_class_uid,
            sop_instance_uid=refusal.sop_instance_uid,
        )


def _result(outcome: Outcome, ds: Dataset, reason: str = "") -> IngestResult:
    return IngestResult(
        outcome=outcome,
        reason=reason,
        sop_class_uid=str(ds.SOPClassUID),
        sop_instance_uid=str(ds.SOPInstanceUID),
        study_instance_uid=str(ds.StudyInstanceUID),
        series_instance_uid=str(ds.SeriesInstanceUID),
    )


def _existing(ds: Dataset, sha256: str) -> IngestResult | None:
    stored = Instance.objects.filter(sop_instance_uid=ds.SOPInstanceUID).only("sha256").first()
    if stored is None:
        return None
    if stored.sha256 == sha256:
        return _result(Outcome.DUPLICATE, ds, "Already stored; identical copy ignored.")
    raise DicomRejected(
        "A different object with this SOP Instance UID is already stored; the archive keeps "
        "the first one. Give a corrected object a new SOP Instance UID.",
        sop_class_uid=str(ds.SOPClassUID),
        sop_instance_uid=str(ds.SOPInstanceUID),
    )


def _store(ds: Dataset, data: bytes, transfer_syntax_uid: str) -> IngestResult:
    sha256 = hashlib.sha256(data).hexdigest()
    known = _existing(ds, sha256)
    if known is not None:
        return known
    store = file_store()
    relative = store.relative_path(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    metadata = instance_json(ds, transfer_syntax_uid=transfer_syntax_uid)
    temporary = store.write_temporary(data)
    try:
        with transaction.atomic():
            series = _index_series(ds)
            Instance.objects.create(
                sop_instance_uid=ds.SOPInstanceUID,
                series=series,
                sop_class_uid=ds.SOPClassUID,
                instance_number=_int_or_none(ds.get("InstanceNumber")),
                transfer_syntax_uid=transfer_syntax_uid,
                rows=_int_or_none(ds.get("Rows")),
                columns=_int_or_none(ds.get("Columns")),
                number_of_frames=_int_or_none(ds.get("NumberOfFrames")) or 1,
                path=relative,
                size=len(data),
                sha256=sha256,
                metadata=metadata,
            )
            Series.objects.filter(pk=series.pk).update(num_instances=F("num_instances") + 1)
            Study.objects.filter(pk=series.study_id).update(
                num_instances=F("num_instances") + 1, last_received_at=timezone.now()
            )
            store.promote(temporary, relative)
    except IntegrityError:
        # Another request stored the same SOP Instance UID between our check and our insert.
        temporary.unlink(missing_ok=True)
        known = _existing(ds, sha256)
        if known is None:
            raise
        return known
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return _result(Outcome.STORED, ds)


def _index_series(ds: Dataset) -> Series:
    patient, _ = Patient.objects.get_or_create(
        patient_id=str(ds.get("PatientID", "") or "")[:64],
        issuer=str(ds.get("IssuerOfPatientID", "") or "")[:64],
        defaults={
            "name": str(ds.get("PatientName", "") or "")[:324],
            "birth_date": str(ds.get("PatientBirthDate", "") or "")[:8],
            "sex": str(ds.get("PatientSex", "") or "")[:16],
        },
    )
    study, _ = Study.objects.get_or_create(
        study_instance_uid=ds.StudyInstanceUID,
        defaults={
            "patient": patient,
            "study_date": str(ds.get("StudyDate", "") or "")[:8],
            "study_time": str(ds.get("StudyTime", "") or "")[:16],
            "accession_number": str(ds.get("AccessionNumber", "") or "")[:16],
            "study_id": str(ds.get("StudyID", "") or "")[:16],
            "description": str(ds.get("StudyDescription", "") or "")[:64],
            "referring_physician": str(ds.get("ReferringPhysicianName", "") or "")[:324],
        },
    )
    if study.patient_id != patient.pk:
        raise DicomRejected(
            "This Study Instance UID is already stored for a different patient.",
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        )
    series, created = Series.objects.get_or_create(
        series_instance_uid=ds.SeriesInstanceUID,
        defaults={
            "study": study,
            "modality": str(ds.get("Modality", "") or "")[:16],
            "series_number": _int_or_none(ds.get("SeriesNumber")),
            "description": str(ds.get("SeriesDescription", "") or "")[:64],
            "body_part": str(ds.get("BodyPartExamined", "") or "")[:16],
            "frame_of_reference_uid": str(ds.get("FrameOfReferenceUID", "") or "")[:64],
        },
    )
    if series.study_id != study.pk:
        raise DicomRejected(
            "This Series Instance UID is already stored in a different study.",
            sop_class_uid=str(ds.SOPClassUID),
            sop_instance_uid=str(ds.SOPInstanceUID),
        )
    if created:
        modalities = sorted(
            set(study.series.exclude(modality="").values_list("modality", flat=True))
        )
        Study.objects.filter(pk=study.pk).update(
            num_series=F("num_series") + 1, modalities="\\".join(modalities)
        )
    return series


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
