"""The benchmark scripts run end to end (smoke runs) and write their JSON."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def quick_run(script, tmp_path, *args):
    """Run ``benchmarks/<script> --quick`` and return (its JSON, what it printed)."""
    out = tmp_path / "result.json"
    printed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--out", str(out), *args],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    return json.loads(out.read_text()), printed


@pytest.mark.slow
def test_bench_stacked_quick_run_writes_every_row(tmp_path):
    result, printed = quick_run("bench_stacked.py", tmp_path, "--datasets", "digits", "rectangles")
    rows = result["rows"]
    assert len(rows) == 2 * (5 * 2 + 3)  # 2 datasets x (5 feature methods x 2 classifiers + 3 models)
    assert all(len(r["accuracy"]) == 4 and all(0 <= a <= 1 for a in r["accuracy"]) for r in rows)
    candidates = {"SdA": {0.1, 0.25, 0.5}, "SAA": {1e-3, 3e-3, 1e-2}, "same": {1e-3, 3e-3, 1e-2}}
    for r in rows:  # every tuned method's setting comes from its own 3-candidate grid
        grid = {1.0} if "defaults" in r["method"] else candidates.get(r["method"].split()[0], {0.1, 1.0, 10.0})
        assert set(r["chosen"]) <= grid | {None}
    assert "| SdA features (rate tuned) | SVC |" in printed and "| fine-tuned SdA vs no pretraining, clean |" in printed


@pytest.mark.slow
def test_bench_training_quick_run(tmp_path):
    result, _ = quick_run("bench_training.py", tmp_path)
    peers = {r["contender"] for r in result["peers"]}
    assert {"hand loop (torch, Adam)", "skae DAE (no noise)", "sklearn MLPRegressor"} <= peers
    assert all(r["median_s"] > 0 for r in result["peers"])
    assert result["memmap"]["extra_mb"] < 5 * result["memmap"]["chunk_mb"]  # streams in chunks
    assert len(result["models"]) == 7 and result["transform"][1]["contender"] == "skae transform(X)"


@pytest.mark.slow
def test_bench_penalties_quick_run(tmp_path):
    result, _ = quick_run("bench_penalties.py", tmp_path)
    assert len(result["cost"]) == 14 and len(result["effects"]) == 7
    assert all(r["ratio_to_baseline"] > 0 for r in result["cost"])


@pytest.mark.slow
def test_regularized_example_writes_its_figures(tmp_path):
    pytest.importorskip("matplotlib")
    printed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "plot_regularized_autoencoders.py"),
         "--out", str(tmp_path), "--max-iter", "3"],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    for name in ("regularized_filters.png", "regularized_codes.png"):
        png = (tmp_path / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "SparseAE (L1, sparsity=0.1)" in printed


@pytest.mark.slow
def test_bench_vae_quick_run(tmp_path):
    result, printed = quick_run("bench_vae.py", tmp_path)
    assert len(result["rows"]) == 2 * 3 * 4  # architectures x models x noise levels
    assert 15 < result["bernoulli_baseline_nll"] < 40
    assert "Did the denoising criterion help?" in printed
    noisy = [r for r in result["rows"] if r["noise"] > 0]
    for r in noisy:  # a paired interval per metric, around its mean
        for low, mean, high in r["change_vs_no_noise"].values():
            assert low <= mean <= high


@pytest.mark.slow
def test_vae_example_writes_its_figures(tmp_path):
    pytest.importorskip("matplotlib")
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "plot_vae_digits.py"), "--out", str(tmp_path), "--max-iter", "3"],
        capture_output=True, text=True, check=True, timeout=600,
    )
    for name in ("vae_latent_map.png", "vae_samples.png"):
        png = (tmp_path / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2_000


@pytest.mark.slow
def test_bench_scale_quick_run(tmp_path):
    pytest.importorskip("distributed")
    result, _ = quick_run("bench_scale.py", tmp_path)
    assert [r["configuration"] for r in result["training"]][-1].startswith("2 processes")
    assert result["search"]["identical_scores"] is True


@pytest.mark.slow
def test_bench_features_quick_run_writes_every_row(tmp_path):
    result, printed = quick_run("bench_features.py", tmp_path, "--datasets", "digits", "wine")
    rows = result["rows"]
    # 2 datasets x (raw, PCA, RBM each at defaults and tuned, 6 skae transformers, a time-budget DAE)
    assert len(rows) == 2 * 13
    assert all(0 <= r["lr_accuracy"] <= 1 and 0 <= r["svc_accuracy"] <= 1 for r in rows)
    tuned = [r for r in rows if r["features"] == "BernoulliRBM, tuned by CV"]
    assert all(set(c) == {"n_components", "learning_rate"} for r in tuned for c in r["chosen"])
    raw = [r for r in rows if r["features"] == "raw, C by CV"]
    assert all(set(c) == {"LR", "SVC"} for r in raw for c in r["chosen"])
    assert "| StackedDAE |" in printed and "(transformer, data set) pairs" in printed


@pytest.mark.slow
def test_bench_impute_quick_run_writes_every_cell(tmp_path):
    result, printed = quick_run("bench_impute.py", tmp_path)
    rows = result["rows"]
    assert len(rows) == 4 * 4 * 6  # tables (digits only on request) x masks x imputers
    assert all(r["rmse"] > 0 for r in rows)
    mean_rows = [r for r in rows if r["imputer"] == "SimpleImputer(mean)"]
    assert all(0.8 < r["rmse"] < 1.3 for r in mean_rows)  # standardised columns: the mean misses by ~1 sd
    ours = [r for r in rows if r["imputer"] == "DenoisingImputer"]
    assert all(0.5 < r["coverage"] <= 1 for r in ours)  # fill ± 1.645 residual_std_, nominal 0.9
    assert all(r["coverage"] is None for r in rows if r["imputer"] != "DenoisingImputer")
    assert "(of 16 table x mask cells)" in printed


@pytest.mark.slow
def test_bench_conv_quick_run(tmp_path):
    pytest.importorskip("mnist1d")
    result, printed = quick_run("bench_conv.py", tmp_path)
    assert len(result["rows"]) == 2 * 4 and len(result["speed"]["contenders"]) == 2
    assert all(r["ratio"] > 0 for r in result["speed"]["contenders"])
    assert "| raw, C by CV |" in printed and "paired log-ratio to the hand loop" in printed


@pytest.mark.slow
def test_bench_outliers_quick_run(tmp_path):
    result, printed = quick_run("bench_outliers.py", tmp_path)
    rows = result["rows"]
    sets = {r["set"] for r in rows}
    assert sets == {"breast cancer", "wine", "digits", "blobs", "moons", "wide", "mixed"}
    assert "| detector | mean rank, all sets | mean rank, wide and mixed sets |" in printed
    assert not any(r["set"] == "mixed" and "VAE, hand-set" in r["detector"] for r in rows)  # numbers only
    assert all(0 <= r["roc_auc"] <= 1 for r in rows)
    assert {"skae AOD (DAE, defaults)", "IsolationForest"} <= {r["detector"] for r in rows}
    skae_rows = [r for r in rows if r["detector"].startswith("skae")]
    assert all(0 <= r["flagged_cross_fitted"] <= 1 and 0 <= r["flagged_training_scores"] <= 1 for r in skae_rows)
    assert all(r["flagged_cross_fitted"] is None for r in rows if not r["detector"].startswith("skae"))


@pytest.mark.slow
def test_bench_small_quick_run(tmp_path):
    result, _ = quick_run("bench_small.py", tmp_path)
    compiled = {r["contender"]: r for r in result["compile"]}
    assert compiled["hand loop, fused Adam"]["ratio"] == 1.0 and len(compiled) == 3
    assert all(r["us_per_step"] > 0 and r["first_epoch_s"] > 0 for r in compiled.values())
    assert {r["contender"] for r in result["batch_size"]} >= {"skae DAE, batch 64", "skae DAE, batch 200"}
    transform = {r["contender"]: r["throughput_ratio"] for r in result["transform"]}
    assert transform["encoder(X) directly"] == 1.0 and 0 < transform["skae transform(X)"]


@pytest.mark.slow
def test_bench_sampling_quick_run(tmp_path):
    result, _ = quick_run("bench_sampling.py", tmp_path)
    assert {(r["dim"], r["sigma"]) for r in result["score"]} == {(d, s) for d in (2, 10) for s in (0.1, 0.25, 0.5)}
    assert all(r["mean"] > 0 for r in result["score"])
    rows = result["samples"]
    assert {r["set"] for r in rows} == {"moons", "ring", "binarized digits"}
    assert all(0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 for r in rows)
    methods = {r["method"] for r in rows if r["set"] == "binarized digits"}
    assert {"DAE chain", "VAE.sample", "BernoulliRBM Gibbs", "KernelDensity(CV)"} <= methods
    reference = [r for r in rows if r["method"] == "training rows (reference)"]
    assert all(r["precision"] > 0.9 for r in reference if r["set"] != "binarized digits")


def test_energy_distance_of_the_sampling_benchmark():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_sampling import energy_distance, precision_recall

    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    same, shifted = energy_distance(A, B), energy_distance(A, B + [1.0, 0.0])
    assert abs(same) < 0.02 and shifted > 0.3  # 2E|X-Y| - E|X-X'| - E|Y-Y'| for a unit shift: about 0.4
    assert precision_recall(np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([[0.05, 0.0]]), 0.1) == (0.5, 1.0)


@pytest.mark.slow
def test_bench_overrides_quick_run_compares_both_epochs(tmp_path):
    result, printed = quick_run("bench_overrides.py", tmp_path)
    assert [r["rate"] for r in result["rows"]] == [0.0, 0.25]
    assert all(set(r["times_s"]) == {"hand", "skae", "skorch"} and r["skorch_over_skae"] > 0 for r in result["rows"])
    assert "| 25% masking |" in printed


@pytest.mark.slow
def test_bench_defaults_quick_run_chooses_within_the_budget_and_validates(tmp_path):
    result, printed = quick_run("bench_defaults.py", tmp_path)
    chosen = result["chosen"]
    assert chosen is not None and len(result["sets"]) == 4
    within = [s["runs"][chosen]["seconds"] <= result["budget"] * s["rbm_seconds"] for s in result["sets"].values()]
    assert sum(within) >= 3 and "(the rule's choice)" in printed
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_defaults.py"), "--validate", "--quick",
                    "--out", str(tmp_path / "result.json")], capture_output=True, text=True, check=True, timeout=600)
    validated = json.loads((tmp_path / "result.json").read_text())["validation"]["sets"]
    assert set(validated) == {"digits", "MNIST-1D", "breast cancer", "wine"}
    assert all(len(s["rows"]["the rule's choice"]["accuracy"]) == len(s["rbm_seconds"]) for s in validated.values())


@pytest.mark.slow
def test_bench_stacked_defaults_quick_run_chooses_within_the_dae_budget_and_validates(tmp_path):
    result, printed = quick_run("bench_stacked_defaults.py", tmp_path)
    chosen = result["chosen"]
    within = [s["runs"][chosen]["seconds"] <= result["budget"] * s["dae_seconds"] for s in result["sets"].values()]
    assert sum(within) >= 3 and "| StackedDAE | mean score |" in printed and "(the rule's choice)" in printed
    for run in (r for s in result["sets"].values() for r in s["runs"]):  # the score: clean and masked, averaged
        assert run["score"] == pytest.approx((run["accuracy"] + run["masked_accuracy"]) / 2)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_stacked_defaults.py"), "--validate", "--quick",
                    "--out", str(tmp_path / "result.json")], capture_output=True, text=True, check=True, timeout=600)
    validated = json.loads((tmp_path / "result.json").read_text())["validation"]["sets"]
    assert all(len(s["rows"]["defaults before"]["masked_accuracy"]) == len(s["dae_seconds"]) for s in validated.values())


@pytest.mark.slow
def test_bench_impute_mixed_quick_run_scores_every_imputer_on_both_tables(tmp_path):
    result, printed = quick_run("bench_impute_mixed.py", tmp_path)
    assert len(result["tables"]) == 2
    for rows in result["tables"].values():
        assert len(rows) == 5 and all(0 <= a <= 1 for r in rows.values() for a in r["accuracy"])
    assert "| DenoisingImputer |" in printed and "| KNNImputer (one-hot) |" in printed


@pytest.mark.slow
def test_bench_impute_defaults_quick_run_chooses_a_configuration(tmp_path):
    result, printed = quick_run("bench_impute_defaults.py", tmp_path)
    assert len(result["tables"]) == 5 and 0 <= result["chosen"] < len(result["configs"])
    assert all(len(t["runs"]) == len(result["configs"]) for t in result["tables"].values())
    assert "(the rule's choice" in printed


@pytest.mark.slow
def test_bench_impute_wide_quick_run_scores_every_imputer_on_both_masks(tmp_path):
    result, printed = quick_run("bench_impute_wide.py", tmp_path)
    for by_mask in result["tables"].values():
        assert list(by_mask) == ["MCAR 30%", "MAR"]
        assert all(len(rows) == 4 and all(len(r["rmse"]) == 1 for r in rows.values()) for rows in by_mask.values())
    assert "| MAR | DenoisingImputer's time ÷ IterativeImputer's |" in printed


@pytest.mark.slow
def test_bench_onnx_quick_run_times_both_models(tmp_path):
    pytest.importorskip("onnxruntime")
    result, printed = quick_run("bench_onnx.py", tmp_path)
    assert len(result["models"]) == 2
    for model in result["models"].values():
        assert all(len(times) == result["meta"]["rounds"] for times in model["times_s"].values())
    assert "single-row latency ≤ 1/5" in printed


@pytest.mark.slow
def test_bench_semisupervised_quick_run_fills_every_cell(tmp_path):
    result, printed = quick_run("bench_semisupervised.py", tmp_path, "--sets", "digits")
    cells = result["sets"]["digits"]["cells"]
    assert set(cells) == {"0.01", "0.05", "0.1", "1.0"}
    assert all(len(m["accuracy"]) == 2 for cell in cells.values() for m in cell.values())
    assert "StackedDAEClassifier (y = -1)" in printed
