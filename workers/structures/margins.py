"""Margin expansion in millimetres (GTV -> CTV -> PTV) and set operations on masks."""

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

# Distances are square roots of sums of squared spacings; a voxel exactly at the margin
# (e.g. 15 mm = 5 slices of 3 mm) must not be lost to the last bit of floating point.
_ROUNDING_MM = 1e-6


def expand_mm(mask: np.ndarray, spacing_zyx: Sequence[float], margin_mm: float) -> np.ndarray:
    """Grow ``mask`` by an isotropic margin: every voxel within ``margin_mm`` of it, centre to
    centre, by the exact Euclidean distance on the anisotropic grid.

    Dilation with a voxel ball would be anisotropic and approximate on 1x1x3 mm grids, which
    is why this uses the distance transform with the voxel spacing as sampling.
    """
    if margin_mm < 0:
        raise ValueError(f"A margin must not be negative (got {margin_mm} mm).")
    mask = np.asarray(mask, dtype=bool)
    if margin_mm == 0 or not mask.any():
        return mask.copy()
    spacing = np.asarray(spacing_zyx, dtype=float)
    # Work on the mask's bounding box plus the margin only: a tumour is a small part of the
    # head, and the distance transform costs time in proportion to the voxels it visits.
    reach = np.ceil(margin_mm / spacing).astype(int) + 1
    box = _bounding_box(mask, reach)
    distance = ndimage.distance_transform_edt(~mask[box], sampling=spacing)
    expanded = np.zeros_like(mask)
    expanded[box] = distance <= margin_mm + _ROUNDING_MM
    return expanded


def clip(mask: np.ndarray, within: np.ndarray) -> np.ndarray:
    """The part of ``mask`` inside ``within`` (e.g. a CTV kept inside the brain)."""
    return np.logical_and(mask, within)


def intersect(*masks: np.ndarray) -> np.ndarray:
    """Voxels in every one of ``masks``."""
    if not masks:
        raise ValueError("intersect needs at least one mask.")
    result = np.asarray(masks[0], dtype=bool).copy()
    for mask in masks[1:]:
        result &= mask
    return result


def _bounding_box(mask: np.ndarray, pad: np.ndarray) -> tuple[slice, ...]:
    box = []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        present = np.flatnonzero(mask.any(axis=others))
        low = max(int(present[0]) - int(pad[axis]), 0)
        high = min(int(present[-1]) + int(pad[axis]) + 1, mask.shape[axis])
        box.append(slice(low, high))
    return tuple(box)
