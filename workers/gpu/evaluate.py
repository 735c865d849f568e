"""Dice per structure of a bundle on phantom studies, against the phantoms' ground truth.

    python -m workers.gpu.evaluate --bundle workers/gpu/bundles/assist-brain-tumour-demo \
        --seeds 9000-9009

GTV is compared with necrotic core + enhancing tumour (labels 1, 3), Edema with the whole
lesion (1, 2, 3), Brain with the phantom's intracranial tissue. Use seeds no training run
has seen (training takes 1000.., validation 8000..).
"""

import argparse
import json
import time
from pathlib import Path

from workers.gpu.phantom_cases import seed_range
from workers.gpu.validation import COMPARED, validation_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--seeds", default="9000-9009")
    parser.add_argument("--grid", default="small")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    started = time.monotonic()
    report = validation_report(args.bundle, seed_range(args.seeds), args.grid)
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
