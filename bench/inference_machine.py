"""The machine a benchmark ran on, and the model-only time it is compared against."""

import os
import platform
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
