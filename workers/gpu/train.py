"""Train the demo bundle on phantom studies generated in memory; writes a complete bundle.

    python -m workers.gpu.train --out workers/gpu/bundles/assist-brain-tumour-demo \
        --cases 96 --seed 0 --grid clinical,small --epochs 100 --workers 2

``--grid`` names one phantom grid or several, comma-separated: training cases take them in
turn by seed, so the network meets both a clinical protocol and coarser studies; validation
uses the first. Seeds are split so that no study is used twice: training cases come from
1000.., validation (model selection, the metrics in metadata.json) from 8000..; 9000.. are
left for ``workers.gpu.evaluate``. Sites take turns by seed (``phantom_cases.case_site``).
"""

import argparse
import json
import multiprocessing
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import monai
import numpy as np
import torch
from monai.losses import DiceCELoss

from workers.gpu.bundle import INFERENCE, METADATA, WEIGHTS, bundle_parser
from workers.gpu.bundle_config import inference_config, metadata
from workers.gpu.segment import device_select
from workers.gpu.training_data import TrainingCase, crop_sample, training_case
from workers.gpu.validation import validation_report

TRAIN_FIRST_SEED = 1000
VALIDATION_FIRST_SEED = 8000


@dataclass(frozen=True)
class TrainOptions:
    out: Path
    cases: int
    seed: int
    grid: str  # one grid name, or several comma-separated (cases take them in turn)
    epochs: int
    validation_cases: int = 8
    batch: int = 2
    learning_rate: float = 3e-3
    version: str = "0.2.0"
    # One thread by default: on shared cores, two OpenMP threads stall each other at every
    # operation whenever another process takes a core (epochs went from 10 s to 90 s).
    threads: int = 1
    checkpoint_every: int = 10  # epochs; a snapshot to evaluate while training goes on
    workers: int = 1  # processes generating the training studies (each takes a second or two)


def _configs_write(options: TrainOptions) -> None:
    (options.out / INFERENCE.parent).mkdir(parents=True, exist_ok=True)
    (options.out / WEIGHTS.parent).mkdir(parents=True, exist_ok=True)
    (options.out / INFERENCE).write_text(json.dumps(inference_config(), indent=2) + "\n")
    (options.out / METADATA).write_text(
        json.dumps(metadata(version=options.version, training={}), indent=2) + "\n")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def machine_name(device: torch.device) -> str:
    cpu = f"{_cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch thread(s)"
    return f"{torch.cuda.get_device_name(device)} + {cpu}" if device.type == "cuda" else cpu


def _weights_save(network: torch.nn.Module, out: Path) -> None:
    # float16 halves the committed file; the weights of a model this size lose nothing
    # measurable (loading copies them back into float32 parameters).
    state = {k: v.detach().to("cpu", torch.float16) for k, v in network.state_dict().items()}
    torch.save(state, out / WEIGHTS)


def _batches(cases: list[TrainingCase], options: TrainOptions, roi: tuple[int, ...],
             rng: np.random.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    order = rng.permutation(len(cases))
    batches = []
    for start in range(0, len(order), options.batch):
        pairs = [crop_sample(cases[i], roi, rng) for i in order[start:start + options.batch]]
        batches.append((torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])))
    return batches


def train(options: TrainOptions) -> dict[str, object]:
    started = time.monotonic()
    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads)
    rng = np.random.default_rng(options.seed)
    _configs_write(options)
    parser = bundle_parser(options.out)
    network = parser.get_parsed_content("network_def")
    preprocessing = parser.get_parsed_content("preprocessing")
    roi = tuple(int(v) for v in parser["inferer"]["roi_size"])
    channels = tuple(parser["channels"])
    spacing = tuple(float(v) for v in parser["spacing_mm"])

    train_seeds = list(range(TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + options.cases))
    validation_seeds = list(range(VALIDATION_FIRST_SEED,
                                  VALIDATION_FIRST_SEED + options.validation_cases))
    grids = options.grid.split(",")
    arguments = [(s, grids[i % len(grids)], channels, spacing, preprocessing)
                 for i, s in enumerate(train_seeds)]
    if options.workers > 1:
        # Fork: the children inherit the loaded atlas instead of reading it again.
        with multiprocessing.get_context("fork").Pool(options.workers) as pool:
            cases = pool.starmap(training_case, arguments)
    else:
        cases = [training_case(*a) for a in arguments]
    device = device_select()  # after the fork: CUDA does not survive into children
    network.to(device)
    print(f"{len(cases)} training cases in {time.monotonic() - started:.0f} s", flush=True)

    # Sigmoid per channel: the channels are nested regions, not exclusive classes. batch=True
    # pools the Dice over the batch so a patch without tumour does not blow up the loss.
    loss_function = DiceCELoss(sigmoid=True, batch=True)
    optimiser = torch.optim.AdamW(network.parameters(), lr=options.learning_rate,
                                  weight_decay=1e-5)
    steps = options.epochs * -(-len(cases) // options.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=options.learning_rate,
                                                   total_steps=steps, pct_start=0.05)
    network.train()
    for epoch in range(1, options.epochs + 1):
        losses = []
        for inputs, targets in _batches(cases, options, roi, rng):
            optimiser.zero_grad(set_to_none=True)
            inputs, targets = inputs.to(device), targets.to(device)
            loss = loss_function(network(inputs), targets)
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
        print(f"epoch {epoch}/{options.epochs} loss {np.mean(losses):.4f} "
              f"{time.monotonic() - started:.0f} s", flush=True)
        if epoch % options.checkpoint_every == 0:
            _weights_save(network, options.out)

    network.eval()
    _weights_save(network, options.out)
    train_seconds = time.monotonic() - started
    report = validation_report(options.out, validation_seeds, grids[0])
    training = {
        "command": (f"python -m workers.gpu.train --out {options.out} --cases {options.cases} "
                    f"--seed {options.seed} --grid {options.grid} --epochs {options.epochs}"
                    + f" --version {options.version}"
                    + (f" --workers {options.workers}" if options.workers > 1 else "")
                    + (f" --threads {options.threads}" if options.threads != 1 else "")),
        "data": "workers.phantoms.make_phantom, sites in turn by seed",
        "train_seeds": f"{train_seeds[0]}-{train_seeds[-1]}",
        "validation_seeds": f"{validation_seeds[0]}-{validation_seeds[-1]}",
        "grid": options.grid,
        "epochs": options.epochs,
        "steps": steps,
        "batch": options.batch,
        "patch": list(roi),
        "loss": "DiceCELoss(sigmoid=True, batch=True)",
        "optimiser": f"AdamW, one-cycle learning rate up to {options.learning_rate}",
        "seconds": round(train_seconds),
        "machine": machine_name(device),
        "parameters": sum(p.numel() for p in network.parameters()),
        "validation": report,
        "monai_version": monai.__version__,
        "pytorch_version": torch.__version__.split("+")[0],
    }
    (options.out / METADATA).write_text(
        json.dumps(metadata(version=options.version, training=training), indent=2,
                   ensure_ascii=False) + "\n")
    return training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grid", default="small")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--validation-cases", type=int, default=8)
    parser.add_argument("--version", default="0.2.0")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes generating the training studies")
    args = parser.parse_args()
    training = train(TrainOptions(out=args.out, cases=args.cases, seed=args.seed,
                                  grid=args.grid, epochs=args.epochs,
                                  validation_cases=args.validation_cases,
                                  version=args.version, threads=args.threads,
                                  workers=args.workers))
    print(json.dumps(training["validation"], indent=2))


if __name__ == "__main__":
    main()
