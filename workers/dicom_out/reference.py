"""What the SEG and RTSTRUCT writers take from the reference series."""

from collections.abc import Mapping, Sequence

import numpy as np
from pydicom import Dataset

from workers.geometry import SortedSeries, series_sort

# Patient and General Study module attributes a derived object repeats (PS3.3 C.7.1.1,
# C.7.2.1); Type 2 ones must be present even when empty.
_PATIENT_STUDY_TYPE2 = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
    "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
)
_PATIENT_STUDY_OPTIONAL = ("IssuerOfPatientID", "StudyDescription")


def reference_sort(reference: Sequence[Dataset],
                   masks: Mapping[str, np.ndarray]) -> SortedSeries:
    """Sort the reference series and check every mask lies on its grid."""
    series = series_sort(reference)
    for name, mask in masks.items():
        if mask.shape != series.shape:
            raise ValueError(f"Mask {name!r} has shape {mask.shape}; the reference series is "
                             f"{series.shape} (slices, rows, columns).")
    return series


def patient_study_copy(source: Dataset, target: Dataset) -> None:
    """Put ``target`` in the same patient and study as ``source``."""
    if "SpecificCharacterSet" in source:
        target.SpecificCharacterSet = source.SpecificCharacterSet
    for keyword in _PATIENT_STUDY_TYPE2:
        setattr(target, keyword, source.get(keyword, ""))
    for keyword in _PATIENT_STUDY_OPTIONAL:
        if source.get(keyword):
            setattr(target, keyword, source.get(keyword))
    target.StudyInstanceUID = source.StudyInstanceUID
