"""A/B speed of this checkout's skae against another checkout's, in one process, interleaved.

For a refactor that must not slow training down: the other checkout's
``skae/`` is imported as ``skae_old`` next to this one, and each case runs
the fused hand-written loop (the best plain torch loop), the old skae and the
new skae in turn, the order reversed every other round. ``tables(result)``
renders from the JSON, for ``benchmarks/report.py`` (``ab/side-by-side`` in
docs/performance.md): the fused loop's median and, per case, the mean of the
per-round ratios old ÷ hand loop, new ÷ hand loop and new ÷ old with their 95%
intervals (ratios within a round absorb the machine's drift); "faster" or
"slower" only when the interval excludes 1. The JSON records both commits.

Usage (the old checkout e.g. from ``git worktree add /tmp/old <commit>``)::

    python benchmarks/bench_ab.py /tmp/old [--rounds 9]

Writes benchmarks/results/bench_ab.json.
"""

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from _report import machine, write_json  # noqa: E402  (sibling scripts, not a package)
from bench_training import hand_loop, speed_cell  # noqa: E402

import skae  # noqa: E402
from skae.datasets import load_digits_unit  # noqa: E402


def import_old(checkout):
    """The other checkout's package, imported as ``skae_old`` (skae's imports are relative)."""
    directory = tempfile.mkdtemp()
    shutil.copytree(os.path.join(checkout, "skae"), os.path.join(directory, "skae_old"))
    sys.path.insert(0, directory)
    return importlib.import_module("skae_old")


def interleaved(cases, rounds):
    times = {name: [] for name in cases}
    for r in range(rounds):
        for name in (list(cases) if r % 2 == 0 else list(cases)[::-1]):
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    return times


def dae(pkg, X, hidden, epochs, batch, rate=0.0):
    return pkg.DenoisingAutoencoder(
        n_components=hidden, corruption=pkg.MaskingNoise(rate) if rate else None, loss="cross_entropy",
        max_iter=epochs, batch_size=batch, lr=1e-3, random_state=0, device="cpu",
    ).fit(X)


def old_commit(checkout):
    """The other checkout's commit, or "unknown" when it is not a git checkout."""
    try:
        return subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


HAND = "hand loop, fused Adam"
OLD, NEW = "old skae DAE", "new skae DAE"
CASES = {"small": "no noise", "small-masking": "25% masking (the hand loop applies the same masking)",
         "big-masking": "10,000 × 784-256, batch 128, 25% masking, 1 epoch, 2 threads"}


def tables(result):
    """Blocks for ``benchmarks/report.py``: ``side-by-side`` (the DAE cases) and ``models``."""
    meta, sections = result["meta"], {s["name"]: s for s in result["sections"]}
    head = (f"This checkout against `{meta['old_commit'][:10]}` (`{meta['old']}`), in one process; "
            f"{meta['rounds']} interleaved rounds (2-thread cases: {meta['rounds_two_threads']}). "
            "Ratios are per-round means with their 95% intervals.")
    lines = [head + " Digits cases: 1797 × 64, 64-128-64, batch 64, 10 epochs, one thread.", "",
             "| DAE | fused hand loop, median ms (µs/step) | old skae ÷ hand loop | new skae ÷ hand loop "
             "| new ÷ old |", "|---|---|---|---|---|"]
    for name, case in CASES.items():
        if name not in sections:
            continue
        s = sections[name]
        times = s["times_s"]
        hand = next(k for k in times if k.startswith(HAND))
        base = statistics.median(times[hand])
        cells = [speed_cell(times[who], times[hand]) for who in (OLD, NEW)]
        lines.append(f"| {case} | {1e3 * base:.0f} ({1e6 * base / s['steps']:.0f}) | {cells[0]} | {cells[1]} | "
                     f"{speed_cell(times[NEW], times[OLD])} |")
    blocks = {"side-by-side": "\n".join(lines)}
    if "models" in sections:
        times = sections["models"]["times_s"]
        rows = []
        for model in (name.removeprefix("old ") for name in times if name.startswith("old ")):
            old_t, new_t = times[f"old {model}"], times[f"new {model}"]
            rows.append(f"| {model} | {statistics.median(old_t):.3f} | {statistics.median(new_t):.3f} | "
                        f"{speed_cell(new_t, old_t)} |")
        blocks["models"] = "\n".join([head + " 1 epoch on 5,000 × 784, batch 128, 2 threads.", "",
                                      "| model | old s (median) | new s (median) | new ÷ old |", "|---|---|---|---|",
                                      *rows])
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_checkout")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_ab.json"))
    args = parser.parse_args()
    old = import_old(args.old_checkout)
    X_digits = load_digits_unit()[0].astype(np.float32)
    X_big = np.random.RandomState(0).uniform(size=(10_000, 784)).astype(np.float32)
    y_big = np.arange(5000) % 10
    kw = dict(max_iter=1, batch_size=128, random_state=0, device="cpu")
    small_steps, big_steps = 10 * int(np.ceil(len(X_digits) / 64)), int(np.ceil(len(X_big) / 128))
    sections = {  # name: (torch threads, steps of the hand loop, cases)
        "small": (1, small_steps, {
            HAND: lambda: hand_loop(X_digits, 128, 10, 64, fused=True),
            OLD: lambda: dae(old, X_digits, 128, 10, 64),
            NEW: lambda: dae(skae, X_digits, 128, 10, 64),
        }),
        "small-masking": (1, small_steps, {
            f"{HAND}, 25% masking": lambda: hand_loop(X_digits, 128, 10, 64, fused=True, rate=0.25),
            OLD: lambda: dae(old, X_digits, 128, 10, 64, 0.25),
            NEW: lambda: dae(skae, X_digits, 128, 10, 64, 0.25),
        }),
        "big-masking": (2, big_steps, {
            f"{HAND}, 25% masking": lambda: hand_loop(X_big, 256, 1, 128, fused=True, rate=0.25),
            OLD: lambda: dae(old, X_big, 256, 1, 128, 0.25),
            NEW: lambda: dae(skae, X_big, 256, 1, 128, 0.25),
        }),
        "models": (2, None, {
            f"{who} {name}": make(pkg)
            for who, pkg in (("old", old), ("new", skae))
            for name, make in {
                "ContractiveAE 256": lambda p: lambda: p.ContractiveAE(256, **kw).fit(X_big[:5000]),
                "VAE 256-32": lambda p: lambda: p.VAE(32, hidden_layer_sizes=(256,), **kw).fit(X_big[:5000]),
                "StackedDAE 256-128 (1+1+1 epochs)": lambda p: lambda: p.StackedDAE(
                    128, hidden_layer_sizes=(256,), fine_tune_iter=1, **kw).fit(X_big[:5000]),
                "StackedDAEClassifier 128-64": lambda p: lambda: p.StackedDAEClassifier(
                    64, hidden_layer_sizes=(128,), fine_tune_iter=1, **kw).fit(X_big[:5000], y_big),
            }.items()
        }),
    }
    dae(skae, X_digits[:256], 16, 1, 32), dae(old, X_digits[:256], 16, 1, 32)  # warm-up
    rounds_two = max(3, args.rounds // 2)
    result = {"meta": machine(old=args.old_checkout, old_commit=old_commit(args.old_checkout), rounds=args.rounds,
                              rounds_two_threads=rounds_two),
              "sections": []}
    for name, (threads, steps, cases) in sections.items():
        torch.set_num_threads(threads)
        times = interleaved(cases, args.rounds if threads == 1 else rounds_two)
        result["sections"].append({"name": name, "threads": threads, "steps": steps, "times_s": times})
        print(f"\n### {name}: " + ", ".join(f"{k} {statistics.median(ts):.3f} s" for k, ts in times.items()),
              flush=True)
    blocks = tables(result)
    print("\n" + "\n\n".join(blocks.values()))
    write_json(args.out, result)


if __name__ == "__main__":
    main()
