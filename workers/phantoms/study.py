"""Write a phantom study to disk: DICOM series, ground-truth labels and a case description.

Layout::

    <out>/<case>/dicom/<SEQ>/0001.dcm ...   (SEQ = T1, T1C, T2, FLAIR)
    <out>/<case>/labels.nii.gz              (BraTS labels on the T1C grid, RAS affine)
    <out>/<case>/case.json
"""

import dataclasses
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np

from workers.phantoms.dicom_writer import series_write
from workers.phantoms.phantom import LABEL_SEQUENCE, Phantom
from workers.phantoms.sequences import Sequence
from workers.phantoms.tissue import LABEL_NAMES, Label


@dataclass(frozen=True)
class PhantomFiles:
    case_dir: Path
    series: dict[Sequence, list[Path]]  # slice files, inferior to superior
    labels: Path
    case_json: Path

    def series_dir(self, sequence: Sequence) -> Path:
        return self.case_dir / "dicom" / sequence.value


@dataclass(frozen=True)
class SeriesRecord:
    series_uid: str
    description: str
    folder: str  # relative to the case folder
    rows: int
    columns: int
    slices: int
    pixel_spacing: tuple[float, float]
    slice_thickness: float
    slice_spacing: float
    first_position: tuple[float, ...]  # ImagePositionPatient of instance 1, LPS mm
    orientation: tuple[float, ...]  # ImageOrientationPatient


@dataclass(frozen=True)
class CaseRecord:
    case: str
    seed: int
    site: str
    grid: str
    patient_id: str
    study_uid: str
    frame_of_reference_uid: str
    labels_file: str
    label_grid: str  # the sequence whose grid the labels share
    labels: dict[str, str]  # value -> name
    label_voxels: dict[str, int]
    series: dict[str, SeriesRecord]
    lesion_centre_lps: tuple[float, ...]


def _labels_nifti(phantom: Phantom) -> bytes:
    geometry = phantom.label_geometry
    # NIfTI indexes (i, j, k) = (column, row, slice) and wants RAS world coordinates.
    data = np.ascontiguousarray(phantom.labels.transpose(2, 1, 0))
    image = nib.Nifti1Image(data, geometry.affine_ras())
    image.header.set_qform(geometry.affine_ras(), code=1)  # scanner-anatomical
    image.header.set_sform(geometry.affine_ras(), code=1)
    image.header.set_xyzt_units("mm")
    # gzip stamps the time into its header; a fixed mtime keeps the file byte-identical.
    return gzip.compress(image.to_bytes(), compresslevel=6, mtime=0)


def _case_record(phantom: Phantom) -> CaseRecord:
    identity = phantom.identity
    series = {}
    for sequence, volume in phantom.series.items():
        geometry = volume.geometry
        series[sequence.value] = SeriesRecord(
            series_uid=identity.series_uids[sequence],
            description=phantom.profile.protocols.of(sequence).description,
            folder=f"dicom/{sequence.value}",
            rows=geometry.shape[1],
            columns=geometry.shape[2],
            slices=geometry.shape[0],
            pixel_spacing=geometry.pixel_spacing,
            slice_thickness=geometry.slice_thickness,
            slice_spacing=geometry.slice_spacing,
            first_position=tuple(round(float(v), 4) for v in geometry.origin),
            orientation=geometry.orientation,
        )
    counts = np.bincount(phantom.labels.ravel(), minlength=len(Label))
    centre = phantom.pose.matrix() @ np.append(phantom.lesion.centre, 1.0)
    return CaseRecord(
        case=identity.case_id,
        seed=phantom.seed,
        site=phantom.profile.name,
        grid=phantom.grid.name,
        patient_id=identity.patient_id,
        study_uid=identity.study_uid,
        frame_of_reference_uid=identity.frame_of_reference_uid,
        labels_file="labels.nii.gz",
        label_grid=LABEL_SEQUENCE.value,
        labels={str(int(label)): name for label, name in LABEL_NAMES.items()},
        label_voxels={str(int(label)): int(counts[label]) for label in Label},
        series=series,
        lesion_centre_lps=tuple(round(float(v), 2) for v in centre[:3]),
    )


def write_phantom_study(phantom: Phantom, out_dir: Path) -> PhantomFiles:
    """Write ``phantom`` under ``out_dir/<case>``; the same phantom always gives the same bytes."""
    case_dir = Path(out_dir) / phantom.identity.case_id
    series = {
        sequence: series_write(
            folder=case_dir / "dicom" / sequence.value,
            pixels=volume.pixels,
            geometry=volume.geometry,
            sequence=sequence,
            identity=phantom.identity,
            profile=phantom.profile,
        )
        for sequence, volume in phantom.series.items()
    }
    labels = case_dir / "labels.nii.gz"
    labels.write_bytes(_labels_nifti(phantom))
    case_json = case_dir / "case.json"
    record = dataclasses.asdict(_case_record(phantom))
    case_json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return PhantomFiles(case_dir=case_dir, series=series, labels=labels, case_json=case_json)
