"""A brain mask from intensities alone, for bundles that do not predict the brain.

Deliberately simple (Otsu threshold, erosion to cut the brain loose from the scalp, largest
component, dilation back, holes filled): it only has to bound the CTV at the skull, where
a few millimetres do not change a 15 mm margin's meaning. Bundles should predict the brain.
"""

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from workers.geometry import Volume
from workers.structures import expand_mm, fill_holes

# Thicker than skull and CSF together (~7 mm), so erosion breaks every bridge to the scalp.
_DETACH_MM = 8.0


def brain_from_t1(t1: Volume) -> np.ndarray:
    spacing = np.asarray(t1.spacing, dtype=float)
    smooth = ndimage.gaussian_filter(t1.array.astype(np.float32), sigma=1.5 / spacing)
    tissue = smooth > threshold_otsu(smooth)
    core = ndimage.distance_transform_edt(tissue, sampling=spacing) > _DETACH_MM
    labels, count = ndimage.label(core)
    if count == 0:
        return np.zeros(t1.shape, dtype=bool)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    largest = labels == int(np.argmax(sizes))
    brain = expand_mm(largest, t1.spacing, _DETACH_MM) & tissue
    return fill_holes(brain)
