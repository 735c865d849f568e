"""Normal head anatomy from the MNI152 2009a template that ships inside the nilearn wheel.

Grey and white matter come from the template's tissue probability maps (1 mm). CSF is what the
intracranial space holds besides them (ventricles, sulci, a thin layer under the skull). The
template is skull-stripped, so bone, marrow and scalp are shells at fixed distances outside the
intracranial surface.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nibabel as nib
import numpy as np
import numpy.typing as npt
from scipy import ndimage

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]

# Bytes of the files nilearn.datasets.load_mni152_*_template() read; read directly because
# importing nilearn.datasets pulls in scikit-learn and pandas (two seconds) for three files.
_TEMPLATE = "mni_icbm152_{}_tal_nlin_sym_09a_converted.nii.gz"
COARSE_STEP = 2.0  # mm; the distance map is smooth, so half resolution loses nothing visible


def _nilearn_data_dir() -> Path:
    spec = importlib.util.find_spec("nilearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("nilearn is needed for the phantom anatomy")
    return Path(spec.origin).parent / "datasets" / "data"


@dataclass(frozen=True)
class Anatomy:
    grey: npt.NDArray[np.uint8]  # GM probability x 255 on the 1 mm atlas grid
    white: npt.NDArray[np.uint8]
    origin: FloatArray  # atlas RAS of voxel (0, 0, 0) of the 1 mm grid
    distance: Float32Array  # signed mm to the intracranial surface, < 0 inside, 2 mm grid
    white_coarse: Float32Array  # WM fraction on the 2 mm grid, for placing lesions

    def coarse_centres(self) -> FloatArray:
        """Atlas RAS of every 2 mm voxel centre, in ``distance`` array order, shape (N, 3)."""
        axes = [np.arange(n) * COARSE_STEP + (COARSE_STEP - 1) / 2 for n in self.distance.shape]
        grid = np.meshgrid(*axes, indexing="ij")
        return np.stack([g.ravel() for g in grid], axis=1) + self.origin

    def distance_at(self, atlas: npt.NDArray[np.floating]) -> Float32Array:
        index = (atlas - self.origin - (COARSE_STEP - 1) / 2) / COARSE_STEP
        # "nearest" continues the lowest slices downwards: the brainstem runs on into a neck
        # instead of the head closing under the template's field of view.
        return ndimage.map_coordinates(
            self.distance, index.T, order=1, mode="nearest", output=np.float32
        )

    def brain_at(self, atlas: npt.NDArray[np.floating]) -> tuple[Float32Array, Float32Array]:
        """Grey and white matter fractions at ``atlas`` points."""
        index = (atlas - self.origin).T
        grey = ndimage.map_coordinates(self.grey, index, order=1, mode="nearest",
                                       output=np.float32)
        white = ndimage.map_coordinates(self.white, index, order=1, mode="nearest",
                                        output=np.float32)
        return grey / 255, white / 255


def _load(kind: str) -> tuple[npt.NDArray[np.uint8], FloatArray]:
    image = cast(nib.Nifti1Image, nib.load(_nilearn_data_dir() / _TEMPLATE.format(kind)))
    affine = image.affine
    # The template is 1 mm, axis-aligned RAS; the sampling code relies on that.
    assert np.allclose(affine[:3, :3], np.eye(3)), affine
    return np.asarray(image.dataobj, dtype=np.uint8), affine[:3, 3].astype(np.float64)


def _block_mean(volume: npt.NDArray[np.generic]) -> Float32Array:
    x, y, z = (n // 2 * 2 for n in volume.shape)
    blocks = volume[:x, :y, :z].astype(np.float32).reshape(x // 2, 2, y // 2, 2, z // 2, 2)
    return blocks.mean(axis=(1, 3, 5))


@functools.cache
def anatomy_load() -> Anatomy:
    """The atlas, read and prepared once per process (about a second)."""
    t1, origin = _load("t1")
    grey, _ = _load("gm")
    white, _ = _load("wm")
    intracranial = _block_mean(ndimage.binary_fill_holes(t1 > 0)) >= 0.5
    outside = ndimage.distance_transform_edt(~intracranial) * COARSE_STEP
    inside = ndimage.distance_transform_edt(intracranial) * COARSE_STEP
    # Half a voxel puts the zero level on the surface between voxel centres; a light blur
    # rounds the staircase of the 2 mm mask off the skull.
    signed = np.where(intracranial, COARSE_STEP / 2 - inside, outside - COARSE_STEP / 2)
    distance = ndimage.gaussian_filter(signed.astype(np.float32), sigma=1.0)
    return Anatomy(
        grey=grey,
        white=white,
        origin=origin,
        distance=distance,
        white_coarse=(_block_mean(white) / 255).astype(np.float32),
    )
