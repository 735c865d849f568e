"""Dice of a bundle's structures against phantom ground truth, through the real pipeline steps."""

from pathlib import Path

import numpy as np

from workers.gpu.bundle import bundle_load
from workers.gpu.dice import dice
from workers.gpu.phantom_cases import phantom_case
from workers.gpu.segment import device_select, study_probabilities
from workers.gpu.targets import USED_OUTPUTS, Margins, structures_build

# Structure -> the ground-truth region it must match (the definition).
COMPARED = {"GTV": "TC", "Edema": "WT", "Brain": "Brain"}


def validation_report(bundle_dir: Path, seeds: list[int], grid: str) -> dict[str, object]:
    bundle = bundle_load(bundle_dir)
    device = device_select()
    cases = []
    for seed in seeds:
        case = phantom_case(seed, grid, bundle.channels)
        probabilities = study_probabilities(bundle, case.volumes, device, USED_OUTPUTS)
        masks = structures_build(probabilities, case.volumes.reference,
                                 threshold=bundle.threshold, margins=Margins())
        row: dict[str, object] = {"seed": seed, "site": case.site}
        for structure, truth in COMPARED.items():
            row[structure] = round(dice(masks[structure], case.truth[truth]), 4)
        cases.append(row)
    summary = {
        structure: {
            "mean": round(float(np.mean([float(c[structure]) for c in cases])), 4),  # type: ignore[arg-type]
            "min": round(float(np.min([float(c[structure]) for c in cases])), 4),  # type: ignore[arg-type]
        }
        for structure in COMPARED
    }
    return {"grid": grid, "seeds": f"{seeds[0]}-{seeds[-1]}", "dice": summary, "cases": cases}
