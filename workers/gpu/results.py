"""The structures of one study as DICOM SEG and RTSTRUCT on the T1c images."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset

from workers.dicom_out import Algorithm, rtstruct_write, seg_write
from workers.gpu.uids import ResultUids


@dataclass(frozen=True, eq=False)
class StudyResult:
    seg: Dataset
    rtstruct: Dataset
    volumes_ml: dict[str, float]  # by structure, in SEG/RTSTRUCT order


def results_write(*, reference: Sequence[Dataset], masks: Mapping[str, np.ndarray],
                  algorithm: Algorithm, uids: ResultUids,
                  volumes_ml: dict[str, float]) -> StudyResult:
    seg = seg_write(reference=reference, masks=masks, algorithm=algorithm,
                    series_instance_uid=uids.seg_series, sop_instance_uid=uids.seg_sop)
    rtstruct = rtstruct_write(reference=reference, masks=masks, algorithm=algorithm,
                              series_instance_uid=uids.rtstruct_series,
                              sop_instance_uid=uids.rtstruct_sop)
    return StudyResult(seg=seg, rtstruct=rtstruct, volumes_ml=volumes_ml)


def object_reference(ds: Dataset) -> dict[str, str]:
    """The identifiers /complete/ reports for a stored object."""
    return {"study_instance_uid": str(ds.StudyInstanceUID),
            "series_instance_uid": str(ds.SeriesInstanceUID),
            "sop_instance_uid": str(ds.SOPInstanceUID)}
