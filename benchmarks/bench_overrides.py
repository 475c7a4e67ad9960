"""What SkaeNet's two speed overrides buy: skae with them against skae with skorch's own epoch and step.

``SkaeNet.run_single_epoch`` (batch losses kept on the device, one history
write per epoch, no per-batch notifications when no callback listens) and
``SkaeNet.train_step`` (no ``on_grad_computed`` notification when no callback
implements it) are public skorch methods overridden for speed. This script
fits the same DAE on digits (64-128-64, batch 64, 10 epochs, one thread) with
them and with skorch's ``NeuralNet.run_single_epoch`` / ``NeuralNet.train_step``
restored, next to the fused hand-written loop, in one process, interleaved
(the order reversed every other round); it prints medians, ratios to the hand
loop and the paired ratio with a bootstrap interval.

Usage::

    python benchmarks/bench_overrides.py [--rounds 21] [--quick]

Writes benchmarks/results/bench_overrides.json.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from skorch import NeuralNet

sys.path.insert(0, os.path.dirname(__file__))
from bench_ab import interleaved  # noqa: E402  (sibling scripts, not a package)
from bench_training import hand_loop  # noqa: E402

import skae  # noqa: E402
from skae.datasets import load_digits_unit  # noqa: E402
from skae.engine.net import SkaeNet  # noqa: E402

FAST = {"run_single_epoch": SkaeNet.run_single_epoch, "train_step": SkaeNet.train_step}


def fit(X, epochs, rate, overrides):
    for name, method in FAST.items():  # skae's overrides, or skorch's own methods
        setattr(SkaeNet, name, method if overrides else getattr(NeuralNet, name))
    try:
        skae.DenoisingAutoencoder(128, corruption=skae.MaskingNoise(rate) if rate else None, loss="cross_entropy",
                                  max_iter=epochs, batch_size=64, random_state=0, device="cpu").fit(X)
    finally:
        for name, method in FAST.items():
            setattr(SkaeNet, name, method)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 epochs (a smoke run)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_overrides.json"))
    args = parser.parse_args()
    rounds, epochs = (3, 2) if args.quick else (args.rounds, 10)
    torch.set_num_threads(1)
    X = load_digits_unit()[0].astype(np.float32)
    result = {"meta": {"command": " ".join(sys.argv), "torch": torch.__version__, "rounds": rounds,
                       "time": time.strftime("%Y-%m-%dT%H:%M:%S")}, "rows": []}
    print("| noise | fused hand loop s | skae s (× hand) | skae with skorch's epoch and step s (× hand) "
          "| paired ratio, 95% interval |\n|---|---|---|---|---|")
    for rate in (0.0, 0.25):
        cases = {"hand": lambda: hand_loop(X, 128, epochs, 64, fused=True, rate=rate),
                 "skae": lambda: fit(X, epochs, rate, True), "skorch": lambda: fit(X, epochs, rate, False)}
        for case in cases.values():  # warm-up
            case()
        times = interleaved(cases, rounds)
        hand, ours, theirs = (statistics.median(times[k]) for k in ("hand", "skae", "skorch"))
        paired = np.array(times["skorch"]) / np.array(times["skae"])
        boot = [np.median(np.random.default_rng(i).choice(paired, len(paired))) for i in range(2000)]
        low, high = np.percentile(boot, [2.5, 97.5])
        print(f"| {'none' if not rate else f'{rate:.0%} masking'} | {hand:.3f} | {ours:.3f} ({ours / hand:.3f}) | "
              f"{theirs:.3f} ({theirs / hand:.3f}) | {np.median(paired):.3f} [{low:.3f}, {high:.3f}] |")
        result["rows"].append({"rate": rate, "times_s": times, "skorch_over_skae": float(np.median(paired)),
                               "interval": [float(low), float(high)]})
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
