"""Contour Data (3006,0050) from an array of points, without per-value pydicom objects.

A structure set holds ~100,000 coordinates. Assigning them through pydicom builds and
validates one DSfloat per value (about 20 us each, seconds per study), so the value is put in
as the encoded bytes instead: a RawDataElement, exactly what pydicom holds for an element read
from a file. It is written out as is, and decoded only if someone reads ``ContourData``.
"""

import numpy as np
from pydicom import Dataset
from pydicom.charset import default_encoding
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

_CONTOUR_DATA = Tag(0x3006, 0x0050)


def contour_data_element(item: Dataset, points: np.ndarray) -> None:
    """Set ``item.ContourData`` to the ``(N, 3)`` points (x1, y1, z1, x2, ...) in mm."""
    # Six decimals: sub-micrometre, and at most 16 characters (the DS limit) for any point
    # within 100 m of the origin.
    text = "\\".join([f"{v:.6f}" for v in np.asarray(points, dtype=float).ravel()])
    value = text.encode("ascii")
    if len(value) % 2:
        value += b" "  # DICOM values have even length; DS pads with a space
    item[_CONTOUR_DATA] = RawDataElement(
        _CONTOUR_DATA, "DS", len(value), value, 0, is_implicit_VR=False, is_little_endian=True
    )
    # Declaring the item's encoding as the one its raw bytes are in lets pydicom's writer copy
    # them; without it the writer would decode and re-encode every value. The character set is
    # the one pydicom gives an item without its own (the bytes are ASCII in any character set).
    item.set_original_encoding(False, True, default_encoding)


def contour_points(item: Dataset) -> np.ndarray:
    """The ``(N, 3)`` points of ``item.ContourData``, parsed from the file's bytes when they are
    still undecoded (reading a whole structure set through DSfloat takes seconds)."""
    element = item.get_item(_CONTOUR_DATA)
    if element is None:
        return np.empty((0, 3))
    if isinstance(element, RawDataElement) and element.value is not None:
        values = np.array(element.value.split(b"\\"), dtype=float)
    else:
        values = np.asarray(item.ContourData, dtype=float)
    return values.reshape(-1, 3)
