"""Training writes a complete bundle that records how it was made; evaluation and threshold
calibration can be kept in it."""

import json
import shutil
from pathlib import Path

import pytest
import torch

from tests.gpu.conftest import DEMO_BUNDLE
from workers.gpu.bundle import INFERENCE, METADATA, WEIGHTS, bundle_load
from workers.gpu.evaluate import evaluation_record, threshold_calibrate, threshold_sweep
from workers.gpu.train import TrainOptions, train
from workers.gpu.validation import validation_report


def test_a_short_run_with_parallel_case_generation_writes_a_loadable_bundle(
    tmp_path: Path,
) -> None:
    options = TrainOptions(out=tmp_path / "bundle", cases=2, seed=0, grid="small", epochs=1,
                           validation_cases=1, workers=2)
    training = train(options)
    assert training["command"] == (
        f"python -m workers.gpu.train --out {tmp_path / 'bundle'} --cases 2 --seed 0 "
        "--grid small --epochs 1 --version 0.2.0 --workers 2")
    assert training["train_seeds"] == "1000-1001"
    assert training["validation_seeds"] == "8000-8000"
    assert training["steps"] == 1
    assert "cores" in str(training["machine"])
    metadata = json.loads((options.out / METADATA).read_text())
    assert metadata["training"] == json.loads(json.dumps(training))
    state = torch.load(options.out / WEIGHTS, weights_only=True)
    assert {tensor.dtype for tensor in state.values()} == {torch.float16}
    assert not bundle_load(options.out).network.training


def test_evaluation_is_recorded_beside_what_the_metadata_held(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEMO_BUNDLE, bundle)
    before = json.loads((bundle / METADATA).read_text())
    report = validation_report(bundle, [9000], "small")
    evaluation_record(bundle, report, "python -m workers.gpu.evaluate --seeds 9000 --record")
    after = json.loads((bundle / METADATA).read_text())
    recorded = after.pop("evaluation")
    before.pop("evaluation", None)
    assert after == before
    assert recorded["command"] == "python -m workers.gpu.evaluate --seeds 9000 --record"
    assert recorded["seeds"] == "9000-9000"
    assert recorded["cases"] == report["cases"]
    assert recorded["dice"]["Edema"]["min"] >= 0.9
    assert "cores" in recorded["machine"]


def test_calibration_sets_the_threshold_with_the_best_mean_edema(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEMO_BUNDLE, bundle)
    inference_before = json.loads((bundle / INFERENCE).read_text())
    best = threshold_calibrate(bundle, [8003], "small", [0.3, 0.6], "the command")
    sweep = threshold_sweep(bundle, [8003], "small", [0.3, 0.6])
    assert best == max([0.3, 0.6], key=lambda t: (sweep[t]["Edema"]["mean"],
                                                   sweep[t]["GTV"]["mean"]))
    inference = json.loads((bundle / INFERENCE).read_text())
    assert inference == {**inference_before, "threshold": best}
    calibration = json.loads((bundle / METADATA).read_text())["calibration"]
    assert calibration["threshold"] == best
    assert calibration["seeds"] == "8003-8003"
    assert calibration["sweep"] == {str(t): scores for t, scores in sweep.items()}


def test_calibration_refuses_evaluation_seeds_and_changes_nothing(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEMO_BUNDLE, bundle)
    files = {name: (bundle / name).read_bytes() for name in (INFERENCE, METADATA)}
    with pytest.raises(SystemExit, match="never on evaluation seeds"):
        threshold_calibrate(bundle, [8000, 9000], "small", [0.5], "the command")
    assert {name: (bundle / name).read_bytes() for name in files} == files
