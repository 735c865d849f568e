#!/usr/bin/env python
"""Seconds per study for the gpu worker's pipeline against the model alone, and peak memory.

End to end: the four series' datasets (in memory, or read from disk with ``--from-disk``) to
SEG and RTSTRUCT bytes ready for STOW: volumes, resampling onto the T1c grid, preprocessing,
sliding-window inference, back to the T1c grid, post-processing, margins, both DICOM objects.
Model only: the bundle's sliding-window inferer on the same preprocessed volume. Target on
the CPU: end to end <= 1.5 x model only.

    .venv/bin/python bench/inference.py [--grid small|clinical] [--repeats 3] [--from-disk]
"""

import argparse
import io
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pydicom
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workers.gpu.bundle import bundle_load  # noqa: E402
from workers.gpu.inputs import study_volumes  # noqa: E402
from workers.gpu.phantom_cases import SEQUENCE_NAMES, case_site  # noqa: E402
from workers.gpu.pipeline import study_contour  # noqa: E402
from workers.gpu.preprocess import model_input  # noqa: E402
from workers.gpu.segment import device_select, network_run  # noqa: E402
from workers.gpu.targets import Margins  # noqa: E402
from workers.gpu.uids import result_uids  # noqa: E402
from workers.phantoms import make_phantom, write_phantom_study  # noqa: E402

DEMO = REPO / "workers/gpu/bundles/assist-brain-tumour-demo"
SEED = 9000


def _machine(device: torch.device) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    return (f"{cpu}, {torch.get_num_threads()} torch threads{gpu}; Python "
            f"{platform.python_version()}, torch {torch.__version__}")


def _bytes(ds: pydicom.Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=DEMO)
    parser.add_argument("--grid", default="small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--from-disk", action="store_true",
                        help="include reading the DICOM files in the end-to-end time")
    args = parser.parse_args()
    device = device_select()
    print(f"machine: {_machine(device)}; device {device}")

    bundle = bundle_load(args.bundle)
    phantom = make_phantom(SEED, site=case_site(SEED), grid=args.grid)
    folder = Path(tempfile.mkdtemp(prefix="bench-inference-"))
    files = write_phantom_study(phantom, folder)
    paths = {SEQUENCE_NAMES[s]: p for s, p in files.series.items()}

    def read() -> dict[str, list[pydicom.Dataset]]:
        return {name: [pydicom.dcmread(p) for p in ps] for name, ps in paths.items()}

    series = read()
    uids = result_uids(study_uid=phantom.identity.study_uid, job_id=1, model_sha256="bench")
    volumes = study_volumes(series, bundle.channels)
    prepared = model_input(volumes.channels, volumes.reference, bundle.spacing_mm,
                           bundle.preprocessing)
    network_run(bundle, prepared.tensor, device)  # warm-up: first-call allocations, cuDNN

    model_times, total_times, stages = [], [], []
    marks: list[tuple[str, float]] = []

    def mark(_percent: int, stage: str) -> None:
        marks.append((stage, time.perf_counter()))

    for _ in range(args.repeats):
        _sync(device)
        start = time.perf_counter()
        network_run(bundle, prepared.tensor, device)
        _sync(device)
        model_times.append(time.perf_counter() - start)

        marks.clear()
        start = time.perf_counter()
        source = read() if args.from_disk else series
        mark(0, "read")
        result = study_contour(source, bundle, margins=Margins(), uids=uids, device=device,
                               progress=mark)
        mark(100, "written")
        _bytes(result.seg), _bytes(result.rtstruct)
        end = time.perf_counter()
        total_times.append(end - start)
        stages.append(_stage_seconds(start, marks, end))

    model, total = statistics.median(model_times), statistics.median(total_times)
    print(f"study: {args.grid} grid, T1c {volumes.reference.shape} voxels "
          f"{volumes.reference.spacing} mm -> model grid {tuple(prepared.tensor.shape[1:])}")
    print(f"model only (sliding window):  {model:7.2f} s  (median of {args.repeats})")
    print(f"end to end ({'disk' if args.from_disk else 'memory'} -> SEG+RTSTRUCT bytes): "
          f"{total:7.2f} s  = {total / model:.2f} x model only (target <= 1.5)")
    print("stages (median s): " + ", ".join(
        f"{name} {statistics.median(s[name] for s in stages):.2f}" for name in stages[0]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB resident"
          + (f", {torch.cuda.max_memory_allocated() / 2**20:.0f} MB on the GPU"
             if device.type == "cuda" else ""))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _stage_seconds(start: float, marks: list[tuple[str, float]],
                   end: float) -> dict[str, float]:
    """Seconds per stage, from the pipeline's own progress marks."""
    t = dict(marks)
    return {
        "read": t["read"] - start,
        "volumes+resampling": t["segmenting"] - t["read"],
        "model grid+inference+back": t["contouring"] - t["segmenting"],
        "structures+SEG+RTSTRUCT": t["written"] - t["contouring"],
        "serialise": end - t["written"],
    }


if __name__ == "__main__":
    main()
