"""Binary structure masks on anisotropic grids: margins in mm, post-processing, metrics.

Masks are boolean arrays indexed ``(slice, row, column)`` like ``workers.geometry.Volume``;
spacings are ``(slice, row, column)`` in mm.
"""

from workers.structures.cleanup import drop_small_components, fill_holes
from workers.structures.margins import clip, expand_mm, intersect
from workers.structures.metrics import StructureComparison, structure_compare, structures_compare

__all__ = [
    "StructureComparison",
    "clip",
    "drop_small_components",
    "expand_mm",
    "fill_holes",
    "intersect",
    "structure_compare",
    "structures_compare",
]
