"""What SkaeNet's two speed overrides buy: skae with them against skae with skorch's own epoch and step.

``SkaeNet.run_single_epoch`` (batch losses kept on the device, one history
write per epoch, no per-batch notifications when no callback listens) and
``SkaeNet.train_step`` (no ``on_grad_computed`` notification when no callback
implements it) are public skorch methods overridden for speed. This script
fits the same DAE on digits (64-128-64, batch 64, 10 epochs, one thread) with
them and with skorch's ``NeuralNet.run_single_epoch`` / ``NeuralNet.train_step``
restored, next to the fused hand-written loop, in one process, interleaved
(the order reversed every other round); it prints medians, ratios to the hand
loop and the mean of the per-round ratios skorch's / skae's with its 95% t interval
(``_stats.paired_interval``). ``tables(result)`` renders the same table from the
JSON for ``benchmarks/report.py`` (block ``overrides/digits`` in docs/performance.md).

Usage::

    python benchmarks/bench_overrides.py [--rounds 21] [--quick]

Writes benchmarks/results/bench_overrides.json.
"""

import argparse
import os
import statistics
import sys

import numpy as np
import torch
from skorch import NeuralNet

sys.path.insert(0, os.path.dirname(__file__))
from _report import machine, write_json  # noqa: E402  (sibling scripts, not a package)
from bench_ab import interleaved  # noqa: E402
from bench_training import hand_loop, interval_cell, mean_interval, ratios  # noqa: E402

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


NOISE = {0.0: "none", 0.25: "25% masking"}


def tables(result):
    """The ``digits`` block for ``benchmarks/report.py``: medians, ratios to the hand loop, paired ratios."""
    meta = result["meta"]
    lines = [f"DenoisingAutoencoder on digits, 64-128-64, batch 64, {meta.get('epochs', 10)} epochs, one torch thread; "
             f"{meta['rounds']} interleaved rounds. \"skorch's epoch and step\": the same fit with "
             "`NeuralNet.run_single_epoch` and `NeuralNet.train_step` restored.", "",
             "| noise | fused hand loop s | skae s (× hand) | skae with skorch's epoch and step s (× hand) "
             "| skorch's ÷ skae's: per-round mean, 95% interval |", "|---|---|---|---|---|"]
    for r in result["rows"]:
        times = r["times_s"]
        hand, ours, theirs = (statistics.median(times[k]) for k in ("hand", "skae", "skorch"))
        paired = mean_interval(ratios(times["skorch"], times["skae"]), 1.0, higher_is_better=True)
        verdict = {"better": "the overrides are faster", "worse": "the overrides are slower", "level": "level"}
        lines.append(f"| {NOISE.get(r['rate'], r['rate'])} | {hand:.3f} | {ours:.3f} ({ours / hand:.3f}) | "
                     f"{theirs:.3f} ({theirs / hand:.3f}) | {interval_cell(paired, verdict, digits=3)} |")
    return {"digits": "\n".join(lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 epochs (a smoke run)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_overrides.json"))
    args = parser.parse_args()
    rounds, epochs = (3, 2) if args.quick else (args.rounds, 10)
    torch.set_num_threads(1)
    X = load_digits_unit()[0].astype(np.float32)
    result = {"meta": machine(rounds=rounds, epochs=epochs, torch_threads=1, quick=args.quick), "rows": []}
    for rate in NOISE:
        cases = {"hand": lambda r=rate: hand_loop(X, 128, epochs, 64, fused=True, rate=r),
                 "skae": lambda r=rate: fit(X, epochs, r, True), "skorch": lambda r=rate: fit(X, epochs, r, False)}
        for case in cases.values():  # warm-up
            case()
        times = interleaved(cases, rounds)
        paired = mean_interval(ratios(times["skorch"], times["skae"]), 1.0, higher_is_better=True)
        result["rows"].append({"rate": rate, "times_s": times, "skorch_over_skae": paired.mean,
                               "interval": [paired.low, paired.high]})
    print(tables(result)["digits"])
    write_json(args.out, result)


if __name__ == "__main__":
    main()
