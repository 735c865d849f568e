"""Patient, study and series rows for arriving objects, looked up once per batch.

Conflicts are checked before anything is created, so a refused object never leaves an empty
patient or study behind: a series must stay in its study, a study with its patient.
"""

from django.db.models import F
from pydicom.dataset import Dataset

from assist_web.archive.models import Patient, Series, Study
from assist_web.archive.parsing import DicomRejected, RefusalKind


def _text(ds: Dataset, keyword: str, length: int) -> str:
    return str(ds.get(keyword, "") or "")[:length]


def _series_number(ds: Dataset) -> int | None:
    try:
        return int(ds.get("SeriesNumber"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _conflict(ds: Dataset, reason: str) -> DicomRejected:
    return DicomRejected(
        reason,
        kind=RefusalKind.CONFLICT,
        sop_class_uid=str(ds.SOPClassUID),
        sop_instance_uid=str(ds.SOPInstanceUID),
    )


class SeriesIndex:
    """Finds or creates the series row of each dataset; remembers them for the batch."""

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}

    def series_for(self, ds: Dataset) -> Series:
        uid = str(ds.SeriesInstanceUID)
        series = self._series.get(uid)
        if series is None:
            series = self._find_or_create(ds)
            self._series[uid] = series
        self._check(ds, series)
        return series

    def _check(self, ds: Dataset, series: Series) -> None:
        study = series.study
        if study.study_instance_uid != ds.StudyInstanceUID:
            raise _conflict(ds, "This Series Instance UID is already stored in a different study.")
        patient = study.patient
        if (patient.patient_id, patient.issuer) != (
            _text(ds, "PatientID", 64),
            _text(ds, "IssuerOfPatientID", 64),
        ):
            raise _conflict(
                ds, "This Study Instance UID is already stored for a different patient."
            )

    def _find_or_create(self, ds: Dataset) -> Series:
        series = (
            Series.objects.select_related("study__patient")
            .filter(series_instance_uid=ds.SeriesInstanceUID)
            .first()
        )
        if series is not None:
            return series
        study = self._study(ds)
        series, created = Series.objects.select_related("study__patient").get_or_create(
            series_instance_uid=ds.SeriesInstanceUID,
            defaults={
                "study": study,
                "modality": _text(ds, "Modality", 16),
                "series_number": _series_number(ds),
                "description": _text(ds, "SeriesDescription", 64),
                "body_part": _text(ds, "BodyPartExamined", 16),
                "frame_of_reference_uid": _text(ds, "FrameOfReferenceUID", 64),
            },
        )
        if created:
            series.study = study
            modalities = sorted(
                set(study.series.exclude(modality="").values_list("modality", flat=True))
            )
            Study.objects.filter(pk=study.pk).update(
                num_series=F("num_series") + 1, modalities="\\".join(modalities)
            )
        return series

    def _study(self, ds: Dataset) -> Study:
        study = (
            Study.objects.select_related("patient")
            .filter(study_instance_uid=ds.StudyInstanceUID)
            .first()
        )
        if study is not None:
            return study
        patient, _ = Patient.objects.get_or_create(
            patient_id=_text(ds, "PatientID", 64),
            issuer=_text(ds, "IssuerOfPatientID", 64),
            defaults={
                "name": _text(ds, "PatientName", 324),
                "birth_date": _text(ds, "PatientBirthDate", 8),
                "sex": _text(ds, "PatientSex", 16),
            },
        )
        study, _ = Study.objects.select_related("patient").get_or_create(
            study_instance_uid=ds.StudyInstanceUID,
            defaults={
                "patient": patient,
                "study_date": _text(ds, "StudyDate", 8),
                "study_time": _text(ds, "StudyTime", 16),
                "accession_number": _text(ds, "AccessionNumber", 16),
                "study_id": _text(ds, "StudyID", 16),
                "description": _text(ds, "StudyDescription", 64),
                "referring_physician": _text(ds, "ReferringPhysicianName", 324),
            },
        )
        return study
