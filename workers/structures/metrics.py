"""How far a physician moved the AI's contour: one structure, AI mask against approved mask.

Both masks lie on the same grid, indexed ``(slice, row, column)`` with ``spacing_zyx`` in mm.

Definitions (surfaces are boundary voxels, see ``workers.structures.surfaces``):

- ``dice``: 2|A n B| / (|A| + |B|) over voxels.
- ``hd95_mm``: the 95th percentile (linear interpolation) of the union of both directed sets
  of surface distances, AI->approved and approved->AI, one distance per boundary voxel, centre
  to centre, as in common RT QA tools (not the max of two directed percentiles).
- ``surface_dice``: Nikolov et al. 2018, the fraction of both surfaces' area lying within
  ``tolerance_mm`` of the other surface; each boundary voxel stands for the area of its faces
  that touch the outside (a voxel-face area on boundary-voxel centres).
- ``apl_mm``: added path length, Vaassen et al. 2020: on every axial slice, the pixels of the
  approved 2D contour (pixels with a 4-neighbour outside the slice's mask) farther than
  ``apl_tolerance_px`` pixels (Euclidean) from every AI contour pixel of that slice, summed
  and counted as one pixel's length each, the mean of the row and column spacing. A pixel
  count gives the exact length of axis-aligned edges and underestimates diagonal ones by up
  to sqrt(2); within-slice only, as a physician redraws slice by slice.
- volumes in ml; ``volume_change_*`` is approved minus AI, so a physician who enlarged the
  structure gives a positive change; the percentage is relative to the AI volume.

Empty masks: both empty is a perfect match (Dice 1, surface Dice 1, HD95 0, APL 0, change 0).
One empty has no surface distance, so ``hd95_mm`` is None rather than inf (JSON has no inf);
Dice and surface Dice are 0, APL is the whole approved contour (0 when the approved mask is
the empty one), and the percentage change from an empty AI mask is None.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import ndimage

from workers.structures.surfaces import (
    ROUNDING_MM,
    boundary,
    crop_padded,
    distances_to,
    exposed_area_mm2,
    union_box,
)

_MM3_PER_ML = 1000.0
# In-plane 4-neighbours only: an axial contour does not see the slices above and below.
_IN_PLANE_NEIGHBOURS = np.zeros((3, 3, 3), dtype=bool)
_IN_PLANE_NEIGHBOURS[1] = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class StructureComparison:
    dice: float
    hd95_mm: float | None
    surface_dice: float
    apl_mm: float
    ai_volume_ml: float
    approved_volume_ml: float
    volume_change_ml: float
    volume_change_percent: float | None
    tolerance_mm: float


def structure_compare(
    *,
    ai: np.ndarray,
    approved: np.ndarray,
    spacing_zyx: tuple[float, float, float],
    tolerance_mm: float = 2.0,
    apl_tolerance_px: float = 1.0,
) -> StructureComparison:
    """Compare one structure's AI mask with its approved mask (see the module docstring)."""
    ai = np.asarray(ai, dtype=bool)
    approved = np.asarray(approved, dtype=bool)
    if ai.shape != approved.shape or ai.ndim != 3:
        raise ValueError(f"Masks must be 3D on one grid (got {ai.shape} and {approved.shape}).")
    if len(spacing_zyx) != 3 or min(spacing_zyx) <= 0:
        raise ValueError(f"Spacing must be three positive mm values (got {spacing_zyx}).")
    if tolerance_mm < 0 or apl_tolerance_px < 0:
        raise ValueError("Tolerances must not be negative.")

    voxel_ml = float(np.prod(spacing_zyx)) / _MM3_PER_ML
    ai_ml, approved_ml = int(ai.sum()) * voxel_ml, int(approved.sum()) * voxel_ml
    change_ml = approved_ml - ai_ml
    change_percent = 100.0 * change_ml / ai_ml if ai_ml else (None if approved_ml else 0.0)

    volumes = partial(
        StructureComparison,
        ai_volume_ml=ai_ml,
        approved_volume_ml=approved_ml,
        volume_change_ml=change_ml,
        volume_change_percent=change_percent,
        tolerance_mm=tolerance_mm,
    )
    box = union_box(ai, approved)
    if box is None:
        return volumes(dice=1.0, hd95_mm=0.0, surface_dice=1.0, apl_mm=0.0)
    # Everything below sees only the union bounding box plus one voxel of background: every
    # surface voxel lies inside it, so nearest-surface distances are unchanged by the crop.
    a, b = crop_padded(ai, box), crop_padded(approved, box)
    total = int(a.sum()) + int(b.sum())
    dice = 2.0 * int((a & b).sum()) / total
    apl_mm = _added_path_length_mm(a, b, spacing_zyx, apl_tolerance_px)
    if not a.any() or not b.any():
        return volumes(dice=dice, hd95_mm=None, surface_dice=0.0, apl_mm=apl_mm)

    surface_a, surface_b = boundary(a), boundary(b)
    a_to_b = distances_to(surface_b, spacing_zyx)[surface_a]
    b_to_a = distances_to(surface_a, spacing_zyx)[surface_b]
    hd95 = float(np.percentile(np.concatenate([a_to_b, b_to_a]), 95))

    area_a = exposed_area_mm2(a, spacing_zyx)[surface_a]
    area_b = exposed_area_mm2(b, spacing_zyx)[surface_b]
    within = tolerance_mm + ROUNDING_MM
    matched = area_a[a_to_b <= within].sum() + area_b[b_to_a <= within].sum()
    surface_dice = float(matched / (area_a.sum() + area_b.sum()))
    return volumes(dice=dice, hd95_mm=hd95, surface_dice=surface_dice, apl_mm=apl_mm)


def structures_compare(
    *,
    ai: dict[str, np.ndarray],
    approved: dict[str, np.ndarray],
    spacing_zyx: tuple[float, float, float],
    tolerance_mm: float = 2.0,
) -> dict[str, StructureComparison]:
    """Compare every structure present in either dict; one missing counts as an empty mask."""
    results = {}
    for name in sorted(ai.keys() | approved.keys()):
        reference = ai[name] if name in ai else approved[name]
        results[name] = structure_compare(
            ai=ai.get(name, np.zeros(np.shape(reference), dtype=bool)),
            approved=approved.get(name, np.zeros(np.shape(reference), dtype=bool)),
            spacing_zyx=spacing_zyx,
            tolerance_mm=tolerance_mm,
        )
    return results


def _added_path_length_mm(
    ai: np.ndarray, approved: np.ndarray, spacing_zyx: Sequence[float], tolerance_px: float
) -> float:
    """Length of the approved axial contours farther than ``tolerance_px`` from the AI's."""
    approved_contour = approved & ~ndimage.binary_erosion(approved, _IN_PLANE_NEIGHBOURS)
    ai_contour = ai & ~ndimage.binary_erosion(ai, _IN_PLANE_NEIGHBOURS)
    reach = int(np.floor(tolerance_px))
    offsets = np.arange(-reach, reach + 1)
    disc = offsets[:, None] ** 2 + offsets[None, :] ** 2 <= tolerance_px**2
    near_ai = ndimage.binary_dilation(ai_contour, structure=disc[None, :, :])
    pixel_mm = (float(spacing_zyx[1]) + float(spacing_zyx[2])) / 2.0
    return int((approved_contour & ~near_ai).sum()) * pixel_mm
