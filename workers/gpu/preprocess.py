"""From volumes on the T1c grid to the network's input tensor, and back."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from workers.geometry import Volume, resample_to

# Grids whose spacing differs by less than this (mm) are the same grid: resampling a volume
# onto itself would only blur it.
_SAME_SPACING_MM = 1e-3


@dataclass(frozen=True, eq=False)
class ModelInput:
    tensor: torch.Tensor  # (channels, slices, rows, columns), preprocessed
    grid: Volume | None  # the model grid, or None when it is the reference grid itself


def model_grid(reference: Volume, spacing_mm: Sequence[float]) -> Volume | None:
    """A grid in the reference's orientation and extent with the model's voxel spacing."""
    current = np.asarray(reference.spacing, dtype=float)
    wanted = np.asarray(spacing_mm, dtype=float)
    if np.all(np.abs(current - wanted) < _SAME_SPACING_MM):
        return None
    shape = np.floor((np.asarray(reference.shape) - 1) * current / wanted).astype(int) + 1
    affine = reference.affine.copy()
    affine[:3, :3] = affine[:3, :3] / current * wanted  # scale each index axis
    return Volume(
        array=np.zeros(tuple(int(n) for n in shape), dtype=np.float32),
        affine=affine,
        spacing=(float(wanted[0]), float(wanted[1]), float(wanted[2])),
        sop_instance_uids=(),
        frame_of_reference_uid=reference.frame_of_reference_uid,
    )


def model_input(channels: Sequence[Volume], reference: Volume, spacing_mm: Sequence[float],
                preprocessing: Callable[[torch.Tensor], torch.Tensor]) -> ModelInput:
    grid = model_grid(reference, spacing_mm)
    arrays = [(v if grid is None else resample_to(v, grid)).array for v in channels]
    stacked = torch.from_numpy(np.stack(arrays).astype(np.float32, copy=False))
    tensor = preprocessing(stacked)
    # MONAI transforms return MetaTensors; a plain tensor keeps the inferer's fast path.
    return ModelInput(tensor=torch.as_tensor(tensor).as_subclass(torch.Tensor).float(),
                      grid=grid)


def to_reference(probabilities: np.ndarray, grid: Volume | None,
                 reference: Volume) -> np.ndarray:
    """Probabilities (channels, ...) on the model grid -> on the reference grid (trilinear)."""
    if grid is None:
        return probabilities
    out = []
    for channel in probabilities:
        on_grid = Volume(array=channel, affine=grid.affine, spacing=grid.spacing,
                         sop_instance_uids=(), frame_of_reference_uid=grid.frame_of_reference_uid)
        out.append(resample_to(on_grid, reference).array)
    return np.stack(out)
