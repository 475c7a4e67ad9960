"""``tables()`` of the speed benchmarks (training, small, overrides, ab, scale): every block the docs name.

The slow tests run each script's ``--quick`` smoke run and render its JSON; the fast ones
render hand-built results, where the verdicts are known in advance.
"""


import numpy as np
import pytest

from .test_report_tables import bench, doc_blocks, quick_run


def assert_blocks(blocks, names):
    """Every name is a non-empty block whose markdown table rows all have the header's number of cells."""
    assert names and names <= set(blocks), f"missing {sorted(names - set(blocks))}"
    for name in names:
        rows = [line for line in blocks[name].splitlines() if line.startswith("|")]
        assert len(rows) >= 3, f"{name}: no table with a row"
        assert {line.count("|") for line in rows} == {rows[0].count("|")}, f"{name}: ragged table"
        assert "nan" not in blocks[name], name


def test_the_docs_name_the_speed_blocks():
    assert doc_blocks("performance.md", "training") == {
        "peers", "gflops", "scaling", "small", "transform", "memmap", "models", "goals"}
    assert doc_blocks("performance.md", "small") == {"compile", "batch-size", "transform"}
    assert doc_blocks("performance.md", "ab") == {"side-by-side"}
    assert doc_blocks("performance.md", "overrides") == {"digits"}
    assert doc_blocks("scaling.md", "scale") == {"training", "search"}


# ------------------------------------------------------------------ fast: hand-built results
def rounds_of(mean, n=6, spread=0.01, seed=0):
    """``n`` per-round times around ``mean``."""
    return list(mean * (1 + spread * np.random.RandomState(seed).standard_normal(n)))


def test_speed_cells_say_faster_or_slower_only_when_the_interval_excludes_one():
    bt = bench("bench_training")
    base = rounds_of(1.0, seed=1)
    assert bt.speed_cell([2 * t for t in base], base) == "2.00 [2.00, 2.00] slower"
    assert bt.speed_cell([0.5 * t for t in base], base).endswith("faster")
    noisy = [t * f for t, f in zip(base, [0.8, 1.2, 0.9, 1.1, 1.0, 1.0], strict=True)]
    assert bt.speed_cell(noisy, base).endswith("level")
    assert bt.speed_cell([1.5], [1.0]) == "1.50 (one run)"
    interval = bt.mean_interval([1.45, 1.5, 1.55], 1.3, higher_is_better=True)
    assert 1.3 < interval.low < 1.5 < interval.high and interval.verdict == "better"  # ends are values, not differences
    assert bt.mean_interval([1.4, 1.5, 1.6], 1.3, higher_is_better=True).verdict == "level"  # [1.25, 1.75]


def training_result():
    """A bench_training result with every section: skae 0.9x the fused loop, 2x faster than skorch."""
    bt = bench("bench_training")
    peers = {name: rounds_of(1.0, seed=i) for i, name in enumerate(bt.PEERS)}
    peers["skae DAE (no noise)"] = [0.9 * t for t in peers[bt.FUSED]]
    peers["skorch NeuralNetRegressor"] = [2.0 * t for t in peers["skae DAE (no noise)"]]
    small = {name: rounds_of(0.2, seed=i) for i, name in enumerate(
        ["hand loop, Adam, 2 threads", "hand loop, Adam, 1 thread", bt.FUSED, f"{bt.FUSED}, 25% masking",
         "sklearn MLPRegressor", "skae DAE (no noise)", "skae DAE (25% masking)"])}
    small["skae DAE (no noise)"] = [1.3 * t for t in small["sklearn MLPRegressor"]]
    small_rows = bt.summarize(small, bt.FUSED, 580)
    for r in small_rows:
        r.update(threads=2 if "2 threads" in r["contender"] else 1, us_per_step=1e6 * r["median_s"] / 580)
    transform = {"hand loop model.encoder(X)": rounds_of(0.05, seed=8), "skae transform(X)": rounds_of(0.05, seed=9)}
    models = {"DenoisingAutoencoder (no noise)": rounds_of(0.3), "VAE (256 hidden, 32 latent)": rounds_of(0.4)}
    return {
        "meta": {"rounds": 6, "quick": False},
        "setup": {"peers": {"n_samples": 20_000, "epochs": 3, "threads": 2},
                  "small": {"n_samples": 1797, "epochs": 20, "batch_size": 64, "steps": 580},
                  "transform": {"n_samples": 20_000}, "models": {"n_samples": 20_000}},
        "peers": bt.summarize(peers, bt.FUSED, 60_000),
        "small_data": small_rows,
        "transform": bt.summarize(transform, "hand loop model.encoder(X)", 20_000),
        "gflops": {"sgemm_gflops": 200.0, "threads": 2, "weights": bt.WEIGHTS, "epochs": 3, "n_samples": 20_000,
                   "rows": [{"contender": bt.FUSED, "gflops": 150.0, "fraction": 0.75}]},
        "scaling": [{"n_samples": 10_000, "width": 256, "median_s": 0.14, "min_s": 0.13, "max_s": 0.15,
                     "samples_per_s": 71_000, "times_s": [0.13, 0.14, 0.15]}],
        "memmap": {"rows": 1_000_000, "input_mb": 2991.0, "output_mb": 977.0, "extra_mb": 12.6, "chunk_mb": 12.2,
                   "seconds": 4.1},
        "models": bt.summarize(models, "DenoisingAutoencoder (no noise)", 20_000),
    }


def test_training_tables_render_every_block_and_judge_the_goals():
    blocks = bench("bench_training").tables(training_result())
    assert_blocks(blocks, doc_blocks("performance.md", "training"))
    goals = {line.split(" | ")[0].lstrip("| "): line.rsplit(" | ", 1)[1].rstrip(" |")
             for line in blocks["goals"].splitlines()[2:]}
    assert goals["DAE fit ≤ 1.0× the fused hand loop (peers, no noise)"] == "met"
    assert goals["≥ 1.3× faster than skorch's defaults (skorch's time ÷ skae's, peers)"] == "met"
    assert goals["small data: per-step time ≤ MLPRegressor's (digits, skae ÷ MLPRegressor)"] == "not met"
    assert "0.90 [0.90, 0.90] faster" in blocks["peers"]  # skae ÷ the fused loop, paired by round
    assert "The plain-Adam hand loop with 2 threads ÷ with 1 thread" in blocks["small"]


def test_training_tables_skip_what_a_sections_subset_left_out():
    result = training_result()
    for key in ("small_data", "transform", "scaling", "memmap", "models"):
        del result[key]
    blocks = bench("bench_training").tables(result)
    assert set(blocks) == {"peers", "gflops", "goals"}
    assert "not run (`--sections` left out small)" in blocks["goals"]


def test_ab_tables_compare_old_and_new_per_round():
    ab = bench("bench_ab")
    hand = rounds_of(0.2)
    small = {ab.HAND: hand, ab.OLD: [1.2 * t for t in hand], ab.NEW: [1.1 * t for t in hand]}
    masked = {f"{ab.HAND}, 25% masking": hand, ab.OLD: [1.3 * t for t in hand], ab.NEW: rounds_of(0.26, spread=0.3)}
    models = {"old VAE 256-32": rounds_of(0.4), "new VAE 256-32": rounds_of(0.4, seed=3)}
    result = {"meta": {"old": "/tmp/old", "old_commit": "5386339abcdef", "rounds": 6, "rounds_two_threads": 3},
              "sections": [{"name": "small", "threads": 1, "steps": 290, "times_s": small},
                           {"name": "small-masking", "threads": 1, "steps": 290, "times_s": masked},
                           {"name": "models", "threads": 2, "steps": None, "times_s": models}]}
    blocks = ab.tables(result)
    assert_blocks(blocks, doc_blocks("performance.md", "ab") | {"models"})
    no_noise = next(line for line in blocks["side-by-side"].splitlines() if line.startswith("| no noise"))
    assert no_noise.endswith("| 0.92 [0.92, 0.92] faster |")  # new ÷ old = 1.1 / 1.2, every round
    assert "`5386339abc`" in blocks["side-by-side"] and "| VAE 256-32 |" in blocks["models"]


def test_overrides_table_reads_the_paired_ratio():
    bo = bench("bench_overrides")
    hand = rounds_of(0.07)
    rows = [{"rate": rate, "times_s": {"hand": hand, "skae": [1.2 * t for t in hand], "skorch": [f * t for t in hand]}}
            for rate, f in ((0.0, 1.3), (0.25, 1.2))]
    blocks = bo.tables({"meta": {"rounds": 6, "epochs": 10}, "rows": rows})
    assert_blocks(blocks, doc_blocks("performance.md", "overrides"))
    assert "| none |" in blocks["digits"] and "the overrides are faster" in blocks["digits"]
    assert "| 25% masking |" in blocks["digits"] and blocks["digits"].rstrip().endswith("level |")


def test_scale_tables_render_training_and_search():
    bs = bench("bench_scale")
    base = rounds_of(3.8, n=5)
    times = {bs.BASE: base, "1 process, 1 thread": rounds_of(3.8, n=5, seed=2),
             "2 processes x 1 thread (torchrun, gloo)": [1.2 * t for t in base]}
    training = [{"configuration": name, "median_s": float(np.median(ts)), "samples_per_s": 40_000 / np.median(ts),
                 "ratio": float(np.median(ts) / np.median(base)), "times_s": ts} for name, ts in times.items()]
    search = {"n_jobs_1_s": 12.0, "dask_2_workers_s": 14.0, "speedup": 12 / 14, "identical_scores": True,
              "max_iter": 30, "times_s": {bs.ONE: rounds_of(12.0, n=5), bs.DASK: rounds_of(14.0, n=5, seed=4)}}
    blocks = bs.tables({"meta": {"n_samples": 20_000, "epochs": 2, "cpus": 2, "rounds": 5}, "training": training,
                        "search": search})
    assert_blocks(blocks, doc_blocks("scaling.md", "scale"))
    assert "1.20 [1.20, 1.20] slower" in blocks["training"] and "slower | yes |" in blocks["search"]


# ------------------------------------------------------------------ slow: the scripts' smoke runs
@pytest.mark.slow
def test_bench_training_quick_run_renders_every_block(tmp_path):
    result, printed = quick_run("bench_training.py", tmp_path)
    blocks = bench("bench_training").tables(result)
    assert_blocks(blocks, doc_blocks("performance.md", "training"))
    assert result["meta"]["quick"] and result["meta"]["commit"] and blocks["peers"] in printed


@pytest.mark.slow
def test_bench_small_quick_run_renders_every_block(tmp_path):
    result, printed = quick_run("bench_small.py", tmp_path)
    blocks = bench("bench_small").tables(result)
    assert_blocks(blocks, doc_blocks("performance.md", "small"))
    assert blocks["batch-size"] in printed and "validate_data" in blocks["transform"]


@pytest.mark.slow
def test_bench_overrides_quick_run_renders_its_block(tmp_path):
    result, printed = quick_run("bench_overrides.py", tmp_path)
    blocks = bench("bench_overrides").tables(result)
    assert_blocks(blocks, doc_blocks("performance.md", "overrides"))
    assert result["meta"]["quick"] and blocks["digits"] in printed


@pytest.mark.slow
def test_bench_scale_quick_run_renders_every_block(tmp_path):
    pytest.importorskip("distributed")
    result, printed = quick_run("bench_scale.py", tmp_path)
    blocks = bench("bench_scale").tables(result)
    assert_blocks(blocks, doc_blocks("scaling.md", "scale"))
    assert result["meta"]["quick"] and blocks["search"] in printed
