"""Post-processing of predicted masks: spurious specks dropped, holes filled."""

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

# 26-connectivity: parts of one lesion that touch only at an edge or corner stay one
# component, so thin bridges do not split a tumour into pieces that could be dropped.
_CONNECTED_3D = ndimage.generate_binary_structure(3, 3)
# 4-connectivity within a slice and none across slices: a 2D fill of every slice in one call.
# (ndimage fills holes from the array border through this structure, so the first and last
# slices are filled like the others.)
_IN_SLICE = np.zeros((3, 3, 3), dtype=bool)
_IN_SLICE[1] = ndimage.generate_binary_structure(2, 1)
_FACES = ndimage.generate_binary_structure(3, 1)  # binary_fill_holes' own connectivity


def drop_small_components(mask: np.ndarray, spacing_zyx: Sequence[float],
                          min_volume_mm3: float) -> np.ndarray:
    """Remove connected components smaller than ``min_volume_mm3``."""
    mask = np.asarray(mask, dtype=bool)
    labels, count = ndimage.label(mask, structure=_CONNECTED_3D)
    if count == 0:
        return mask.copy()
    voxel_mm3 = float(np.prod(spacing_zyx))
    volumes = np.bincount(labels.ravel(), minlength=count + 1) * voxel_mm3
    keep = volumes >= min_volume_mm3
    keep[0] = False  # background
    return keep[labels]


def fill_holes(mask: np.ndarray, *, per_slice: bool = True) -> np.ndarray:
    """Fill enclosed cavities in 3D and, unless ``per_slice`` is False, holes in each slice.

    The per-slice pass matters for RTSTRUCT: a tube-shaped gap open at its ends is no 3D hole,
    yet on each slice it would become an inner contour that a reviewer has to inspect.
    """
    mask = np.asarray(mask, dtype=bool)
    if per_slice:
        # The slice-by-slice fill fills every 3D cavity too: a cavity's cross-section that
        # reached its slice's edge through background would make a path out of the volume
        # (4-connected in a slice is face-connected in 3D). One labelling pass instead of two.
        return _fill(mask, _IN_SLICE, outer_axes=(1, 2))
    return _fill(mask, _FACES, outer_axes=(0, 1, 2))


def _fill(mask: np.ndarray, structure: np.ndarray, outer_axes: tuple[int, ...]) -> np.ndarray:
    """``ndimage.binary_fill_holes(mask, structure)`` in one labelling pass: background pieces
    that reach the array's border along ``outer_axes`` (the axes ``structure`` connects) are
    outside, every other background piece is a hole. binary_fill_holes gets there by dilating
    from the border one voxel per iteration, which on a brain mask takes ~100 passes."""
    labels, count = ndimage.label(~mask, structure=structure)
    if count == 0:
        return mask.copy()
    outside = np.zeros(count + 1, dtype=bool)
    for axis in outer_axes:
        outside[np.take(labels, [0, -1], axis=axis)] = True
    outside[0] = False  # label 0 is the mask itself
    return ~outside[labels]
