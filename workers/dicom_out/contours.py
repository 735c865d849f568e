"""Binary slice masks <-> closed planar polygons in pixel index coordinates (row, column).

A slice's polygons are read with the even-odd rule (XOR), which is how PS3.3 C.8.8.6.3 and
treatment planning systems combine the contours of one ROI on one plane: an island is an outer
contour, a hole is an inner contour inside it, an island inside a hole is a third contour.
"""

import numpy as np

from workers.dicom_out.tracing import volume_polygons


def mask_polygons(plane: np.ndarray) -> list[np.ndarray]:
    """Polygons (``(N, 2)`` arrays of row, column) whose even-odd interior holds exactly the
    True pixel centres of ``plane``.

    Vertices sit midway between inside and outside pixel centres, so filling the polygons at
    pixel centres gives the mask back unchanged.
    """
    return [polygon for _, polygon in volume_polygons(np.asarray(plane, dtype=bool)[None])]


def polygons_fill(polygons: list[tuple[int, np.ndarray]],
                  shape: tuple[int, int, int]) -> np.ndarray:
    """Even-odd fill at pixel centres of ``(slice, polygon)`` pairs, polygons in (row, column).

    A scanline fill over every polygon at once: each edge crossing of a pixel row toggles the
    parity of all pixels to its right, and a cumulative sum turns parity into the mask.
    (skimage.draw.polygon tests every pixel of a polygon's box against every edge: seconds per
    structure set.) Several polygons on one slice combine by XOR, as the standard reads them.
    """
    mask = np.zeros(shape, dtype=bool)
    polygons = [(k, ring) for k, ring in polygons if 0 <= k < shape[0] and len(ring) >= 3]
    if not polygons:
        return mask
    slices = sorted({k for k, _ in polygons})
    layer = {k: i for i, k in enumerate(slices)}
    vertices = np.concatenate([ring for _, ring in polygons])
    # Work in the polygons' bounding box only: the cumulative sum is the expensive part.
    row_low = max(int(np.ceil(vertices[:, 0].min())), 0)
    row_high = min(int(np.floor(vertices[:, 0].max())) + 1, shape[1])
    column_low = max(int(np.ceil(vertices[:, 1].min())), 0)
    column_high = min(int(np.floor(vertices[:, 1].max())) + 1, shape[2])
    if row_low >= row_high or column_low >= column_high:
        return mask
    width = column_high - column_low
    # uint8 wraps at 256, which keeps parity: all that matters here.
    toggles = np.zeros((len(slices), row_high - row_low, width + 1), dtype=np.uint8)
    for k, ring in polygons:
        rows, columns = _crossings(ring)
        keep = (rows >= row_low) & (rows < row_high)
        start = np.clip(np.ceil(columns[keep]).astype(int) - column_low, 0, width)
        np.add.at(toggles[layer[k]], (rows[keep] - row_low, start), 1)
    inside = (np.cumsum(toggles, axis=2, dtype=np.uint8)[:, :, :width] & 1).astype(bool)
    mask[slices, row_low:row_high, column_low:column_high] = inside
    return mask


def _crossings(ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the closed polygon's edges cross pixel rows: (row, column) per crossing."""
    start, end = ring, np.roll(ring, -1, axis=0)
    low, high = np.minimum(start[:, 0], end[:, 0]), np.maximum(start[:, 0], end[:, 0])
    # Rows an edge crosses, half-open (low <= row < high) so that a vertex on a row counts once
    # and horizontal edges not at all.
    first, stop = np.ceil(low).astype(int), np.ceil(high).astype(int)
    counts = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(len(ring)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = first[edge] + offset
    fraction = (rows - start[edge, 0]) / (end[edge, 0] - start[edge, 0])
    return rows, start[edge, 1] + fraction * (end[edge, 1] - start[edge, 1])
