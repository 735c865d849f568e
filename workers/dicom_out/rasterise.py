"""RTSTRUCT contours back onto the reference grid (tests, review, metrics)."""

from collections.abc import Sequence

import numpy as np
from pydicom import Dataset

from workers.dicom_out.contour_data import contour_points
from workers.dicom_out.contours import polygons_fill
from workers.geometry import series_sort

# A contour is assigned to the nearest slice; further than this fraction of the slice spacing
# from every slice it belongs to no image of the reference and is refused.
_OFF_PLANE_FRACTION = 0.25


def rtstruct_rasterise(rtstruct: Dataset, reference: Sequence[Dataset]) -> dict[str, np.ndarray]:
    """Masks ``(slice, row, column)`` per ROI name, filling each slice's contours even-odd.

    Only CLOSED_PLANAR contours are filled (points and open contours enclose nothing).
    """
    series = series_sort(reference)
    inverse = np.linalg.inv(series.affine)
    names = {int(roi.ROINumber): str(roi.ROIName) for roi in rtstruct.StructureSetROISequence}
    masks: dict[str, np.ndarray] = {}
    for roi in rtstruct.ROIContourSequence:
        name = names[int(roi.ReferencedROINumber)]
        polygons: list[tuple[int, np.ndarray]] = []
        for contour in roi.get("ContourSequence", []):
            if contour.ContourGeometricType != "CLOSED_PLANAR":
                continue
            points = contour_points(contour)
            index = points @ inverse[:3, :3].T + inverse[:3, 3]
            k = int(np.rint(index[:, 0].mean()))
            off_plane = np.abs(index[:, 0] - k).max()
            if not 0 <= k < series.shape[0] or off_plane > _OFF_PLANE_FRACTION:
                raise ValueError(f"A contour of {name} does not lie on an image of the "
                                 "reference series.")
            polygons.append((k, index[:, 1:]))
        masks[name] = polygons_fill(polygons, series.shape)
    return masks
