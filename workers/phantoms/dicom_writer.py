"""Write one phantom series as classic MR Image Storage files, one axial slice per file."""

from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

from workers.phantoms.geometry import SeriesGeometry
from workers.phantoms.identity import StudyIdentity
from workers.phantoms.scanner import ScannerProfile
from workers.phantoms.sequences import Sequence, SeriesProtocol

_CONTRAST_VOLUME_ML = 7.5  # 0.1 mmol/kg of a 1 mmol/ml agent for a 75 kg adult
# Minutes after the study starts, in the order a tumour protocol runs: gadolinium goes in after
# the T1, T2 and FLAIR, and the post-contrast 3D comes last.
_SERIES_MINUTE = {Sequence.T1: 2, Sequence.T2: 7, Sequence.FLAIR: 12, Sequence.T1C: 20}


def _ds(value: float) -> str:
    """A DS value: short, exact for the grid's numbers, identical on every run."""
    return f"{value:.6g}"


def _window(pixels: npt.NDArray[np.uint16]) -> tuple[str, str]:
    """A window that shows the head: from black to the 99.5th percentile of non-air voxels."""
    head = pixels[pixels > np.percentile(pixels, 60)]
    top = float(np.percentile(head, 99.5)) if head.size else float(pixels.max())
    return _ds(round(top / 2)), _ds(round(max(top, 1)))


def _common(
    identity: StudyIdentity,
    profile: ScannerProfile,
    sequence: Sequence,
    protocol: SeriesProtocol,
    geometry: SeriesGeometry,
) -> dict[str, object]:
    """Attributes every slice of the series shares, by keyword."""
    study_datetime = (identity.study_date, identity.study_time)
    minutes = int(identity.study_time[:2]) * 60 + int(identity.study_time[2:4])
    minutes += _SERIES_MINUTE[sequence]
    series_time = f"{minutes // 60:02d}{minutes % 60:02d}00"
    attributes: dict[str, object] = {
        "SpecificCharacterSet": "ISO_IR 100",  # institution names carry å, ö
        "ImageType": ["ORIGINAL", "PRIMARY", "OTHER"],
        "SOPClassUID": MRImageStorage,
        "StudyDate": study_datetime[0], "SeriesDate": study_datetime[0],
        "AcquisitionDate": study_datetime[0], "ContentDate": study_datetime[0],
        "StudyTime": study_datetime[1],
        "SeriesTime": series_time, "AcquisitionTime": series_time, "ContentTime": series_time,
        "AccessionNumber": identity.accession_number,
        "Modality": "MR",
        "Manufacturer": profile.manufacturer,
        "InstitutionName": profile.institution,
        "ReferringPhysicianName": "",
        "StationName": profile.station_name,
        "StudyDescription": "MR BRAIN TUMOUR PROTOCOL",
        "SeriesDescription": protocol.description,
        "ProtocolName": protocol.description,
        "ManufacturerModelName": profile.model,
        "PatientName": identity.patient_name,
        "PatientID": identity.patient_id,
        "PatientBirthDate": identity.birth_date,
        "PatientSex": identity.patient_sex,
        "PatientIdentityRemoved": "NO",
        "BodyPartExamined": "BRAIN",
        "ScanningSequence": list(protocol.scanning_sequence),
        "SequenceVariant": list(protocol.sequence_variant),
        "ScanOptions": list(protocol.scan_options) or "",
        "MRAcquisitionType": protocol.acquisition_type,
        "SequenceName": protocol.sequence_name,
        "SliceThickness": _ds(geometry.slice_thickness),
        "RepetitionTime": _ds(protocol.repetition_time),
        "EchoTime": _ds(protocol.echo_time),
        "NumberOfAverages": "1",
        "ImagingFrequency": _ds(42.577478 * profile.field_strength),
        "ImagedNucleus": "1H",
        "EchoNumbers": "1",
        "MagneticFieldStrength": _ds(profile.field_strength),
        "SpacingBetweenSlices": _ds(geometry.slice_spacing),
        "EchoTrainLength": str(protocol.echo_train_length),
        "SoftwareVersions": profile.software_versions,
        "PatientPosition": "HFS",
        "FlipAngle": _ds(protocol.flip_angle),
        "StudyInstanceUID": identity.study_uid,
        "SeriesInstanceUID": identity.series_uids[sequence],
        "StudyID": identity.study_id,
        "SeriesNumber": str(protocol.series_number),
        "FrameOfReferenceUID": identity.frame_of_reference_uid,
        "PositionReferenceIndicator": "",
        "ImageOrientationPatient": [_ds(v) for v in geometry.orientation],
        "SamplesPerPixel": 1,
        "PhotometricInterpretation": "MONOCHROME2",
        "Rows": geometry.shape[1],
        "Columns": geometry.shape[2],
        "PixelSpacing": [_ds(v) for v in geometry.pixel_spacing],
        "BitsAllocated": 16,
        "BitsStored": 16,
        "HighBit": 15,
        "PixelRepresentation": 0,
        "ImageComments": "ASSIST synthetic phantom, not a patient",
    }
    if protocol.inversion_time is not None:
        attributes["InversionTime"] = _ds(protocol.inversion_time)
    if protocol.contrast:
        attributes.update({
            "ContrastBolusAgent": profile.contrast_agent,
            "ContrastBolusRoute": "IV",
            "ContrastBolusVolume": _ds(_CONTRAST_VOLUME_ML),
        })
    return attributes


def series_write(
    *,
    folder: Path,
    pixels: npt.NDArray[np.uint16],
    geometry: SeriesGeometry,
    sequence: Sequence,
    identity: StudyIdentity,
    profile: ScannerProfile,
) -> list[Path]:
    """One Part 10 file per slice, ``0001.dcm`` upwards from the lowest (most inferior)."""
    folder.mkdir(parents=True, exist_ok=True)
    protocol = profile.protocols.of(sequence)
    common = _common(identity, profile, sequence, protocol, geometry)
    center, width = _window(pixels)
    paths = []
    for k in range(geometry.shape[0]):
        number = k + 1
        ds = Dataset()
        for keyword, value in common.items():
            setattr(ds, keyword, value)
        ds.SOPInstanceUID = identity.instance_uid(sequence, number)
        ds.InstanceNumber = str(number)
        position = geometry.slice_position(k)
        ds.ImagePositionPatient = [_ds(v) for v in position]
        # Along the normal; for these axial stacks that is z, as scanners write it.
        ds.SliceLocation = _ds(float(np.dot(position, geometry.normal)))
        ds.WindowCenter, ds.WindowWidth = center, width
        ds.PixelData = np.ascontiguousarray(pixels[k], dtype="<u2").tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / f"{number:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
