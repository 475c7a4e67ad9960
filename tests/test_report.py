"""benchmarks/report.py and benchmarks/_stats.py: the docs' numbers come from the JSON, claims from intervals."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import report  # noqa: E402
from _stats import paired_interval  # noqa: E402

sys.path.pop(0)


def test_paired_interval_is_the_t_interval_of_the_differences():
    low, mean, high, verdict = paired_interval([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5)
    half = 2.776 * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5)  # t(0.975, 4) = 2.776
    assert mean == 3.0 and np.isclose(high - mean, half, rtol=1e-3) and np.isclose(mean - low, half, rtol=1e-3)
    assert verdict == "better"


def test_paired_interval_verdicts():
    assert paired_interval([1.0, 2.0], [1.0, 2.0]).verdict == "level"  # identical runs: no difference, no spread
    assert paired_interval([0.5, 0.6, 0.4], [0.0, 1.0, 0.2]).verdict == "level"  # the interval straddles 0
    assert paired_interval([0.1, 0.2, 0.1], [0.5, 0.6, 0.5]).verdict == "worse"
    # an error: lower is better, so a negative difference is the win
    assert paired_interval([0.1, 0.2, 0.1], [0.5, 0.6, 0.5], higher_is_better=False).verdict == "better"
    one = paired_interval([0.9], [0.1])
    assert one.verdict == "one run" and one.format() == "+0.8 (one run)"
    with pytest.raises(ValueError, match="equal-length"):
        paired_interval([1.0, 2.0], [1.0, 2.0, 3.0])


def test_cross_validation_folds_widen_the_interval_as_nadeau_and_bengio():
    a, b = [0.91, 0.93, 0.90, 0.94, 0.92], [0.90, 0.91, 0.90, 0.92, 0.90]
    plain, corrected = paired_interval(a, b), paired_interval(a, b, test_fraction=0.25)
    # variance (1/n + 1/4) instead of 1/n: the half-width grows by sqrt(1 + 5/4) = 1.5
    assert np.isclose((corrected.high - corrected.low) / (plain.high - plain.low), 1.5)
    assert plain.verdict == "better" and corrected.verdict == "level"


def write_fake_benchmark(tmp_path, monkeypatch, value, quick=False):
    """A benchmark module ``bench_fake`` with one table, and its JSON in ``tmp_path/results``."""
    (tmp_path / "bench_fake.py").write_text(
        "def tables(result):\n    return {'main': f\"| x |\\n|---|\\n| {result['value']} |\"}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(report, "HERE", tmp_path)
    sys.modules.pop("bench_fake", None)
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    meta = {"command": "python benchmarks/bench_fake.py", "commit": "0123456789abcdef", "processor": "CPU",
            "cpus": 2, "torch": "2.13.0", "time": "2026-12-03T09:00:00", "quick": quick}
    (results / "bench_fake.json").write_text(json.dumps({"meta": meta, "value": value}))
    return results


def test_regenerate_fills_a_block_from_the_json_and_names_the_run(tmp_path, monkeypatch):
    results = write_fake_benchmark(tmp_path, monkeypatch, 0.875)
    doc = "before\n<!-- report: fake/main -->\nstale 0.5\n<!-- /report -->\nafter\n"
    new = report.regenerate(doc, results)
    assert "| 0.875 |" in new and "stale" not in new and new.startswith("before\n") and new.endswith("after\n")
    assert "`python benchmarks/bench_fake.py` at commit 0123456789" in new
    assert report.regenerate(new, results) == new  # a regenerated block is stable: --check passes on it


def test_regenerate_refuses_unknown_blocks_missing_json_and_smoke_runs(tmp_path, monkeypatch):
    results = write_fake_benchmark(tmp_path, monkeypatch, 1.0)
    with pytest.raises(KeyError, match="fake/other"):
        report.regenerate("<!-- report: fake/other -->\n<!-- /report -->", results)
    with pytest.raises(FileNotFoundError, match="bench_missing.json is missing"):
        report.regenerate("<!-- report: missing/main -->\n<!-- /report -->", results)
    results = write_fake_benchmark(tmp_path, monkeypatch, 1.0, quick=True)
    with pytest.raises(ValueError, match="smoke run"):
        report.regenerate("<!-- report: fake/main -->\n<!-- /report -->", results)


def test_check_passes_on_the_committed_docs():
    """Every generated block in README.md and docs/ matches benchmarks/results/*.json (what CI checks)."""
    assert report.main(["--check"]) == 0
