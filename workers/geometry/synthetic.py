"""Synthetic single-frame MR series with exactly known geometry.

For tests and benchmarks of the geometry code and the DICOM writers: every header attribute the
writers copy is present, and positions follow from the arguments alone.
"""

from collections.abc import Sequence

import numpy as np
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    MRImageStorage,
)
from pydicom.uid import generate_uid as _generate_uid


def _ds(value: float) -> str:
    # DS holds at most 16 characters; 6 decimals keep micrometre precision for any body size.
    return f"{value:.6f}".rstrip("0").rstrip(".")


def series_build(
    pixels: np.ndarray,
    *,
    spacing: Sequence[float] = (2.5, 1.0, 1.0),
    origin: Sequence[float] = (-31.5, -40.25, 12.75),
    row_dir: Sequence[float] = (1.0, 0.0, 0.0),
    col_dir: Sequence[float] = (0.0, 1.0, 0.0),
    frame_of_reference_uid: str | None = None,
    study_instance_uid: str | None = None,
    positions: Sequence[Sequence[float]] | None = None,
) -> list[Dataset]:
    """Return one dataset per slice of ``pixels`` (uint16, indexed slice, row, column).

    Slice ``k`` lies at ``origin + k * spacing[0] * (row_dir x col_dir)`` unless ``positions``
    gives every slice's ImagePositionPatient (to build broken series on purpose).
    """
    row = np.asarray(row_dir, dtype=float)
    col = np.asarray(col_dir, dtype=float)
    normal = np.cross(row, col)
    frame_uid = frame_of_reference_uid or _generate_uid()
    study_uid = study_instance_uid or _generate_uid()
    series_uid = _generate_uid()
    if positions is None:
        positions = [tuple(np.asarray(origin) + k * spacing[0] * normal)
                     for k in range(len(pixels))]
    datasets = []
    for k, plane in enumerate(np.asarray(pixels, dtype=np.uint16)):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.SOPClassUID = MRImageStorage
        ds.SOPInstanceUID = _generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientName = "Phantom^Geometry"
        ds.PatientID = "GEOM-001"
        ds.PatientBirthDate = "19700101"
        ds.PatientSex = "O"
        ds.StudyInstanceUID = study_uid
        ds.StudyDate = "20260101"
        ds.StudyTime = "120000"
        ds.StudyID = "1"
        ds.AccessionNumber = "ACC-GEOM"
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = "Brain MRI"
        ds.Modality = "MR"
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = 5
        ds.SeriesDescription = "T1 post contrast"
        ds.Manufacturer = "ASSIST synthetic"
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [_ds(v) for v in positions[k]]
        ds.ImageOrientationPatient = [_ds(v) for v in (*row, *col)]
        ds.PixelSpacing = [_ds(spacing[1]), _ds(spacing[2])]
        ds.SliceThickness = _ds(spacing[0])
        ds.ScanningSequence = "GR"
        ds.SequenceVariant = "SP"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "3D"
        ds.EchoTime = "2.5"
        ds.RepetitionTime = "8.0"
        ds.EchoTrainLength = 1
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = int(plane.shape[0]), int(plane.shape[1])
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.PixelData = np.ascontiguousarray(plane).tobytes()
        datasets.append(ds)
    return datasets

