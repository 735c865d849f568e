"""The healthy head rendered once per process on the 1 mm atlas grid, one image per sequence.

Every series then needs a single interpolation per voxel; only the voxels the lesion touches
go through the full tissue model. This is what keeps a clinical study to a few seconds.
"""

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from workers.phantoms.anatomy import COARSE_STEP, anatomy_load
from workers.phantoms.contrast import contrast_columns
from workers.phantoms.sequences import Sequence
from workers.phantoms.tissue import SCALP_OUTER, dominant_columns, normal_columns

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
_EDGE = 1.0  # mm: partial-volume width of the precomputed boundaries, the atlas voxel


@dataclass(frozen=True)
class NormalHead:
    """Volumes indexed [z, y, x]: an axial series walks along x fastest, and so, in memory,
    does the interpolation, which is several times faster than striding across the array."""

    origin: FloatArray  # atlas RAS of voxel (0, 0, 0)
    signals: dict[Sequence, Float32Array]  # noise-free images on the atlas grid
    tissue: npt.NDArray[np.uint8]  # dominant Tissue per atlas voxel

    def _index(self, atlas: Float32Array) -> Float32Array:
        result: Float32Array = (atlas - self.origin.astype(np.float32))[:, ::-1].T
        return result

    def signal_at(self, image: Float32Array, atlas: Float32Array) -> Float32Array:
        """``image`` (one of ``signals`` or a ``slab`` of it) at atlas points. Beyond the grid
        the nearest voxel holds: air at the sides and top, the neck below."""
        return ndimage.map_coordinates(image, self._index(atlas), order=1, mode="nearest",
                                       output=np.float32)

    def slab(self, sequence: Sequence, thickness: float) -> Float32Array:
        """The image as slices ``thickness`` mm thick see it: averaged along z, with the
        variance of a rectangular slice profile. (Heads tilt a few degrees at most, so the
        slice normal and atlas z nearly agree.)"""
        image = self.signals[sequence]
        if thickness <= 2.0:
            return image
        return ndimage.gaussian_filter1d(image, sigma=thickness / np.sqrt(12), axis=0)

    def tissue_at(self, atlas: Float32Array) -> npt.NDArray[np.uint8]:
        return ndimage.map_coordinates(self.tissue, self._index(atlas), order=0, mode="nearest")


@functools.cache
def normal_head_load() -> NormalHead:
    anatomy = anatomy_load()
    # Crop to the head (scalp plus a margin of air) but keep the bottom: the neck runs on down.
    coarse = np.argwhere(anatomy.distance < SCALP_OUTER + 2 * COARSE_STEP)
    low = np.maximum((coarse.min(axis=0) * COARSE_STEP).astype(int) - 2, 0)
    low[2] = 0
    high = np.minimum((coarse.max(axis=0) + 1) * COARSE_STEP + 2, anatomy.grey.shape).astype(int)
    shape = tuple(int(n) for n in high - low)
    origin = anatomy.origin + low
    # The 2 mm distance map, interpolated onto the 1 mm voxels (centres offset by half a mm).
    distance = ndimage.affine_transform(
        anatomy.distance, np.full(3, 1 / COARSE_STEP), offset=(low - 0.5) / COARSE_STEP,
        output_shape=shape, order=1, mode="nearest", output=np.float32,
    )
    part = tuple(slice(a, b) for a, b in zip(low, high, strict=True))
    grey = (anatomy.grey[part] / 255).astype(np.float32)
    white = (anatomy.white[part] / 255).astype(np.float32)
    columns = normal_columns(distance, grey, white, _EDGE)
    signals = {
        sequence: np.ascontiguousarray(contrast_columns(columns, sequence).transpose())
        for sequence in Sequence
    }
    tissue = np.ascontiguousarray(dominant_columns(columns).transpose())
    return NormalHead(origin=origin, signals=signals, tissue=tissue)
