"""The machine a benchmark ran on, and the model-only time it is compared against."""

import os
import platform
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from pydicom import Dataset

from workers.gpu.bundle import Bundle
from workers.gpu.inputs import study_volumes
from workers.gpu.preprocess import model_input
from workers.gpu.segment import network_run


@dataclass(frozen=True)
class ModelTime:
    wall: float  # median seconds
    cpu: float  # median CPU seconds of this process (all threads)
    describe: str  # the volume and the model grid
    wall_range: tuple[float, float]  # fastest and slowest seconds


def machine(device: torch.device) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    return (f"{cpu}, {os.cpu_count()} hardware threads, {torch.get_num_threads()} torch "
            f"threads{gpu}; Python {platform.python_version()}, torch {torch.__version__}")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def model_time(bundle: Bundle, series: Mapping[str, Sequence[Dataset]], device: torch.device,
               repeats: int) -> ModelTime:
    """The bundle's sliding-window inference alone on the study's preprocessed input."""
    volumes = study_volumes(series, bundle.channels)
    prepared = model_input(volumes, bundle.spacing_mm, bundle.preprocessing)
    network_run(bundle, prepared.tensor, device)  # warm-up: first-call allocations, cuDNN
    walls, cpus = [], []
    for _ in range(repeats):
        _sync(device)
        start, cpu = time.perf_counter(), time.process_time()
        network_run(bundle, prepared.tensor, device)
        _sync(device)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    describe = (f"T1c {volumes.reference.shape} voxels {volumes.reference.spacing} mm -> "
                f"model grid {tuple(prepared.tensor.shape[1:])}")
    return ModelTime(statistics.median(walls), statistics.median(cpus), describe,
                     (min(walls), max(walls)))


def peak_gpu_mb(device: torch.device) -> str:
    if device.type != "cuda":
        return ""
    return f", {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MB on the GPU"


def clinical_size(bundle: Bundle) -> Bundle:
    """``bundle`` with a network of the size clinical brain-tumour models have, untrained.

    The demo network is small enough to train on two CPU cores; published BraTS models are a
    SegResNet of about 5 M parameters run on a 1 mm grid in 128-voxel windows. This one has
    that shape with random weights, seeded: its timings are real, its contours are not (an
    untrained network marks litres, so contouring and writing them cost more than a real
    tumour's would).
    """
    from monai.inferers import SlidingWindowInferer
    from monai.networks.nets import SegResNet

    torch.manual_seed(0)
    network = SegResNet(spatial_dims=3, init_filters=16, in_channels=len(bundle.channels),
                        out_channels=len(bundle.outputs), blocks_down=(1, 2, 2, 4),
                        blocks_up=(1, 1, 1)).eval()
    inferer = SlidingWindowInferer(roi_size=(128, 128, 128), sw_batch_size=1, overlap=0.5,
                                   mode="gaussian")
    return replace(bundle, network=network, inferer=inferer, spacing_mm=(1.0, 1.0, 1.0))
