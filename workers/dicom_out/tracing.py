"""Marching squares over every slice of a binary mask at once, in array operations.

A structure set's contours used to be traced slice by slice with ``skimage.measure.
find_contours``, whose joining of segments into rings is a Python loop per segment: a brain
outline on 120 slices is ~70,000 segments and cost a quarter of a second. Here every segment
of every slice is made at once from a 16-case table, and the segments are chained into rings
by pointer jumping (about log2 of the longest ring in whole-array steps).

Vertices sit on the midpoints between a pixel inside and a pixel outside (the 0.5 level of
the 0/1 image), so an even-odd fill at pixel centres gives the mask back exactly.
"""

from itertools import combinations

import numpy as np

# Cell corners in (row, column) offsets: top-left, top-right, bottom-right, bottom-left; the
# case number of a cell has bit i set when corner i is inside the mask.
_CORNERS = np.array([(0, 0), (0, 1), (1, 1), (1, 0)])
# Cell edges by the corners they join, and their midpoints in doubled coordinates (offsets
# from twice the cell's top-left corner), so every vertex has integer coordinates.
_EDGES = ((0, 1), (1, 2), (3, 2), (0, 3))  # top, right, bottom, left
_MIDPOINTS = np.array([(0, 1), (1, 2), (2, 1), (1, 0)])


def _case_table() -> np.ndarray:
    """(16, 2, 2) edge numbers (start, end) of up to two segments per case; -1: none.

    Each segment runs with the inside on its left, so around every ring the end of one
    segment is the start of exactly one other. In the two saddle cases the inside corners
    are kept apart (each gets its own corner cut off), which the even-odd fill does not see:
    it only reads pixel centres.
    """
    table = np.full((16, 2, 2), -1, dtype=np.int64)
    for case in range(1, 15):
        inside = [bool(case >> i & 1) for i in range(4)]
        crossed = [e for e, (a, b) in enumerate(_EDGES) if inside[a] != inside[b]]
        if len(crossed) == 2:
            pairs = [tuple(crossed)]
        else:  # saddle: pair each edge with the neighbouring edge that cuts an inside corner
            pairs = [(e, f) for e, f in combinations(crossed, 2)
                     if set(_EDGES[e]) & set(_EDGES[f]) & {i for i in range(4) if inside[i]}]
        for slot, (e, f) in enumerate(pairs):
            table[case, slot] = (e, f) if _inside_on_left(e, f, inside) else (f, e)
    return table


def _inside_on_left(start: int, end: int, inside: list[bool]) -> bool:
    p, q = _MIDPOINTS[start] / 2.0, _MIDPOINTS[end] / 2.0
    shared = set(_EDGES[start]) & set(_EDGES[end])
    # A segment between neighbouring edges cuts off the corner they share; between opposite
    # edges it splits the cell in halves, and any inside corner tells which half is inside.
    corner = shared.pop() if shared else inside.index(True)
    d, v = q - p, _CORNERS[corner] - p
    # With (row, column) axes and rows growing downwards, a corner on the left of the travel
    # gives a negative cross product.
    return (d[0] * v[1] - d[1] * v[0] < 0) == inside[corner]


_TABLE = _case_table()


def volume_polygons(mask: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``(slice, polygon)`` pairs for a ``(slices, rows, columns)`` mask; each polygon is an
    ``(N, 2)`` array of (row, column) with no collinear vertices, slices in ascending order.
    """
    mask = np.asarray(mask, dtype=bool)
    present = [np.flatnonzero(mask.any(axis=tuple(a for a in range(3) if a != axis)))
               for axis in range(3)]
    if any(len(p) == 0 for p in present):
        return []
    # Scan the structure's bounding box only: the case numbers cost time per voxel.
    low = [int(p[0]) for p in present]
    mask = mask[tuple(slice(int(p[0]), int(p[-1]) + 1) for p in present)]
    slices, rows, columns = mask.shape
    # Padding closes rings of structures that touch the image edge.
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1))).view(np.uint8)
    case = (padded[:, :-1, :-1] | padded[:, :-1, 1:] << 1 | padded[:, 1:, 1:] << 2
            | padded[:, 1:, :-1] << 3)
    # Cells on the outline: cases 1-14 (uint8 arithmetic wraps case 0 round to 255).
    on_outline = np.flatnonzero((case - np.uint8(1)) < 14)
    k, r, c = np.unravel_index(on_outline, case.shape)
    pairs = _TABLE[case.ravel()[on_outline]]  # (cells, 2 slots, start/end)
    used = pairs[:, :, 0] >= 0
    cell = np.nonzero(used)[0]
    edges = pairs[used]  # (segments, 2)
    width = 2 * (columns + 2)
    height = 2 * (rows + 2)

    def vertex(edge: np.ndarray) -> np.ndarray:
        y = 2 * r[cell] + _MIDPOINTS[edge, 0]
        x = 2 * c[cell] + _MIDPOINTS[edge, 1]
        return (k[cell] * height + y) * width + x

    start, end = vertex(edges[:, 0]), vertex(edges[:, 1])
    by_start = np.argsort(start, kind="stable")
    following = by_start[np.searchsorted(start, end, sorter=by_start)]
    ring, order = _rings(following)
    sequence = np.lexsort((order, ring))
    ids = start[sequence]
    ring = ring[sequence]
    points = np.stack([(ids // width) % height, ids % width], axis=1) / 2.0 - 1.0
    points += (low[1], low[2])
    first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    last = np.r_[first[1:], len(ring)] - 1
    keep = _turning(points, first, last)
    polygons = []
    for a, b in zip(first, last + 1, strict=True):
        polygon = points[a:b][keep[a:b]]
        if len(polygon) >= 3:
            polygons.append((int(ids[a] // (height * width)) + low[0], polygon))
    return polygons


def _rings(following: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the permutation ``following`` (segment -> next segment on its ring): each
    segment's ring (the smallest segment number on it) and its place along the ring."""
    n = len(following)
    ring = np.arange(n)
    jump = following.copy()
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
        ring = np.minimum(ring, ring[jump])
        jump = jump[jump]
    # Cut each ring before its smallest segment and rank every segment by its distance to
    # the cut (list ranking by pointer jumping): the head gets the largest distance.
    successor = np.where(following == ring, np.arange(n), following)
    distance = (successor != np.arange(n)).astype(np.int64)
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
        distance = distance + distance[successor]
        successor = successor[successor]
    return ring, -distance


def _turning(points: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Which vertices change direction (the others lie on a straight run and add nothing)."""
    previous = np.arange(len(points)) - 1
    previous[first] = last
    following = np.arange(len(points)) + 1
    following[last] = first
    incoming = points - points[previous]
    outgoing = points[following] - points
    # Vertices are on a half-pixel lattice: cross products are exact multiples of 0.25.
    return np.abs(incoming[:, 0] * outgoing[:, 1] - incoming[:, 1] * outgoing[:, 0]) > 1e-9
