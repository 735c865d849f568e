"""The reference grid of a structure set: the T1c series its AI revision's SEG was drawn on.

Masks travel between the browser and the server on this grid (``workers.structures.runs``):
slices are the series' images sorted along the slice normal, as ``workers.geometry`` sorts
them, so the browser maps its own slices to ``instances`` by SOP Instance UID.
"""

import json
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset, dcmread

from assist_web.archive.models import Instance
from assist_web.archive.store import file_store
from assist_web.contours.errors import ReviewConflict, ReviewInvalid
from assist_web.contours.models import Revision, StructureSet
from workers.geometry import GeometryError, series_sort

# The header attributes series_sort needs, as DICOM JSON tags of the archive's index.
_GEOMETRY_TAGS = {
    "00080018": "SOPInstanceUID",
    "00200032": "ImagePositionPatient",
    "00200037": "ImageOrientationPatient",
    "00280030": "PixelSpacing",
    "00280010": "Rows",
    "00280011": "Columns",
    "00200052": "FrameOfReferenceUID",
    "00200013": "InstanceNumber",
}
_REFERENCED_SERIES = "00081115"
_SERIES_UID = "0020000E"


@dataclass(frozen=True, eq=False)
class ReferenceGrid:
    series_uid: str
    instances: tuple[str, ...]  # SOP Instance UIDs, slice order
    shape: tuple[int, int, int]  # slices, rows, columns
    spacing: tuple[float, float, float]  # mm, same order
    affine: np.ndarray  # (slice, row, column, 1) -> LPS mm

    @property
    def voxel_ml(self) -> float:
        return float(np.prod(self.spacing)) / 1000.0


def reference_grid(*, series_uid: str) -> ReferenceGrid:
    """The grid from the archive's index (no file is read)."""
    texts = Instance.objects.filter(series__series_instance_uid=series_uid).values_list(
        "metadata", flat=True
    )
    headers = [_geometry_header(json.loads(text)) for text in texts]
    return _grid(series_uid, headers)


def reference_datasets(*, series_uid: str) -> list[Dataset]:
    """The series' headers from the stored files, for the SEG and RTSTRUCT writers."""
    store = file_store()
    paths = Instance.objects.filter(series__series_instance_uid=series_uid).values_list(
        "path", flat=True
    )
    return [dcmread(store.absolute(path), stop_before_pixels=True) for path in paths]


def revision_reference_series_uid(*, revision: Revision) -> str:
    """The series the revision's SEG references, from the SEG's entry in the index."""
    seg = Instance.objects.filter(sop_instance_uid=revision.seg_sop_instance_uid).first()
    if not revision.seg_sop_instance_uid or seg is None:
        raise ReviewConflict(f"Revision {revision.number} has no SEG in the archive.")
    referenced = json.loads(seg.metadata).get(_REFERENCED_SERIES, {}).get("Value", [])
    uids = [item.get(_SERIES_UID, {}).get("Value", [""])[0] for item in referenced]
    if len(uids) != 1 or not uids[0]:
        raise ReviewConflict(
            f"The SEG of revision {revision.number} does not reference exactly one image series."
        )
    return str(uids[0])


def structure_set_reference_uid(*, structure_set: StructureSet) -> str:
    """The series of the set's first revision (the AI's), which every later one keeps."""
    first = structure_set.revisions.order_by("number").first()
    if first is None:
        raise ReviewConflict("The structure set has no revision.")
    return revision_reference_series_uid(revision=first)


def structure_set_grid(*, structure_set: StructureSet, series_uid: str) -> ReferenceGrid:
    """The set's grid, provided the client drew on it (``series_uid``); ReviewInvalid if not."""
    expected = structure_set_reference_uid(structure_set=structure_set)
    if series_uid != expected:
        raise ReviewInvalid(
            "The contours are drawn on another series than this structure set's reference "
            f"series ({expected})."
        )
    return reference_grid(series_uid=expected)


def _geometry_header(body: dict[str, dict]) -> Dataset:
    ds = Dataset()
    for tag, keyword in _GEOMETRY_TAGS.items():
        values = body.get(tag, {}).get("Value")
        if values:
            setattr(ds, keyword, values if len(values) > 1 else values[0])
    return ds


def _grid(series_uid: str, headers: list[Dataset]) -> ReferenceGrid:
    try:
        series = series_sort(headers)
    except GeometryError as exc:
        raise ReviewConflict(f"The reference series cannot be used as a grid: {exc}") from exc
    return ReferenceGrid(
        series_uid=series_uid,
        instances=series.sop_instance_uids,
        shape=series.shape,
        spacing=series.spacing,
        affine=series.affine,
    )
