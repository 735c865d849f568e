"""One image's plane in the patient, read from its header and checked: orientation, position,
pixel spacing and size, each the right count of finite numbers in a sensible range. A header
that fails is named, with what is wrong, instead of failing later as arithmetic on NaN."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset

from workers.geometry.errors import GeometryError

# Farther from the scanner's isocentre than any body part: a position this large is damage.
_FARTHEST_MM = 1e5
_UNIT_TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class Plane:
    row_dir: np.ndarray  # unit vector along a row (LPS)
    col_dir: np.ndarray  # unit vector down a column
    position: np.ndarray  # the first pixel's centre, LPS mm
    pixel_spacing: np.ndarray  # (between rows, between columns) mm
    rows: int
    columns: int


def image_named(ds: Dataset) -> str:
    """How a failure message names the image it is about."""
    return f"An image ({getattr(ds, 'SOPInstanceUID', 'unknown')})"


def plane_of(ds: Dataset) -> Plane:
    image = image_named(ds)
    missing = [name for name in ("ImageOrientationPatient", "ImagePositionPatient",
                                 "PixelSpacing", "Rows", "Columns")
               if getattr(ds, name, None) in (None, "")]
    if missing:
        raise GeometryError(f"{image} lacks {', '.join(missing)}; its place in the patient is "
                            "unknown.")
    cosines = _numbers(ds, "ImageOrientationPatient", 6, image, "orientation")
    position = _numbers(ds, "ImagePositionPatient", 3, image, "position")
    spacing = _numbers(ds, "PixelSpacing", 2, image, "pixel spacing")
    if (spacing <= 0).any():
        raise GeometryError(f"{image} has a pixel spacing of {spacing[0]:g} x {spacing[1]:g} "
                            "mm; spacing must be positive.")
    if np.abs(position).max() > _FARTHEST_MM:
        raise GeometryError(f"{image} lies {np.abs(position).max():g} mm from the scanner's "
                            "centre; the header is damaged.")
    row_dir, col_dir = cosines[:3], cosines[3:]
    if (abs(np.linalg.norm(row_dir) - 1) > _UNIT_TOLERANCE
            or abs(np.linalg.norm(col_dir) - 1) > _UNIT_TOLERANCE
            or abs(row_dir @ col_dir) > _UNIT_TOLERANCE):
        raise GeometryError("The image orientation is not two perpendicular unit directions; "
                            "the header is damaged.")
    return Plane(
        # Renormalised so that rounding in the header does not scale distances.
        row_dir=row_dir / np.linalg.norm(row_dir),
        col_dir=col_dir / np.linalg.norm(col_dir),
        position=position,
        pixel_spacing=spacing,
        rows=_size(ds, "Rows", image),
        columns=_size(ds, "Columns", image),
    )


def _numbers(ds: Dataset, keyword: str, count: int, image: str, what: str) -> np.ndarray:
    value = getattr(ds, keyword)
    multiple = isinstance(value, Sequence) and not isinstance(value, str | bytes)
    values = list(value) if multiple else [value]
    try:
        numbers = np.array([float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        raise GeometryError(f"{image}: its {what} is not numbers; the header is damaged.") from None
    if numbers.shape != (count,) or not np.isfinite(numbers).all():
        raise GeometryError(f"{image}: its {what} holds {len(values)} value(s) where {count} "
                            "finite numbers belong; the header is damaged.")
    return numbers


def _size(ds: Dataset, keyword: str, image: str) -> int:
    try:
        size = int(getattr(ds, keyword))
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise GeometryError(f"{image}: its {keyword.lower()} count is {getattr(ds, keyword)!r}; "
                            "the header is damaged.")
    return size
