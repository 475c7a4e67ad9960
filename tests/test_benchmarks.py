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
    rows = json.loads(out.read_text())["rows"]
    assert {r["contender"] for r in rows} >= {"hand loop", "skae DAE (no noise)"}
    assert all(r["median_s"] > 0 for r in rows)
