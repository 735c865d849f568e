"""RT Structure Set (PS3.3 A.19) written with pydicom: highdicom has no RTSTRUCT writer."""

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, generate_uid

from workers.dicom_out.contour_data import contour_data_element
from workers.dicom_out.reference import patient_study_copy, reference_sort
from workers.dicom_out.structures import Algorithm, StructureSpec, structure_specs
from workers.dicom_out.tracing import volume_polygons
from workers.geometry import SortedSeries

RT_STRUCTURE_SET_STORAGE = UID("1.2.840.10008.5.1.4.1.1.481.3")
# RT Referenced Study Sequence > Referenced SOP Class UID: the (retired) Detached Study
# Management SOP Class is the value treatment planning systems write and expect here.
_DETACHED_STUDY_MANAGEMENT = "1.2.840.10008.3.1.2.3.1"
MANUFACTURER = "ASSIST"
_APPROVALS = ("APPROVED", "UNAPPROVED", "REJECTED")


def rtstruct_write(
    *,
    reference: Sequence[Dataset],
    masks: Mapping[str, np.ndarray],
    algorithm: Algorithm,
    label: str = "ASSIST AI",
    series_description: str = "ASSIST AI contours",
    series_number: int = 902,
    structures: dict[str, StructureSpec] | None = None,
    approval: str = "UNAPPROVED",
    reviewer_name: str = "",
    when: datetime | None = None,
    series_instance_uid: str | None = None,
    sop_instance_uid: str | None = None,
) -> Dataset:
    """An RTSTRUCT with one ROI per mask (ROI numbers 1, 2, ... in the order of ``masks``).

    Every slice's mask becomes CLOSED_PLANAR contours in LPS mm on that image's plane,
    referencing that image; holes become inner contours (see ``contours``). ``approval`` is
    the Approval Module status; APPROVED and REJECTED need the ``reviewer_name``.
    """
    if approval not in _APPROVALS:
        raise ValueError(f"Approval status must be one of {', '.join(_APPROVALS)}.")
    if approval != "UNAPPROVED" and not reviewer_name:
        raise ValueError(f"A structure set {approval.lower()} needs the reviewer's name.")
    series = reference_sort(reference, masks)
    specs = structure_specs(list(masks), structures)
    when = when or datetime.now()
    date, time = when.strftime("%Y%m%d"), when.strftime("%H%M%S")
    first = series.datasets[0]
    sop_uid = sop_instance_uid or generate_uid()

    ds = Dataset()
    ds.file_meta = _file_meta(sop_uid)
    patient_study_copy(first, ds)
    # SOP Common, RT Series, General Equipment
    ds.SOPClassUID = RT_STRUCTURE_SET_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate, ds.InstanceCreationTime = date, time
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = series_instance_uid or generate_uid()
    ds.SeriesNumber = series_number
    ds.SeriesDate, ds.SeriesTime = date, time
    ds.SeriesDescription = series_description
    ds.OperatorsName = ""
    ds.Manufacturer = MANUFACTURER
    ds.ManufacturerModelName = algorithm.name[:64]
    ds.SoftwareVersions = algorithm.version
    # Frame of Reference: part of the RT Structure Set IOD in current editions (dciodvfy
    # requires it); older readers ignore it.
    ds.FrameOfReferenceUID = series.frame_of_reference_uid
    ds.PositionReferenceIndicator = first.get("PositionReferenceIndicator", "")
    # Structure Set
    ds.StructureSetLabel = label[:16]
    ds.StructureSetName = label[:64]
    ds.StructureSetDescription = f"{algorithm.name} {algorithm.version}"[:1024]
    ds.InstanceNumber = 1
    ds.StructureSetDate, ds.StructureSetTime = date, time
    ds.ReferencedFrameOfReferenceSequence = [_referenced_frame(series)]
    ds.StructureSetROISequence = [
        _structure_set_roi(number, spec, series, algorithm)
        for number, spec in enumerate(specs, start=1)
    ]
    # Each slice's own position anchors its contours, so every point lies exactly in the
    # plane of the image it references.
    origins = np.array([[float(v) for v in ds.ImagePositionPatient] for ds in series.datasets])
    ds.ROIContourSequence = [
        _roi_contour(number, spec, np.asarray(masks[spec.name], dtype=bool), series, origins)
        for number, spec in enumerate(specs, start=1)
    ]
    ds.RTROIObservationsSequence = [
        _observation(number, spec) for number, spec in enumerate(specs, start=1)
    ]
    # Approval
    ds.ApprovalStatus = approval
    if approval != "UNAPPROVED":
        ds.ReviewDate, ds.ReviewTime, ds.ReviewerName = date, time, reviewer_name
    return ds


def _file_meta(sop_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = RT_STRUCTURE_SET_STORAGE
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def _image_reference(image: Dataset) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = image.SOPClassUID
    item.ReferencedSOPInstanceUID = image.SOPInstanceUID
    return item


def _referenced_frame(series: SortedSeries) -> Dataset:
    first = series.datasets[0]
    referenced_series = Dataset()
    referenced_series.SeriesInstanceUID = first.SeriesInstanceUID
    referenced_series.ContourImageSequence = [_image_reference(ds) for ds in series.datasets]
    study = Dataset()
    study.ReferencedSOPClassUID = _DETACHED_STUDY_MANAGEMENT
    study.ReferencedSOPInstanceUID = first.StudyInstanceUID
    study.RTReferencedSeriesSequence = [referenced_series]
    frame = Dataset()
    frame.FrameOfReferenceUID = series.frame_of_reference_uid
    frame.RTReferencedStudySequence = [study]
    return frame


def _structure_set_roi(number: int, spec: StructureSpec, series: SortedSeries,
                       algorithm: Algorithm) -> Dataset:
    item = Dataset()
    item.ROINumber = number
    item.ReferencedFrameOfReferenceUID = series.frame_of_reference_uid
    item.ROIName = spec.name
    item.ROIGenerationAlgorithm = "AUTOMATIC"
    item.ROIGenerationDescription = f"{algorithm.name} {algorithm.version}"[:64]
    return item


def _roi_contour(number: int, spec: StructureSpec, mask: np.ndarray, series: SortedSeries,
                 origins: np.ndarray) -> Dataset:
    item = Dataset()
    item.ReferencedROINumber = number
    item.ROIDisplayColor = list(spec.colour)
    steps = series.affine[:3, 1:3].T  # a row's and a column's step, in mm
    contours: list[Dataset] = []
    for k, polygon in volume_polygons(mask):
        image = series.datasets[k]
        contour = Dataset()
        contour.ContourImageSequence = [_image_reference(image)]
        contour.ContourGeometricType = "CLOSED_PLANAR"
        contour.NumberOfContourPoints = len(polygon)
        contour.ContourNumber = len(contours) + 1
        contour_data_element(contour, origins[k] + polygon @ steps)
        contours.append(contour)
    if contours:  # Contour Sequence is Type 3: an empty structure simply has none
        item.ContourSequence = DicomSequence(contours)
    return item


def _observation(number: int, spec: StructureSpec) -> Dataset:
    item = Dataset()
    item.ObservationNumber = number
    item.ReferencedROINumber = number
    item.ROIObservationLabel = spec.name[:16]
    item.RTROIInterpretedType = spec.interpreted_type
    item.ROIInterpreter = ""  # no person interpreted an AI proposal
    return item
