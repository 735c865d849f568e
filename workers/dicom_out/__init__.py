"""DICOM SEG and RTSTRUCT for structures drawn on a reference series (the T1c).

Masks are boolean arrays indexed ``(slice, row, column)`` on the reference's grid, slices in
the order of ``workers.geometry.series_sort(reference)`` (the order of ``volume_from_datasets``),
keyed by TG-263 structure name.
"""

from workers.dicom_out.rasterise import rtstruct_rasterise
from workers.dicom_out.rtstruct import rtstruct_write
from workers.dicom_out.seg import seg_write
from workers.dicom_out.structures import STRUCTURES, Algorithm, StructureSpec

__all__ = [
    "STRUCTURES",
    "Algorithm",
    "StructureSpec",
    "rtstruct_rasterise",
    "rtstruct_write",
    "seg_write",
]
