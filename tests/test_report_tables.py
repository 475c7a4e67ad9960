"""``tables()`` of bench_sampling, bench_vae and bench_penalties: every block the docs name, from the JSON alone."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


def bench(name):
    """The benchmark module ``benchmarks/<name>.py`` (its siblings ``_report`` and ``_stats`` importable)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


def quick_run(script, tmp_path, *args):
    """Run ``benchmarks/<script> --quick`` and return (its JSON, what it printed)."""
    out = tmp_path / "r.json"
    printed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--out", str(out), *args],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    return json.loads(out.read_text()), printed


def doc_blocks(doc, prefix):
    """The block names ``<!-- report: prefix/NAME -->`` that ``docs/<doc>`` asks for."""
    return set(re.findall(rf"<!-- report: {prefix}/([\w\-]+) -->", (ROOT / "docs" / doc).read_text()))


def columns(line):
    """The cell separators of a markdown table line (``\\|`` is a pipe inside a cell)."""
    return len(re.findall(r"(?<!\\)\|", line))


def assert_tables(blocks, names):
    """Every name is a block holding a markdown table with at least one row."""
    assert names and names <= set(blocks), f"missing {sorted(names - set(blocks))}"
    for name in names:
        lines = blocks[name].splitlines()
        rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"\|(---\|)+", line))
        header = lines[rule - 1]
        assert header.startswith("| ") and columns(header) == columns(lines[rule]), name
        rows = [line for line in lines[rule + 1:] if line.startswith("| ")]
        assert rows and all(columns(row) == columns(header) for row in rows), name


# ------------------------------------------------------------------- the docs' blocks
@pytest.mark.parametrize("doc, prefix, expected", [
    ("theory.md", "sampling", {"score", "samples", "samples-paired"}),
    ("vae.md", "vae", {"digits-bound", "digits-nll", "digits-change", "digits-models", "rectangles",
                       "rectangles-models"}),
    ("regularized.md", "penalties", {"effects", "effects-paired", "cost"}),
])
def test_the_docs_name_their_generated_blocks(doc, prefix, expected):
    assert doc_blocks(doc, prefix) == expected


# ------------------------------------------------------------------------ quick runs
@pytest.mark.slow
def test_bench_sampling_quick_run_gives_every_block_of_the_theory_page(tmp_path):
    result, printed = quick_run("bench_sampling.py", tmp_path)
    blocks = bench("bench_sampling").tables(result)
    assert_tables(blocks, doc_blocks("theory.md", "sampling"))
    assert blocks["samples"] in printed and blocks["score"] in printed  # the printout is the docs' tables
    assert result["meta"]["quick"] and "command" in result["meta"] and "commit" in result["meta"]


@pytest.mark.slow
def test_bench_vae_quick_run_gives_every_block_of_the_vae_page(tmp_path):
    result, printed = quick_run("bench_vae.py", tmp_path)
    blocks = bench("bench_vae").tables(result)
    assert_tables(blocks, doc_blocks("vae.md", "vae"))
    assert blocks["digits-change"] in printed and blocks["rectangles-models"] in printed
    assert result["other_data"]["rectangles"]["settings"]["noise"] == [0.0, 0.05]
    assert "command" in result["meta"] and "commit" in result["meta"]


@pytest.mark.slow
def test_bench_penalties_quick_run_gives_every_block_of_the_regularized_page(tmp_path):
    result, printed = quick_run("bench_penalties.py", tmp_path)
    blocks = bench("bench_penalties").tables(result)
    assert_tables(blocks, doc_blocks("regularized.md", "penalties"))
    assert blocks["cost"] in printed and blocks["effects-paired"] in printed
    assert all(len(r["values"]) == 1 for r in result["effects"])  # --quick: one seed
    assert "command" in result["meta"] and "commit" in result["meta"]


# --------------------------------------------------------------- hand-built results
def test_sampling_tables_pair_the_seeds():
    def row(set_name, method, seed, distance, precision=0.9, recall=0.95, binary=False):
        return {"set": set_name, "seed": seed, "method": method, "setting": "σ=0.1", "radius": 0.1,
                "binary": binary, "energy_distance": distance, "precision": precision, "recall": recall}

    samples = [row("moons", "DAE chain", s, d) for s, d in enumerate((0.30, 0.32, 0.31))]
    samples += [row("moons", "VAE.sample", s, d, precision=0.5) for s, d in enumerate((0.010, 0.012, 0.011))]
    samples += [row("digits", method, 0, distance, binary=True) for method, distance in
                (("DAE chain", 0.02), ("BernoulliRBM Gibbs", 0.4), ("DAE chain, denoise_last", 1.5))]
    score = [{"dim": 10, "sigma": 0.5, "method": m, "errors": e} for m, e in zip(
        ("DAE log_density_gradient", "KDE, bandwidth σ", "KDE, CV bandwidth smoothed by σ"),
        ([0.13, 0.14, 0.13], [0.21, 0.22, 0.215], [0.13, 0.15, 0.12]), strict=True)]
    blocks = bench("bench_sampling").tables({"score": score, "samples": samples})
    assert_tables(blocks, {"score", "samples", "samples-paired"})
    assert "| 4 modes, 10-D | 0.5 | 0.133 ± 0.005 |" in blocks["score"]
    score_row = blocks["score"].splitlines()[-1]
    assert score_row.count("better") == 1 and score_row.endswith("level |")  # DAE below KDE σ; level with CV
    assert "| moons (r=0.10) | DAE chain | σ=0.1 | 0.310 ± 0.008 | 0.900 ± 0.000 | 0.950 ± 0.000 | 3/3 |" \
        in blocks["samples"]
    assert "| VAE.sample | σ=0.1 | 0.011 ± 0.001 | 0.500 ± 0.000 | 0.950 ± 0.000 | 0/3 |" in blocks["samples"]
    assert "denoise_last" not in blocks["samples"]  # probabilities on binary data, not samples
    paired = blocks["samples-paired"].splitlines()
    moons = next(line for line in paired if line.startswith("| moons | DAE chain | VAE.sample |"))
    assert "+0.299 [" in moons and "] worse |" in moons and "+0.400 [+0.400, +0.400] better" in moons
    assert any("| digits | DAE chain | BernoulliRBM Gibbs | -0.380 (one run) |" in line for line in paired)
    assert set(bench("bench_sampling").tables({"score": score})) == {"score"}  # a partial run: its blocks only


def test_vae_tables_from_a_hand_built_result():
    def cells(model, noise, shift, architecture="1 hidden layer (200)"):
        base = 18.0 + (0.5 if "K=1" in model else 0.0)
        return {"architecture": architecture, "model": model, "noise": noise, "fit_seconds": [1.0, 1.0, 1.0],
                "neg_bound": [base + shift + d for d in (0.0, 0.1, -0.1)],
                "nll": [base - 1 + shift + d for d in (0.0, 0.05, -0.02)]}

    models = ("VAE / DVAE, K=1", "IWAE / DIWAE, K=5")
    section = {"settings": {"data": "rectangles", "n_train": 100, "n_test": 25, "max_iter": 3, "seeds": 3,
                            "importance_samples": 10},
               "bernoulli_baseline_nll": 24.6,
               "rows": [cells(m, n, 0.3 if n else 0.0) for m in models for n in (0.0, 0.05)]}
    blocks = bench("bench_vae").tables(section)
    assert_tables(blocks, {"rectangles", "rectangles-bound", "rectangles-nll", "rectangles-change",
                           "rectangles-models"})
    assert blocks["rectangles-nll"].startswith("Independent Bernoulli pixels") and "24.60 nats" in blocks[
        "rectangles-nll"]
    assert "| VAE / DVAE, K=1 | 18.50 ± 0.08 | 18.80 ± 0.08 |" in blocks["rectangles"]
    assert "architecture" not in blocks["rectangles"]  # one architecture: no column for it
    change = blocks["rectangles-change"]
    assert "| 1 hidden layer (200) | VAE / DVAE, K=1 | NLL | +0.30 [+0.30, +0.30] worse |" in change
    assert "| IWAE / DIWAE, K=5 | VAE / DVAE, K=1 | -0.50 [-0.50, -0.50] better | -0.50 [-0.50, -0.50] better |" \
        in blocks["rectangles-models"]
    full = dict(section, settings=dict(section["settings"], data="digits"), other_data={"rectangles": section})
    assert {"digits-change", "rectangles-change"} <= set(bench("bench_vae").tables(full))


def test_penalties_tables_from_a_hand_built_result():
    def cost(model, baseline, times, shape="64-128"):
        return {"case": "64-128", "shape": shape, "model": model, "baseline": baseline, "steps": 100,
                "times_s": times, "median_s": sorted(times)[1], "us_per_step": 1e4 * sorted(times)[1],
                "ratio_to_baseline": 1.0}

    plain = cost("plain AE, one sigmoid layer (tied)", "-", [1.0, 1.1, 0.9])
    cae = cost("ContractiveAE, one sigmoid layer (closed form)", plain["model"], [1.2, 1.43, 1.08])
    cae["ratio_to_baseline"] = cae["median_s"] / plain["median_s"]

    def effect(model, baseline, jac, accuracies):
        values = [{"mean_jacobian_sq": jac, "near_zero_fraction": 0.0, "mean_code": 0.5, "reconstruction_sse": 0.5,
                   "logreg_accuracy": a, "svc_accuracy": a} for a in accuracies]
        return {"model": model, "baseline": baseline, "values": values, "mean_image_sse": 4.75, "n_train": 1200,
                "n_test": 597}

    effects = [effect("plain AE (sigmoid, tied)", "-", 30.0, [0.92, 0.93, 0.94]),
               effect("ContractiveAE, contraction=0.1 (default)", "plain AE (sigmoid, tied)", 16.0,
                      [0.90, 0.91, 0.92])]
    blocks = bench("bench_penalties").tables({"cost": [plain, cae], "effects": effects})
    assert_tables(blocks, {"cost", "effects", "effects-paired"})
    assert blocks["cost"].splitlines()[-1] == \
        "| 64-128 | ContractiveAE, one sigmoid layer (closed form) | 12000 | 1.20 | 1.20–1.30 |"
    assert "plain AE, one sigmoid layer (tied) |" not in blocks["cost"]  # the baselines are the ratios' 1
    assert "recon. SSE (mean image: 4.75)" in blocks["effects"]
    assert "| plain AE (sigmoid, tied) | 30.0 ± 0.0 |" in blocks["effects"]
    paired = blocks["effects-paired"].splitlines()[-1]
    assert "| -14.0 [-14.0, -14.0] |" in paired  # the Jacobian norm: an interval, no verdict
    assert paired.endswith("| -0.020 [-0.020, -0.020] worse | -0.020 [-0.020, -0.020] worse |")


def test_pca_swap_tables_from_a_hand_built_result():
    """The goals are judged from the numbers, and a DAE grid cell at chance is counted."""
    def search(best, folds, seconds, scores):
        return {"best_score": best, "best_params": {"pca__n_components": 30.0, "logistic__C": 21.54},
                "best_folds": folds, "mean_test_score": scores, "params": [{}] * len(scores), "seconds": seconds}

    result = {"PCA": search(0.874, [0.87, 0.88, 0.86, 0.88, 0.88], 2.0, [0.7, 0.874]),
              "DenoisingAutoencoder": search(0.857, [0.85, 0.86, 0.85, 0.86, 0.865], 34.0, [0.099, 0.857])}
    table = bench("bench_pca_swap").tables(result)["table"]
    assert_tables({"table": table}, {"table"})
    assert "| DenoisingAutoencoder | 0.857 ± 0.006 | 30, 21.5 | 34.0 | 17.0 |" in table
    assert "at chance level (< 0.2): 1 of 2" in table
    assert "best DAE accuracy ≥ PCA's: not reached (0.857 against 0.874)" in table
    assert "search ≤ 10× PCA's time: not reached (17.0×, one run)" in table
    result["DenoisingAutoencoder"].update(best_score=0.9, seconds=10.0)
    assert "≥ PCA's: reached" in bench("bench_pca_swap").tables(result)["table"]


def test_semisupervised_tables_pick_the_best_baseline_per_cell_and_judge_the_goal():
    sb = bench("bench_semisupervised")
    methods = (*sb.BASELINES, *sb.SKAE)

    def cell(best_baseline, skae_gain):
        out = {m: {"accuracy": [0.50, 0.52, 0.51], "seconds": [1.0, 1.0, 1.0]} for m in methods}
        out[best_baseline]["accuracy"] = [0.60, 0.62, 0.61]
        out["StackedDAE codes → LabelSpreading (knn)"]["accuracy"] = [0.60 + skae_gain + d for d in (0.0, 0.01, 0.0)]
        return out

    section = {"n_train": 100, "n_test": 50,
               "cells": {"0.01": cell("LabelSpreading (knn)", 0.05), "0.1": cell("SVC (labelled rows)", 0.0),
                         "1.0": cell("SVC (labelled rows)", 0.0)}}
    blocks = sb.tables({"sets": {"digits": section}})
    assert_tables({"digits": blocks["digits"]}, {"digits"})
    assert "| StackedDAE codes → LabelSpreading (knn) | **65.3** |" in blocks["digits"]
    assert "(LabelSpreading (knn))" in blocks["digits"] and "(SVC (labelled rows))" in blocks["digits"]
    assert "1% labels: a skae route beats the best baseline by ≥ 2 points, its interval excluding 0, on 1 of 1 " \
           "sets (digits)" in blocks["goals"]
    assert "10% labels: a skae route beats the best baseline by ≥ 2 points, its interval excluding 0, on 0 of 1" \
           in blocks["goals"]
    assert "digits -10.0 [-10.0, -10.0] worse (not within 0.5 points)" in blocks["goals"]
