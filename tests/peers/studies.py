"""Studies made on the fly and put into a peer, with what was sent kept for comparison."""

from dataclasses import dataclass, field

from pydicom.uid import generate_uid

from tests.dicom_files import mr_slice, to_bytes
from tests.peers.orthanc import OrthancPeer


@dataclass(frozen=True)
class SentStudy:
    study_uid: str
    patient_id: str
    # SOP Instance UID -> the Part 10 file as uploaded.
    files: dict[str, bytes] = field(default_factory=dict)
    # SOP Instance UID -> Orthanc's own ID for that instance.
    orthanc_ids: dict[str, str] = field(default_factory=dict)


def orthanc_study_upload(
    peer: OrthancPeer,
    *,
    instances: int = 4,
    series: int = 1,
    patient_id: str = "PAT-001",
    study_date: str = "20240615",
) -> SentStudy:
    """Upload one MR study of ``instances`` slices in each of ``series`` series."""
    study = SentStudy(study_uid=generate_uid(), patient_id=patient_id)
    for s in range(series):
        series_uid = generate_uid()
        for n in range(1, instances + 1):
            ds = mr_slice(
                study_uid=study.study_uid,
                series_uid=series_uid,
                patient_id=patient_id,
                instance_number=n,
                seed=100 * s + n,
            )
            ds.StudyDate = study_date
            ds.SeriesNumber = s + 1
            data = to_bytes(ds)
            study.orthanc_ids[str(ds.SOPInstanceUID)] = peer.upload(data)
            study.files[str(ds.SOPInstanceUID)] = data
    return study
