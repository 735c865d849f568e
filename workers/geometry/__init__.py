"""Image series as volumes in patient coordinates (DICOM LPS, millimetres).

Array and index order everywhere in ASSIST: ``(slice, row, column)``, i.e. numpy's ``z, y, x``
for an axial series. An ``affine`` maps a homogeneous index ``(slice, row, column, 1)`` to a
homogeneous patient point ``(x, y, z, 1)`` in LPS mm. Slices are ordered along the slice normal
(row direction x column direction), whatever order the files arrived in.
"""

from workers.geometry.errors import GeometryError
from workers.geometry.resample import resample_to
from workers.geometry.series import SortedSeries, series_sort
from workers.geometry.volume import Volume, volume_from_datasets

__all__ = [
    "GeometryError",
    "SortedSeries",
    "Volume",
    "resample_to",
    "series_sort",
    "volume_from_datasets",
]
