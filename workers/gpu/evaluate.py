"""Dice per structure of a bundle on phantom studies, against the phantoms' ground truth.

    python -m workers.gpu.evaluate --bundle workers/gpu/bundles/assist-brain-tumour-demo \
        --seeds 9000-9011 --record

GTV is compared with necrotic core + enhancing tumour (labels 1, 3), Edema with the whole
lesion (1, 2, 3), Brain with the phantom's intracranial tissue. Use seeds no training run
has seen (training takes 1000.., validation 8000..). ``--record`` keeps the report, with the
command and the machine, under "evaluation" in the bundle's metadata.json.

    python -m workers.gpu.evaluate --bundle workers/gpu/bundles/assist-brain-tumour-demo \
        --seeds 8000-8015 --calibrate 0.4,0.5,0.6,0.7

sets the bundle's probability threshold to the one with the best mean Edema Dice (then GTV)
on validation seeds, and keeps the sweep under "calibration" in metadata.json.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from workers.gpu.bundle import INFERENCE, METADATA, bundle_load
from workers.gpu.dice import dice
from workers.gpu.phantom_cases import phantom_case, seed_range
from workers.gpu.segment import device_select, study_probabilities
from workers.gpu.targets import USED_OUTPUTS, Margins, structures_build
from workers.gpu.train import VALIDATION_FIRST_SEED, machine_name
from workers.gpu.validation import COMPARED, validation_report

Sweep = dict[float, dict[str, dict[str, float]]]
_EVALUATION_FIRST_SEED = 9000  # calibrating on these would leave no unseen seeds to report


def evaluation_record(bundle: Path, report: dict[str, object], command: str) -> None:
    """The report, how it was made and where, under "evaluation" in the bundle's metadata."""
    path = bundle / METADATA
    metadata = json.loads(path.read_text())
    metadata["evaluation"] = {"command": command, "machine": machine_name(device_select()),
                              **report}
    path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")


def threshold_sweep(bundle_dir: Path, seeds: list[int], grid: str,
                    thresholds: list[float]) -> Sweep:
    """Mean and worst Dice per structure at each threshold; the network runs once per case."""
    bundle = bundle_load(bundle_dir)
    device = device_select()
    scores: dict[float, dict[str, list[float]]] = {t: {s: [] for s in COMPARED} for t in thresholds}
    for seed in seeds:
        case = phantom_case(seed, grid, bundle.channels)
        probabilities = study_probabilities(bundle, case.volumes, device, USED_OUTPUTS)
        for threshold in thresholds:
            masks = structures_build(probabilities, case.volumes.reference,
                                     threshold=threshold, margins=Margins())
            for structure, truth in COMPARED.items():
                scores[threshold][structure].append(dice(masks[structure], case.truth[truth]))
    return {t: {s: {"mean": round(float(np.mean(v)), 4), "min": round(float(np.min(v)), 4)}
                for s, v in by.items()} for t, by in scores.items()}


def threshold_calibrate(bundle_dir: Path, seeds: list[int], grid: str,
                        thresholds: list[float], command: str) -> float:
    if not all(VALIDATION_FIRST_SEED <= s < _EVALUATION_FIRST_SEED for s in seeds):
        raise SystemExit(f"calibrate on validation seeds ({VALIDATION_FIRST_SEED}-"
                         f"{_EVALUATION_FIRST_SEED - 1}), never on evaluation seeds")
    sweep = threshold_sweep(bundle_dir, seeds, grid, thresholds)
    best = max(thresholds, key=lambda t: (sweep[t]["Edema"]["mean"], sweep[t]["GTV"]["mean"]))
    inference = json.loads((bundle_dir / INFERENCE).read_text())
    inference["threshold"] = best
    (bundle_dir / INFERENCE).write_text(json.dumps(inference, indent=2) + "\n")
    metadata = json.loads((bundle_dir / METADATA).read_text())
    metadata["calibration"] = {
        "command": command, "seeds": f"{seeds[0]}-{seeds[-1]}", "grid": grid,
        "criterion": "best mean Edema Dice, then GTV", "threshold": best,
        "sweep": {str(t): scores for t, scores in sweep.items()},
    }
    (bundle_dir / METADATA).write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--seeds", default="9000-9009")
    parser.add_argument("--grid", default="small")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--record", action="store_true",
                        help="keep the report in the bundle's metadata.json")
    parser.add_argument("--calibrate", metavar="THRESHOLDS",
                        help="comma-separated thresholds; set the bundle's to the best one")
    args = parser.parse_args()
    started = time.monotonic()
    if args.calibrate:
        best = threshold_calibrate(
            args.bundle, seed_range(args.seeds), args.grid,
            [float(t) for t in args.calibrate.split(",")],
            f"python -m workers.gpu.evaluate --bundle {args.bundle} --seeds {args.seeds} "
            f"--grid {args.grid} --calibrate {args.calibrate}")
        print(f"threshold {best}")
        return
    report = validation_report(args.bundle, seed_range(args.seeds), args.grid)
    if args.record:
        evaluation_record(args.bundle, report,
                          f"python -m workers.gpu.evaluate --bundle {args.bundle} "
                          f"--seeds {args.seeds} --grid {args.grid} --record")
    if args.json:
        print(json.dumps(report, indent=2))
        return
    names = list(COMPARED)
    print(f"{'seed':>6} {'site':<10} " + " ".join(f"{n:>7}" for n in names))
    for case in report["cases"]:  # type: ignore[attr-defined]
        print(f"{case['seed']:>6} {case['site']:<10} "
              + " ".join(f"{case[n]:>7.4f}" for n in names))
    dice = report["dice"]
    print(f"{'mean':>6} {'':<10} " + " ".join(f"{dice[n]['mean']:>7.4f}" for n in names))  # type: ignore[index]
    print(f"{'min':>6} {'':<10} " + " ".join(f"{dice[n]['min']:>7.4f}" for n in names))  # type: ignore[index]
    print(f"{len(report['cases'])} studies on the {args.grid} grid in "  # type: ignore[arg-type]
          f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
