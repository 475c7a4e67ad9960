"""Two ideas for the small-data step, measured: ``torch.compile`` and sklearn's batch size.

On digits (1797 x 64, a 64-128-64 DAE, cross-entropy, fused Adam, one torch
thread) this prints two tables:

1. ``torch.compile``: the fused hand loop as written, with the module compiled
   (``torch.compile(model)``) and with the forward pass and loss compiled as
   one function. For each: the first epoch (which pays the compilation), the
   steady per-step time (median of interleaved rounds of ``--epochs`` epochs),
   and the number of steps after which compiling would have paid for itself
   (never, if the compiled step is not faster). Compilation is cold
   (inductor's on-disk cache off), as in a user's first fit.
2. Batch size: per-epoch time of the fused hand loop, ``MLPRegressor`` and
   skae's ``DenoisingAutoencoder`` at batch 64 (skae's default) and at
   ``min(200, n_samples)`` (scikit-learn's ``batch_size="auto"``), interleaved.
3. ``transform`` of all of digits against calling the trained encoder directly
   (under ``torch.inference_mode``), and the part of it that is scikit-learn's
   input validation (``validate_data``).

Usage:  python benchmarks/bench_small.py [--rounds 5] [--epochs 10] [--quick]
Writes benchmarks/results/bench_small.json.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

# a cold compile, as a user's first fit pays it (inductor's on-disk cache would hide it in a rerun)
os.environ.setdefault("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "1")
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from _report import machine, write_json
from bench_training import _mlp_ae, hand_loop, interleaved, mlp_regressor, skae_dae

from skae.datasets import load_digits_unit


def compiled_trainer(X, hidden, how, seed=0):
    """A fused-Adam training epoch function for the hand loop; ``how``: None, "module" or "step"."""
    torch.manual_seed(seed)
    Xt = torch.from_numpy(X)
    model = _mlp_ae(X.shape[1], hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    forward = torch.compile(model, dynamic=False) if how == "module" else model

    def loss_of(xb):
        return nn.functional.binary_cross_entropy_with_logits(forward(xb), xb, reduction="sum") / xb.shape[0]

    if how == "step":
        loss_of = torch.compile(loss_of, dynamic=False)
    gen = torch.Generator().manual_seed(seed)

    def epoch(batch_size):
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), batch_size):
            opt.zero_grad(set_to_none=True)
            loss = loss_of(Xt[order[start : start + batch_size]])
            loss.backward()
            opt.step()

    return epoch


def compile_table(X, rounds, epochs, batch=64):
    steps_per_epoch = int(np.ceil(len(X) / batch))
    names = {"hand loop, fused Adam": None, "torch.compile(module)": "module", "torch.compile(forward + loss)": "step"}
    trainers, first = {}, {}
    for name, how in names.items():
        start = time.perf_counter()
        trainers[name] = compiled_trainer(X, 128, how)
        trainers[name](batch)  # compiles on the first batch, and again for the last, shorter one
        first[name] = time.perf_counter() - start
    times = interleaved(list(names), lambda name: [trainers[name](batch) for _ in range(epochs)], rounds)
    base_step = statistics.median(times["hand loop, fused Adam"]) / (epochs * steps_per_epoch)
    rows = []
    for name, how in names.items():
        step = statistics.median(times[name]) / (epochs * steps_per_epoch)
        compile_s = first[name] - step * steps_per_epoch
        saving = base_step - step
        rows.append({"contender": name, "first_epoch_s": first[name], "us_per_step": 1e6 * step,
                     "ratio": step / base_step, "compile_s": compile_s,
                     "break_even_steps": compile_s / saving if saving > 0 and how else None,
                     "times_s": times[name]})
    print(f"\n### torch.compile on digits 64-128-64, batch {batch}, 1 thread ({rounds} rounds of {epochs} epochs)\n")
    print("| contender | first epoch s | µs/step (median) | × fused hand loop | break-even steps |")
    print("|---|---|---|---|---|")
    for r in rows:
        even = "—" if r["contender"] == "hand loop, fused Adam" else (
            "never" if r["break_even_steps"] is None else f"{r['break_even_steps']:,.0f}")
        print(f"| {r['contender']} | {r['first_epoch_s']:.2f} | {r['us_per_step']:.0f} | {r['ratio']:.2f} | {even} |")
    return rows


def batch_table(X, rounds, epochs):
    auto = min(200, len(X))
    runs = {}
    for batch in (64, auto):
        runs[f"hand loop, fused Adam, batch {batch}"] = lambda b=batch: hand_loop(X, 128, epochs, b, fused=True)
        runs[f"sklearn MLPRegressor, batch {batch}"] = lambda b=batch: mlp_regressor(X, 128, epochs, b)
        runs[f"skae DAE, batch {batch}"] = lambda b=batch: skae_dae(X, 128, epochs, b)
    times = interleaved(list(runs), lambda name: runs[name](), rounds)
    base = statistics.median(times["hand loop, fused Adam, batch 64"])
    rows = [{"contender": name, "ms_per_epoch": 1e3 * statistics.median(ts) / epochs,
             "ratio": statistics.median(ts) / base, "times_s": ts} for name, ts in times.items()]
    print(f"\n### Batch size on digits 64-128-64, 1 thread, {epochs} epochs ({rounds} rounds)\n")
    print("| contender | ms/epoch (median) | × fused hand loop at batch 64 |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['ms_per_epoch']:.1f} | {r['ratio']:.2f} |")
    return rows


def transform_table(X, rounds):
    dae = skae_dae(X, 128, 1, 64)
    encoder = dae.net_.module_.encoder.eval()

    def direct():
        with torch.inference_mode():
            return encoder(torch.from_numpy(X)).numpy()

    runs = {"encoder(X) directly": direct, "skae transform(X)": lambda: dae.transform(X),
            "validate_data(X) alone": lambda: dae._validate_X(X, reset=False)}
    times = interleaved(list(runs), lambda name: [runs[name]() for _ in range(20)], 10 * rounds)
    base = statistics.median(times["encoder(X) directly"])
    rows = [{"contender": name, "us_per_call": 1e6 * statistics.median(ts) / 20,
             "throughput_ratio": base / statistics.median(ts), "times_s": ts} for name, ts in times.items()]
    print(f"\n### transform on digits ({len(X)} x 64 -> 128), 1 thread ({10 * rounds} rounds of 20 calls)\n")
    print("| contender | µs per call (median) | throughput × encoder(X) |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['us_per_call']:.0f} | {r['throughput_ratio']:.2f} |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="300 rows, 2 rounds of 1 epoch: a smoke run")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_small.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = load_digits_unit()[0].astype(np.float32)
    rounds, epochs = (2, 1) if args.quick else (args.rounds, args.epochs)
    if args.quick:
        X = X[:300]
    hand_loop(X, 128, 1, 64, fused=True)  # warm-up
    result = {"compile": compile_table(X, rounds, epochs), "batch_size": batch_table(X, rounds, epochs),
              "transform": transform_table(X, rounds)}
    write_json(args.out, {"meta": machine(rounds=rounds, epochs=epochs, torch_threads=1, quick=args.quick), **result})


if __name__ == "__main__":
    main()
