"""Filling the empty slices between contoured ones, as a physician does after drawing every
few slices: shape-based interpolation of the neighbours' signed distance maps (Herman et al.,
1992), in millimetres so that rectangular pixels do not skew the shape."""

from collections.abc import Sequence

import numpy as np
from scipy import ndimage


def slices_interpolate(mask: np.ndarray, spacing_rc: Sequence[float]) -> np.ndarray:
    """``mask`` with every empty slice between two non-empty ones filled; others unchanged.

    A slice at fraction t of the way from slice a to slice b gets the voxels where
    (1 - t) * d_a + t * d_b <= 0, d being the signed in-plane distance to each outline
    (negative inside). Between two equal shapes it is that shape again.
    """
    mask = np.asarray(mask, dtype=bool)
    result = mask.copy()
    present = np.flatnonzero(mask.any(axis=(1, 2)))
    for a, b in zip(present[:-1], present[1:], strict=True):
        if b - a < 2:
            continue
        box = _plane_box(mask[a] | mask[b])
        distance_a = _signed_distance(mask[a][box], spacing_rc)
        distance_b = _signed_distance(mask[b][box], spacing_rc)
        for k in range(a + 1, b):
            t = (k - a) / (b - a)
            result[k][box] = (1 - t) * distance_a + t * distance_b <= 0
    return result


def _signed_distance(plane: np.ndarray, spacing_rc: Sequence[float]) -> np.ndarray:
    """Signed distance in mm between pixel centres: negative inside, positive outside."""
    outside = ndimage.distance_transform_edt(~plane, sampling=spacing_rc)
    inside = ndimage.distance_transform_edt(plane, sampling=spacing_rc)
    return outside - inside


def _plane_box(plane: np.ndarray) -> tuple[slice, slice]:
    """The bounding box of ``plane`` plus one pixel of background all round (so the distance
    transforms see an outside), clipped to the image."""
    rows = np.flatnonzero(plane.any(axis=1))
    columns = np.flatnonzero(plane.any(axis=0))
    return (
        slice(max(int(rows[0]) - 1, 0), min(int(rows[-1]) + 2, plane.shape[0])),
        slice(max(int(columns[0]) - 1, 0), min(int(columns[-1]) + 2, plane.shape[1])),
    )
