"""The benchmark scripts run end to end (smoke runs) and write their JSON."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_stacked_quick_run_writes_every_row(tmp_path):
    pytest.importorskip("mnist1d")
    out = tmp_path / "stacked.json"
    printed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_stacked.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 2 * (5 * 2 + 2)  # 2 datasets x (5 feature rows x 2 classifiers + 2 models)
    assert all(0 <= r["clean_accuracy"] <= 1 and 0 <= r["masked_accuracy"] <= 1 for r in rows)
    assert "| SdA (25% masking) | SVC |" in printed


@pytest.mark.slow
def test_bench_training_quick_run(tmp_path):
    out = tmp_path / "training.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_training.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    result = json.loads(out.read_text())
    peers = {r["contender"] for r in result["peers"]}
    assert {"hand loop (torch, Adam)", "skae DAE (no noise)", "sklearn MLPRegressor"} <= peers
    assert all(r["median_s"] > 0 for r in result["peers"])
    assert result["memmap"]["extra_mb"] < 5 * result["memmap"]["chunk_mb"]  # streams in chunks
    assert len(result["models"]) == 7 and result["transform"][1]["contender"] == "skae transform(X)"


@pytest.mark.slow
def test_bench_penalties_quick_run(tmp_path):
    out = tmp_path / "penalties.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_penalties.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    result = json.loads(out.read_text())
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
    out = tmp_path / "vae.json"
    printed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_vae.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    result = json.loads(out.read_text())
    assert len(result["rows"]) == 2 * 3 * 4  # architectures x models x noise levels
    assert 15 < result["bernoulli_baseline_nll"] < 40
    assert "Did the denoising criterion help?" in printed


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
    out = tmp_path / "scale.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    result = json.loads(out.read_text())
    assert [r["configuration"] for r in result["training"]][-1].startswith("2 processes")
    assert result["search"]["identical_scores"] is True
