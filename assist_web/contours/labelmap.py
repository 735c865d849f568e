"""A revision's structures as masks on the reference grid, read back from its SEG.

The SEG is the record (``workers.dicom_out.seg_write``): one binary segment per structure,
frames only where a structure is present, each frame naming the T1c image it lies on. A frame
that names no image is placed by its position along the slice normal instead.
"""

from dataclasses import dataclass

import highdicom as hd
import numpy as np
from pydicom import Dataset, dcmread

from assist_web.archive.models import Instance
from assist_web.archive.store import file_store
from assist_web.contours.errors import ReviewConflict
from assist_web.contours.models import Revision
from assist_web.contours.reference import (
    ReferenceGrid,
    reference_grid,
    revision_reference_series_uid,
)
from workers.dicom_out import STRUCTURES
from workers.structures.runs import mask_to_runs

# A frame farther than this fraction of the slice spacing from every slice is on no slice.
_OFF_SLICE_FRACTION = 0.25


@dataclass(frozen=True, eq=False)
class StructureMask:
    name: str
    number: int  # the SEG segment number
    colour: tuple[int, int, int]
    mask: np.ndarray  # bool (slice, row, column) on the grid


@dataclass(frozen=True, eq=False)
class RevisionMasks:
    grid: ReferenceGrid
    structures: list[StructureMask]

    def by_name(self) -> dict[str, np.ndarray]:
        return {s.name: s.mask for s in self.structures}


def revision_masks(*, revision: Revision) -> RevisionMasks:
    """Every structure of a ready revision, read from its archived SEG."""
    if revision.state != Revision.State.READY:
        raise ReviewConflict(
            f"Revision {revision.number} is {revision.get_state_display().lower()}; "
            "its contours are not in the archive yet."
        )
    grid = reference_grid(series_uid=revision_reference_series_uid(revision=revision))
    instance = Instance.objects.get(sop_instance_uid=revision.seg_sop_instance_uid)
    seg = dcmread(file_store().absolute(instance.path))
    return RevisionMasks(grid=grid, structures=seg_masks(seg=seg, grid=grid))


def seg_masks(*, seg: Dataset, grid: ReferenceGrid) -> list[StructureMask]:
    if (int(seg.Rows), int(seg.Columns)) != grid.shape[1:]:
        raise ReviewConflict("The SEG's frames are not the size of the reference images.")
    masks = {
        int(item.SegmentNumber): np.zeros(grid.shape, dtype=bool) for item in seg.SegmentSequence
    }
    frames = int(seg.get("NumberOfFrames", 0) or 0)
    if frames:
        pixels = seg.pixel_array.reshape(frames, *grid.shape[1:]).astype(bool)
        slice_of = {uid: k for k, uid in enumerate(grid.instances)}
        for index, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
            number = int(_segment_number(seg, group))
            if number not in masks:
                raise ReviewConflict(f"A SEG frame names segment {number}, which is not defined.")
            masks[number][_frame_slice(group, slice_of, grid)] |= pixels[index]
    return [
        StructureMask(
            name=str(item.SegmentLabel),
            number=int(item.SegmentNumber),
            colour=_colour(item),
            mask=masks[int(item.SegmentNumber)],
        )
        for item in seg.SegmentSequence
    ]


def labelmap_json(*, revision: Revision) -> dict[str, object]:
    read = revision_masks(revision=revision)
    return {
        "revision_id": revision.pk,
        "reference_series_uid": read.grid.series_uid,
        "instances": list(read.grid.instances),
        "shape": list(read.grid.shape),
        "structures": [
            {
                "name": s.name,
                "number": s.number,
                "color": list(s.colour),
                "runs": mask_to_runs(s.mask),
            }
            for s in read.structures
        ],  # fmt: skip
    }


def _segment_number(seg: Dataset, group: Dataset) -> int:
    identification = group.get("SegmentIdentificationSequence")
    if not identification:  # the same segment for every frame, given once
        identification = seg.SharedFunctionalGroupsSequence[0].SegmentIdentificationSequence
    return int(identification[0].ReferencedSegmentNumber)


def _frame_slice(group: Dataset, slice_of: dict[str, int], grid: ReferenceGrid) -> int:
    for derivation in group.get("DerivationImageSequence", []):
        for source in derivation.get("SourceImageSequence", []):
            k = slice_of.get(str(source.ReferencedSOPInstanceUID))
            if k is not None:
                return k
    positions = group.get("PlanePositionSequence")
    if positions:
        point = np.array([float(v) for v in positions[0].ImagePositionPatient])
        index = np.linalg.inv(grid.affine) @ np.append(point, 1.0)
        k = int(np.rint(index[0]))
        if 0 <= k < grid.shape[0] and abs(index[0] - k) <= _OFF_SLICE_FRACTION:
            return k
    raise ReviewConflict("A SEG frame lies on no image of the reference series.")


def _colour(segment: Dataset) -> tuple[int, int, int]:
    spec = STRUCTURES.get(str(segment.SegmentLabel))
    if spec is not None:
        return spec.colour
    lab = segment.get("RecommendedDisplayCIELabValue")
    if lab is None:
        return (255, 255, 255)
    rgb = hd.color.CIELabColor.from_dicom_value(list(lab)).to_rgb()
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))
