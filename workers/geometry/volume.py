"""A series decoded into one array with its place in the patient."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset

from workers.geometry.errors import GeometryError
from workers.geometry.plane import image_named
from workers.geometry.series import series_sort


# eq=False: the generated __eq__ would compare arrays, whose truth value is ambiguous.
@dataclass(frozen=True, eq=False)
class Volume:
    """Voxel values on a regular grid in patient space.

    ``array`` is indexed ``(slice, row, column)``; ``affine`` maps ``(slice, row, column, 1)``
    to LPS mm; ``spacing`` is ``(slice, row, column)`` in mm. ``sop_instance_uids`` names the
    image each slice of this grid lies on (for a resampled volume, the reference's images), so
    contours drawn on a slice can reference it.
    """

    array: np.ndarray
    affine: np.ndarray
    spacing: tuple[float, float, float]
    sop_instance_uids: tuple[str, ...]
    frame_of_reference_uid: str

    @property
    def shape(self) -> tuple[int, int, int]:
        return (int(self.array.shape[0]), int(self.array.shape[1]), int(self.array.shape[2]))

    def index_to_patient(self, index: np.ndarray) -> np.ndarray:
        """Map ``(..., 3)`` indices (slice, row, column) to ``(..., 3)`` LPS mm points."""
        index = np.asarray(index, dtype=float)
        return index @ self.affine[:3, :3].T + self.affine[:3, 3]

    def patient_to_index(self, points: np.ndarray) -> np.ndarray:
        """Map ``(..., 3)`` LPS mm points to fractional ``(slice, row, column)`` indices."""
        inverse = np.linalg.inv(self.affine)
        return np.asarray(points, dtype=float) @ inverse[:3, :3].T + inverse[:3, 3]


def volume_from_datasets(datasets: Sequence[Dataset]) -> Volume:
    """Decode a single-frame series into a float32 volume of rescaled values.

    Raises ``GeometryError`` when the images do not form one regular grid.
    """
    series = series_sort(datasets)
    array = np.empty(series.shape, dtype=np.float32)
    for k, ds in enumerate(series.datasets):
        array[k] = _rescaled(ds, series.shape[1:])
    return Volume(
        array=array,
        affine=series.affine,
        spacing=series.spacing,
        sop_instance_uids=series.sop_instance_uids,
        frame_of_reference_uid=series.frame_of_reference_uid,
    )


# What pydicom raises when a header's pixel description does not fit its data (or names a
# compression with no decoder installed).
_UNDECODABLE = (ValueError, TypeError, AttributeError, KeyError, NotImplementedError, RuntimeError)


def _rescaled(ds: Dataset, shape: tuple[int, int]) -> np.ndarray:
    """One slice's pixels as float32 values after its rescale, or GeometryError saying why not."""
    image = image_named(ds)
    try:
        pixels = ds.pixel_array
    except _UNDECODABLE as error:
        raise GeometryError(f"{image}: its pixel data cannot be decoded ({error}).") from None
    if pixels.shape != shape:
        raise GeometryError(f"{image}: its pixel data decodes to {pixels.shape} where the header "
                            f"says {shape[0]}x{shape[1]}; the header is damaged.")
    # Rescale per slice: some scanners (Philips MR) vary slope and intercept across a series.
    try:
        slope = float(getattr(ds, "RescaleSlope", 1) or 1)
        intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    except (TypeError, ValueError):
        slope = intercept = float("nan")
    out = pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    if not (np.isfinite(slope) and np.isfinite(intercept) and np.isfinite(out).all()):
        raise GeometryError(f"{image}: its rescale slope and intercept ({slope:g}, "
                            f"{intercept:g}) do not give finite values; the header is damaged.")
    return out
