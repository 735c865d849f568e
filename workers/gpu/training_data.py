"""Training samples: phantom cases on the model grid, and lesion-biased random patches."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workers.geometry import Volume, resample_to
from workers.gpu.bundle_config import OUTPUTS
from workers.gpu.phantom_cases import phantom_case
from workers.gpu.preprocess import model_input

# Share of patches centred on a tumour voxel: the tumour is ~1 % of the head, and uniform
# patches would leave the network few tumour boundaries to learn from.
_LESION_CENTRED = 0.67
_INTENSITY_SCALE = 0.1  # +-10 % per channel: sites differ in contrast beyond what
_INTENSITY_SHIFT = 0.05  # percentile normalisation removes


@dataclass(frozen=True, eq=False)
class TrainingCase:
    seed: int
    # Stored compactly (a clinical case on the model grid is ~8 M voxels per channel):
    # patches come back as float32.
    inputs: torch.Tensor  # (channels, slices, rows, columns), preprocessed, model grid, float16
    targets: torch.Tensor  # (len(OUTPUTS), ...) 0/1 uint8
    lesion: np.ndarray  # (n, 3) voxel indices of the whole tumour, for lesion-centred patches


def _on_grid(mask: np.ndarray, reference: Volume, grid: Volume | None) -> np.ndarray:
    if grid is None:
        return mask
    volume = Volume(array=mask.astype(np.uint8), affine=reference.affine,
                    spacing=reference.spacing, sop_instance_uids=(),
                    frame_of_reference_uid=reference.frame_of_reference_uid)
    return resample_to(volume, grid, nearest=True).array.astype(bool)


def _pad_to(tensor: torch.Tensor, roi: Sequence[int]) -> torch.Tensor:
    missing = [max(0, r - n) for r, n in zip(roi, tensor.shape[1:], strict=True)]
    if not any(missing):
        return tensor
    # F.pad lists the last axis first; pad at the far end with 0 (air after normalisation),
    # as the sliding-window inferer pads.
    pads = [p for m in reversed(missing) for p in (0, m)]
    return torch.nn.functional.pad(tensor, pads)


def training_case(seed: int, grid: str, channels: tuple[str, ...],
                  spacing_mm: Sequence[float],
                  preprocessing: Callable[[Any], Any],
                  roi: Sequence[int] = (0, 0, 0)) -> TrainingCase:
    case = phantom_case(seed, grid, channels)
    prepared = model_input(case.volumes, spacing_mm, preprocessing)
    masks = [_on_grid(case.truth[name], case.volumes.reference, prepared.grid)
             for name in OUTPUTS]
    targets = torch.from_numpy(np.stack(masks).astype(np.uint8))
    return TrainingCase(seed=seed, inputs=prepared.tensor.to(torch.float16), targets=targets,
                        lesion=np.argwhere(masks[OUTPUTS.index("WT")]))


def crop_sample(case: TrainingCase, roi: Sequence[int],
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    inputs, targets = _pad_to(case.inputs, roi), _pad_to(case.targets, roi)
    shape = np.asarray(inputs.shape[1:])
    size = np.asarray(roi)
    if len(case.lesion) and rng.random() < _LESION_CENTRED:
        centre = case.lesion[rng.integers(len(case.lesion))]
    else:
        centre = np.array([rng.integers(n) for n in shape])
    start = np.clip(centre - size // 2, 0, shape - size)
    box = tuple(slice(int(a), int(a + s)) for a, s in zip(start, size, strict=True))
    x, y = inputs[(slice(None), *box)].float(), targets[(slice(None), *box)].float()
    if rng.random() < 0.5:  # left-right: tumours occur on either side
        x, y = x.flip(-1), y.flip(-1)
    channels = x.shape[0]
    scale = 1 + rng.uniform(-_INTENSITY_SCALE, _INTENSITY_SCALE, channels)
    shift = rng.uniform(-_INTENSITY_SHIFT, _INTENSITY_SHIFT, channels)
    x = x * torch.tensor(scale, dtype=x.dtype)[:, None, None, None] + torch.tensor(
        shift, dtype=x.dtype)[:, None, None, None]
    return x.contiguous(), y.contiguous()
