"""Order the single-frame images of one series along the slice normal and check they form a grid.

Only header attributes are read here (no pixel data), so the DICOM writers can place contours
on a reference series without decoding its images.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom import Dataset

from workers.geometry.errors import MULTI_FRAME, GeometryError
from workers.geometry.plane import Plane, plane_of

# Direction cosines and pixel spacings are written as decimal strings, often rounded to 5-6
# digits; equal geometry must compare equal after that rounding.
_ORIENTATION_TOLERANCE = 1e-4
_PIXEL_SPACING_TOLERANCE_MM = 1e-3
# Two slices closer than this are the same position (repeated phases, echoes, duplicates).
_SAME_POSITION_MM = 0.01
# Uneven spacing is refused beyond the larger of these: scanners round slice positions to a few
# micrometres, but a real change of spacing (missing slice, mixed stacks) is far larger.
_SPACING_TOLERANCE_MM = 0.01
_SPACING_TOLERANCE_RELATIVE = 0.01
# In-plane drift of slice positions, per mm along the normal, above which the stack is sheared
# (gantry tilt). 1e-3 is 0.06 degrees: below any real tilt, above decimal rounding of positions.
_TILT_TOLERANCE_PER_MM = 1e-3
_DRIFT_TOLERANCE_MM = 0.01


# eq=False: the generated __eq__ would compare arrays, whose truth value is ambiguous.
@dataclass(frozen=True, eq=False)
class SortedSeries:
    """The images of a series in slice order, with the grid they define.

    ``affine`` maps ``(slice, row, column, 1)`` to LPS mm; ``spacing`` is ``(slice, row,
    column)`` in mm; ``shape`` is ``(slices, rows, columns)``.
    """

    datasets: tuple[Dataset, ...]
    affine: np.ndarray
    spacing: tuple[float, float, float]
    shape: tuple[int, int, int]
    frame_of_reference_uid: str
    sop_instance_uids: tuple[str, ...]


def series_sort(datasets: Sequence[Dataset]) -> SortedSeries:
    """Sort slices along the normal; refuse anything that is not one regular 3D grid."""
    frames = max(int(getattr(ds, "NumberOfFrames", 1) or 1) for ds in datasets) if datasets else 1
    if frames > 1:
        raise GeometryError(f"The series holds {MULTI_FRAME.format(frames=frames)}.")
    if len(datasets) < 2:
        raise GeometryError(
            f"The series has {len(datasets)} image(s); a volume needs at least two slices."
        )
    planes = [plane_of(ds) for ds in datasets]
    first = planes[0]
    row_dir, col_dir = first.row_dir, first.col_dir
    rows, columns, pixel_spacing = first.rows, first.columns, first.pixel_spacing
    frame_uid = str(getattr(datasets[0], "FrameOfReferenceUID", "") or "")
    if not frame_uid:
        raise GeometryError("The images carry no Frame of Reference UID; their position in the "
                            "patient is unknown.")
    for ds, plane in zip(datasets[1:], planes[1:], strict=True):
        _check_same_plane(ds, plane, first, frame_uid)

    normal = np.cross(row_dir, col_dir)
    positions = np.array([plane.position for plane in planes])
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    positions, along = positions[order], along[order]
    ordered = tuple(datasets[i] for i in order)

    _check_distinct(along, ordered)
    step = _check_even(along)
    _check_not_sheared(positions, along, normal)

    # The slice axis runs from the first to the last position rather than along the exact
    # normal, so the affine reproduces both end positions exactly despite decimal rounding.
    slice_axis = (positions[-1] - positions[0]) / (len(ordered) - 1)
    affine = np.eye(4)
    affine[:3, 0] = slice_axis
    affine[:3, 1] = col_dir * pixel_spacing[0]  # next row: down a column, by the row spacing
    affine[:3, 2] = row_dir * pixel_spacing[1]  # next column: along a row
    affine[:3, 3] = positions[0]
    return SortedSeries(
        datasets=ordered,
        affine=affine,
        spacing=(step, float(pixel_spacing[0]), float(pixel_spacing[1])),
        shape=(len(ordered), rows, columns),
        frame_of_reference_uid=frame_uid,
        sop_instance_uids=tuple(str(ds.SOPInstanceUID) for ds in ordered),
    )


def _check_same_plane(ds: Dataset, plane: Plane, first: Plane, frame_uid: str) -> None:
    if (np.abs(plane.row_dir - first.row_dir).max() > _ORIENTATION_TOLERANCE
            or np.abs(plane.col_dir - first.col_dir).max() > _ORIENTATION_TOLERANCE):
        raise GeometryError("The images do not share one orientation (the series mixes "
                            "planes); it cannot be used as one volume.")
    if (plane.rows, plane.columns) != (first.rows, first.columns):
        raise GeometryError(f"Image sizes differ ({first.rows}x{first.columns} and "
                            f"{plane.rows}x{plane.columns}); the series cannot be used as one "
                            "volume.")
    if np.abs(plane.pixel_spacing - first.pixel_spacing).max() > _PIXEL_SPACING_TOLERANCE_MM:
        raise GeometryError(f"Pixel spacing differs between images ({_mm(first.pixel_spacing)} "
                            f"and {_mm(plane.pixel_spacing)} mm); the series cannot be used as "
                            "one volume.")
    if str(getattr(ds, "FrameOfReferenceUID", "") or "") != frame_uid:
        raise GeometryError("The images belong to different frames of reference; the series "
                            "cannot be used as one volume.")


def _check_distinct(along: np.ndarray, ordered: tuple[Dataset, ...]) -> None:
    gaps = np.diff(along)
    same = np.flatnonzero(gaps < _SAME_POSITION_MM)
    if same.size:
        i = int(same[0])
        numbers = [getattr(ordered[j], "InstanceNumber", "?") for j in (i, i + 1)]
        raise GeometryError(
            f"Two images (instance numbers {numbers[0]} and {numbers[1]}) lie at the same "
            f"position, {along[i]:.2f} mm along the slice normal; the series holds repeated "
            "slices (several phases, echoes or copies) and cannot be used as one volume."
        )


def _check_even(along: np.ndarray) -> float:
    gaps = np.diff(along)
    smallest, largest = float(gaps.min()), float(gaps.max())
    tolerance = max(_SPACING_TOLERANCE_MM, _SPACING_TOLERANCE_RELATIVE * smallest)
    if largest - smallest <= tolerance:
        return float(gaps.mean())
    widest = int(np.argmax(gaps))
    multiple = largest / smallest
    if round(multiple) >= 2 and abs(largest - round(multiple) * smallest) <= tolerance:
        count = round(multiple) - 1
        missing = "1 slice is" if count == 1 else f"{count} slices are"
        raise GeometryError(
            f"{missing} missing between {along[widest]:.2f} and "
            f"{along[widest + 1]:.2f} mm along the slice normal (a gap of {largest:.2f} mm "
            f"where slices are {smallest:.2f} mm apart); the series cannot be used as one volume."
        )
    raise GeometryError(
        f"Slice spacing varies from {smallest:.2f} to {largest:.2f} mm; the series cannot be "
        "used as one volume."
    )


def _check_not_sheared(positions: np.ndarray, along: np.ndarray, normal: np.ndarray) -> None:
    offsets = positions - positions[0]
    distance = along - along[0]
    in_plane = offsets - np.outer(distance, normal)
    drift = np.linalg.norm(in_plane, axis=1)
    allowed = np.maximum(_DRIFT_TOLERANCE_MM, _TILT_TOLERANCE_PER_MM * np.abs(distance))
    if np.any(drift > allowed):
        worst = int(np.argmax(drift - allowed))
        angle = np.degrees(np.arctan2(drift[worst], abs(distance[worst])))
        raise GeometryError(
            f"Slice positions are not stacked along the slice normal: they drift "
            f"{drift[worst]:.2f} mm sideways over {abs(distance[worst]):.2f} mm (a gantry tilt "
            f"of about {angle:.1f} degrees); the series cannot be used as one volume without "
            "tilt correction."
        )


def _mm(values: np.ndarray) -> str:
    return " x ".join(f"{v:g}" for v in values)
