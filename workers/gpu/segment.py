"""Run a bundle's network over a whole study: sliding windows, AMP on CUDA, plain FP32 on CPU."""

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from workers.gpu.bundle import Bundle
from workers.gpu.inputs import StudyVolumes
from workers.gpu.preprocess import model_input, to_reference


def device_select() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def _precision(device: torch.device) -> Iterator[None]:
    # Mixed precision halves memory and roughly doubles throughput on tensor cores; on the CPU
    # bfloat16 autocast is slower than FP32 for 3D convolutions, so the CPU stays in FP32.
    if device.type == "cuda":
        with torch.autocast("cuda", dtype=torch.float16):
            yield
    else:
        yield


def network_run(bundle: Bundle, tensor: torch.Tensor, device: torch.device) -> np.ndarray:
    """Probabilities (outputs, slices, rows, columns) for a preprocessed input tensor."""
    network = bundle.network.to(device)
    with torch.inference_mode(), _precision(device):
        logits = bundle.inferer(inputs=tensor[None].to(device), network=network)
    probabilities = bundle.postprocessing(logits[0].float())
    return torch.as_tensor(probabilities).cpu().numpy().astype(np.float32, copy=False)


def study_probabilities(bundle: Bundle, volumes: StudyVolumes, device: torch.device,
                        wanted: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Output channels' probabilities on the T1c grid, keyed by output name; only those in
    ``wanted`` (default all) are brought back to the T1c grid, which is the costly part."""
    prepared = model_input(volumes, bundle.spacing_mm, bundle.preprocessing)
    probabilities = network_run(bundle, prepared.tensor, device)
    names = [name for name in bundle.outputs if wanted is None or name in wanted]
    picked = probabilities[[bundle.outputs.index(name) for name in names]]
    on_reference = to_reference(picked, prepared.grid, volumes.reference)
    return dict(zip(names, on_reference, strict=True))
