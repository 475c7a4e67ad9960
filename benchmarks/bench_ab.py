"""A/B speed of this checkout's skae against another checkout's, in one process, interleaved.

For a refactor that must not slow training down: the other checkout's
``skae/`` is imported as ``skae_old`` next to this one, and each case runs
the fused hand-written loop (the best plain torch loop), the old skae and the
new skae in turn, the order reversed every other round; the table gives
medians and ratios to the fused loop, which absorb the machine's drift.

Usage (the old checkout e.g. from ``git worktree add /tmp/old <commit>``)::

    python benchmarks/bench_ab.py /tmp/old [--rounds 9]

Writes benchmarks/results/bench_ab.json.
"""

import argparse
import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bench_training import hand_loop  # noqa: E402  (a sibling script, not a package)

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
    sections = {
        "small: digits 64-128-64, batch 64, 10 epochs, 1 thread": (1, {
            "hand loop, fused Adam": lambda: hand_loop(X_digits, 128, 10, 64, fused=True),
            "old skae DAE": lambda: dae(old, X_digits, 128, 10, 64),
            "new skae DAE": lambda: dae(skae, X_digits, 128, 10, 64),
        }),
        "small, 25% masking: digits 64-128-64, batch 64, 10 epochs, 1 thread": (1, {
            "hand loop, fused Adam, 25% masking": lambda: hand_loop(X_digits, 128, 10, 64, fused=True, rate=0.25),
            "old skae DAE": lambda: dae(old, X_digits, 128, 10, 64, 0.25),
            "new skae DAE": lambda: dae(skae, X_digits, 128, 10, 64, 0.25),
        }),
        "big: 10,000 x 784-256, batch 128, 25% masking, 1 epoch, 2 threads": (2, {
            "hand loop, fused Adam, 25% masking": lambda: hand_loop(X_big, 256, 1, 128, fused=True, rate=0.25),
            "old skae DAE": lambda: dae(old, X_big, 256, 1, 128, 0.25),
            "new skae DAE": lambda: dae(skae, X_big, 256, 1, 128, 0.25),
        }),
        "every model: 1 epoch on 5,000 x 784, 2 threads": (2, {
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
    result = {"meta": {"old": args.old_checkout, "torch": torch.__version__, "rounds": args.rounds,
                       "time": time.strftime("%Y-%m-%dT%H:%M:%S")}}
    for title, (threads, cases) in sections.items():
        torch.set_num_threads(threads)
        times = interleaved(cases, args.rounds if threads == 1 else max(3, args.rounds // 2))
        base = statistics.median(times[next(iter(cases))])
        print(f"\n### {title}\n\n| contender | median s | × first row |\n|---|---|---|")
        for name, ts in times.items():
            print(f"| {name} | {statistics.median(ts):.3f} | {statistics.median(ts) / base:.2f} |")
        result[title] = {name: {"median_s": statistics.median(ts), "times_s": ts} for name, ts in times.items()}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
