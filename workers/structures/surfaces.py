"""Surfaces of binary masks as boundary voxels, and the distances between two surfaces.

A surface here is the set of *boundary voxels*: voxels of the mask with at least one of their
six face neighbours outside it (the mask minus its erosion by the 6-connected cross).
Distances are measured centre to centre on the anisotropic grid. Each boundary voxel also
carries the area of its faces that touch the outside, in mm^2, so that a surface fraction is
an area fraction: on a 1 x 1 x 3 mm grid a voxel on a side wall stands for 3 mm^2 of surface
and one on the top for 1 mm^2, where an unweighted count would treat both alike.
"""

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

# Distances are square roots of sums of squared spacings; a surface point exactly at the
# tolerance (2 mm = 2 pixels of 1 mm) must count as within it despite floating point.
ROUNDING_MM = 1e-6

_FACE_NEIGHBOURS = ndimage.generate_binary_structure(3, 1)


def union_box(*masks: np.ndarray) -> tuple[slice, ...] | None:
    """The bounding box of the voxels set in any of ``masks``; None when all are empty."""
    union = np.logical_or.reduce([np.asarray(m, dtype=bool) for m in masks])
    if not union.any():
        return None
    box = []
    for axis in range(union.ndim):
        others = tuple(a for a in range(union.ndim) if a != axis)
        present = np.flatnonzero(union.any(axis=others))
        box.append(slice(int(present[0]), int(present[-1]) + 1))
    return tuple(box)


def crop_padded(mask: np.ndarray, box: tuple[slice, ...]) -> np.ndarray:
    """``mask`` inside ``box`` with one voxel of background around it.

    The padding makes a structure cut by the image edge have a surface there, and lets the
    boundary and face-area arithmetic below use plain slicing without special cases.
    """
    return np.pad(np.asarray(mask, dtype=bool)[box], 1, constant_values=False)


def boundary(mask: np.ndarray) -> np.ndarray:
    """Voxels of ``mask`` with at least one face neighbour outside it."""
    return mask & ~ndimage.binary_erosion(mask, structure=_FACE_NEIGHBOURS)


def exposed_area_mm2(mask: np.ndarray, spacing_zyx: Sequence[float]) -> np.ndarray:
    """Per voxel, the area in mm^2 of its faces that border the outside (0 inside and out).

    ``mask`` must have background on its outermost layer (see ``crop_padded``).
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    area = np.zeros(mask.shape, dtype=float)
    for axis in range(3):
        face_mm2 = float(np.prod(np.delete(spacing, axis)))
        low = [slice(None)] * 3
        high = [slice(None)] * 3
        low[axis] = slice(None, -1)
        high[axis] = slice(1, None)
        lower, upper = mask[tuple(low)], mask[tuple(high)]
        area[tuple(low)] += (lower & ~upper) * face_mm2  # face towards +axis is open
        area[tuple(high)] += (upper & ~lower) * face_mm2  # face towards -axis is open
    return area


def distances_to(surface: np.ndarray, spacing_zyx: Sequence[float]) -> np.ndarray:
    """For every voxel, the distance in mm to the nearest voxel of a non-empty ``surface``."""
    return ndimage.distance_transform_edt(~surface, sampling=tuple(spacing_zyx))
