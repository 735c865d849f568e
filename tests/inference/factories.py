"""Bundles, phantom studies in the archive, and the SEG and RTSTRUCT a worker would store."""

import io
import json
import zipfile
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ExplicitVRLittleEndian,
    RTStructureSetStorage,
    SegmentationStorage,
    generate_uid,
)

from assist_web.archive.ingest import Outcome, instances_ingest
from assist_web.archive.models import Study
from assist_web.inference.leases import DicomRef
from tests.dicom_files import to_bytes
from workers.phantoms import PhantomFiles, Sequence

METADATA = {
    "name": "assist_glioma",
    "version": "0.1.0",
    "metrics": {"dice_gtv": 0.93, "dice_edema": 0.91},
}
# Enough images per series to count as a diagnostic series
# (workers.sequences.classification._MIN_IMAGES).
IMAGES_PER_SERIES = 5


def bundle_bytes(
    *,
    root: str = "",
    metadata: dict | None = None,
    omit: tuple[str, ...] = (),
    extra: dict[str, bytes] | None = None,
) -> bytes:
    members = {
        "configs/metadata.json": json.dumps(metadata or METADATA).encode(),
        "configs/inference.json": json.dumps({"network_def": {"_target_": "SegResNet"}}).encode(),
        "models/model.pt": b"\x80\x02weights" * 64,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name not in omit:
                archive.writestr(root + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def study_ingest(
    files: PhantomFiles,
    *,
    sequences: tuple[Sequence, ...] = tuple(Sequence),
    images: int = IMAGES_PER_SERIES,
) -> Study:
    """The first few images of each chosen series of a phantom study, in the archive."""
    items = [path.read_bytes() for seq in sequences for path in files.series[seq][:images]]
    results = instances_ingest(items=items)
    assert {r.outcome for r in results} == {Outcome.STORED}, [r.reason for r in results]
    return Study.objects.get(study_instance_uid=results[0].study_instance_uid)


def _object(study: Study, sop_class: str, modality: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = study.study_instance_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = study.patient.patient_id
    ds.Modality = modality
    ds.SeriesNumber = 901
    return ds


def results_store(study: Study) -> tuple[DicomRef, DicomRef]:
    """A SEG and an RTSTRUCT in the study, as a worker's STOW-RS leaves them."""
    seg = _object(study, SegmentationStorage, "SEG")
    rtstruct = _object(study, RTStructureSetStorage, "RTSTRUCT")
    results = instances_ingest(items=[to_bytes(seg), to_bytes(rtstruct)])
    assert {r.outcome for r in results} == {Outcome.STORED}, [r.reason for r in results]
    return tuple(  # type: ignore[return-value]
        DicomRef(
            study_instance_uid=ds.StudyInstanceUID,
            series_instance_uid=ds.SeriesInstanceUID,
            sop_instance_uid=ds.SOPInstanceUID,
        )
        for ds in (seg, rtstruct)
    )


def write_bundle(folder: Path, data: bytes) -> Path:
    path = folder / "bundle.zip"
    path.write_bytes(data)
    return path
