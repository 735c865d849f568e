"""Where each voxel of a series sits in patient coordinates (DICOM LPS, millimetres).

Arrays are indexed ``[slice, row, column]`` as DICOM stacks them. The affines map
``(column, row, slice)`` voxel indices, the order NIfTI and most toolkits use, to millimetres.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vector = tuple[float, float, float]
FloatArray = npt.NDArray[np.float64]

# DICOM patient axes are LPS (+x left, +y posterior), NIfTI's world axes are RAS.
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass(frozen=True)
class SeriesGeometry:
    origin: Vector  # ImagePositionPatient of the first slice: centre of its first voxel
    row_direction: Vector  # direction of increasing column index (first half of IOP)
    column_direction: Vector  # direction of increasing row index (second half of IOP)
    pixel_spacing: tuple[float, float]  # (between rows, between columns), DICOM order
    slice_spacing: float  # centre to centre, along the normal
    slice_thickness: float
    shape: tuple[int, int, int]  # (slices, rows, columns)

    @property
    def normal(self) -> FloatArray:
        # Slices step along row x column, so the stack is right-handed in LPS.
        return np.cross(self.row_direction, self.column_direction)

    @property
    def orientation(self) -> tuple[float, ...]:
        """ImageOrientationPatient."""
        return (*self.row_direction, *self.column_direction)

    def slice_position(self, k: int) -> FloatArray:
        """ImagePositionPatient of slice ``k``."""
        return np.asarray(self.origin) + k * self.slice_spacing * self.normal

    def affine_lps(self) -> FloatArray:
        affine = np.eye(4)
        affine[:3, 0] = np.asarray(self.row_direction) * self.pixel_spacing[1]
        affine[:3, 1] = np.asarray(self.column_direction) * self.pixel_spacing[0]
        affine[:3, 2] = self.normal * self.slice_spacing
        affine[:3, 3] = self.origin
        return affine

    def affine_ras(self) -> FloatArray:
        return LPS_TO_RAS @ self.affine_lps()

    def points(
        self,
        first: int,
        stop: int,
        offset: float = 0.0,
        *,
        into: FloatArray | None = None,
        dtype: type[np.floating] = np.float64,
    ) -> npt.NDArray[np.floating]:
        """Patient coordinates of the voxel centres of slices ``first:stop`` in array order,
        moved ``offset`` mm along the normal (to sample across a thick slice), shape (N, 3).

        ``into`` (4x4) maps them on into another space, such as the atlas, in the same pass.
        """
        affine = self.affine_lps()
        affine[:3, 3] += offset * self.normal
        if into is not None:
            affine = into @ affine
        _, rows, columns = self.shape
        # Broadcasting one axis at a time is far cheaper than a meshgrid and a matrix product.
        k = np.arange(first, stop, dtype=dtype)[:, None, None, None] * affine[:3, 2].astype(dtype)
        j = np.arange(rows, dtype=dtype)[None, :, None, None] * affine[:3, 1].astype(dtype)
        i = np.arange(columns, dtype=dtype)[None, None, :, None] * affine[:3, 0].astype(dtype)
        return ((k + affine[:3, 3].astype(dtype)) + j + i).reshape(-1, 3)

    def voxel_of(self, points: npt.NDArray[np.floating]) -> npt.NDArray[np.int64]:
        """Nearest ``(slice, row, column)`` index of each patient point; may lie outside."""
        index = (points - self.affine_lps()[:3, 3]) @ np.linalg.inv(self.affine_lps()[:3, :3]).T
        return np.rint(index[:, ::-1]).astype(np.int64)


def resample_nearest(
    volume: npt.NDArray[np.generic],
    source: SeriesGeometry,
    target: SeriesGeometry,
    fill: int = 0,
) -> npt.NDArray[np.generic]:
    """``volume`` (on ``source``) looked up at ``target``'s voxel centres, nearest neighbour.

    Enough for tests and label transfer between series of one frame of reference; real
    inference resampling belongs to the volume-building code.
    """
    points = target.points(0, target.shape[0])
    index = source.voxel_of(points)
    inside = np.all((index >= 0) & (index < np.asarray(source.shape)), axis=1)
    out = np.full(len(points), fill, dtype=volume.dtype)
    out[inside] = volume[tuple(index[inside].T)]
    return out.reshape(target.shape)


@dataclass(frozen=True)
class SeriesGrid:
    """An axial stack centred on the scanner isocentre, as a technologist would plan it."""

    rows: int
    columns: int
    pixel_spacing: float  # mm; square pixels, as clinical MR reconstructs
    slices: int
    slice_thickness: float
    slice_spacing: float  # > thickness means a gap between 2D slices

    def geometry(self) -> SeriesGeometry:
        # Axial, head first supine: rows run left, columns run posterior, slices go up.
        first = (
            -(self.columns - 1) / 2 * self.pixel_spacing,
            -(self.rows - 1) / 2 * self.pixel_spacing,
            -(self.slices - 1) / 2 * self.slice_spacing,
        )
        return SeriesGeometry(
            origin=first,
            row_direction=(1.0, 0.0, 0.0),
            column_direction=(0.0, 1.0, 0.0),
            pixel_spacing=(self.pixel_spacing, self.pixel_spacing),
            slice_spacing=self.slice_spacing,
            slice_thickness=self.slice_thickness,
            shape=(self.slices, self.rows, self.columns),
        )
