"""Two ideas for the small-data step, measured: ``torch.compile`` and sklearn's batch size.

On digits (1797 x 64, a 64-128-64 DAE, cross-entropy, fused Adam, one torch
thread) this prints three tables, which ``tables(result)`` renders from the
JSON for ``benchmarks/report.py`` (blocks ``small/<name>`` in
docs/performance.md). A comparison is the mean of the per-round time ratios of
interleaved rounds with its 95% interval; "faster" or "slower" only when the
interval excludes 1.

1. compile: the fused hand loop as written, with the module compiled
   (``torch.compile(model)``) and with the forward pass and loss compiled as
   one function. For each: the first epoch (which pays the compilation), the
   steady per-step time (median of interleaved rounds of ``--epochs`` epochs),
   and the number of steps after which compiling would have paid for itself
   (never, if the compiled step is not faster). Compilation is cold
   (inductor's on-disk cache off), as in a user's first fit.
2. batch-size: per-epoch time of the fused hand loop, ``MLPRegressor`` and
   skae's ``DenoisingAutoencoder`` at batch 64 (skae's default) and at
   ``min(200, n_samples)`` (scikit-learn's ``batch_size="auto"``), interleaved.
3. transform: ``transform`` of all of digits against calling the trained
   encoder directly (under ``torch.inference_mode``), and the part of it that
   is scikit-learn's input validation (``validate_data``).

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
from bench_training import (
    FUSED,
    GOAL,
    _mlp_ae,
    count,
    hand_loop,
    interleaved,
    interval_text,
    mean_interval,
    mlp_regressor,
    ratios,
    skae_dae,
    speed_cell,
)

from skae.datasets import load_digits_unit

MLP, SKAE = "sklearn MLPRegressor", "skae DAE"
ENCODER, TRANSFORM, VALIDATE = "encoder(X) directly", "skae transform(X)", "validate_data(X) alone"
CALLS = 20  # calls of each transform contender per round


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
    names = {FUSED: None, "torch.compile(module)": "module", "torch.compile(forward + loss)": "step"}
    trainers, first = {}, {}
    for name, how in names.items():
        start = time.perf_counter()
        trainers[name] = compiled_trainer(X, 128, how)
        trainers[name](batch)  # compiles on the first batch, and again for the last, shorter one
        first[name] = time.perf_counter() - start
    times = interleaved(list(names), lambda name: [trainers[name](batch) for _ in range(epochs)], rounds)
    base_step = statistics.median(times[FUSED]) / (epochs * steps_per_epoch)
    rows = []
    for name, how in names.items():
        step = statistics.median(times[name]) / (epochs * steps_per_epoch)
        compile_s = first[name] - step * steps_per_epoch
        saving = base_step - step
        rows.append({"contender": name, "first_epoch_s": first[name], "us_per_step": 1e6 * step,
                     "ratio": step / base_step, "compile_s": compile_s,
                     "break_even_steps": compile_s / saving if saving > 0 and how else None,
                     "times_s": times[name]})
    return rows


def batch_table(X, rounds, epochs):
    auto = min(200, len(X))
    runs, rows = {}, []
    for batch in (64, auto):
        runs[f"{FUSED}, batch {batch}"] = lambda b=batch: hand_loop(X, 128, epochs, b, fused=True)
        runs[f"{MLP}, batch {batch}"] = lambda b=batch: mlp_regressor(X, 128, epochs, b)
        runs[f"{SKAE}, batch {batch}"] = lambda b=batch: skae_dae(X, 128, epochs, b)
    times = interleaved(list(runs), lambda name: runs[name](), rounds)
    base = statistics.median(times[f"{FUSED}, batch 64"])
    for name, ts in times.items():
        method, batch = name.rsplit(", batch ", 1)
        rows.append({"contender": name, "method": method, "batch_size": int(batch),
                     "ms_per_epoch": 1e3 * statistics.median(ts) / epochs, "ratio": statistics.median(ts) / base,
                     "times_s": ts})
    return rows


def transform_table(X, rounds):
    dae = skae_dae(X, 128, 1, 64)
    encoder = dae.net_.module_.encoder.eval()

    def direct():
        with torch.inference_mode():
            return encoder(torch.from_numpy(X)).numpy()

    runs = {ENCODER: direct, TRANSFORM: lambda: dae.transform(X),
            VALIDATE: lambda: dae._validate_X(X, reset=False)}
    times = interleaved(list(runs), lambda name: [runs[name]() for _ in range(CALLS)], 10 * rounds)
    base = statistics.median(times[ENCODER])
    return [{"contender": name, "us_per_call": 1e6 * statistics.median(ts) / CALLS,
             "throughput_ratio": base / statistics.median(ts), "times_s": ts} for name, ts in times.items()]


# ------------------------------------------------------------------- tables
def _compile(result, meta):
    rows = result["compile"]
    base = next(r for r in rows if r["contender"] == FUSED)
    lines = [f"digits {meta['n_samples']} × 64, 64-128-64, batch {meta['batch_size']}, one torch thread; "
             f"{meta['rounds']} interleaved rounds of {count(meta['epochs'], 'epoch')}. "
             "The first epoch pays a cold compile (inductor's on-disk cache off), as in a user's first fit; "
             "break-even: the steps after which compiling would have paid for itself.", "",
             "| contender | first epoch s | µs/step (median) | × fused hand loop (medians) "
             "| ÷ fused hand loop: per-round mean, 95% interval | break-even steps |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        own = r is base
        even = "—" if own else ("never" if r["break_even_steps"] is None else f"{r['break_even_steps']:,.0f}")
        paired = "—" if own else speed_cell(r["times_s"], base["times_s"])
        lines.append(f"| {r['contender']} | {r['first_epoch_s']:.2f} | {r['us_per_step']:.0f} | {r['ratio']:.2f} | "
                     f"{paired} | {even} |")
    return "\n".join(lines)


def _batch_size(result, meta):
    rows = {(r["method"], r["batch_size"]): r for r in result["batch_size"]}
    auto = max(b for _, b in rows)
    lines = [f"digits {meta['n_samples']} × 64, 64-128-64, one torch thread, {count(meta['epochs'], 'epoch')} "
             f"a fit, {meta['rounds']} interleaved rounds; batch 64 is skae's "
             f"default, {auto} = min(200, n_samples) scikit-learn's `batch_size=\"auto\"`.", "",
             "| contender | ms/epoch (median) | × fused hand loop at batch 64 (medians) "
             "| ÷ fused hand loop at the same batch: per-round mean, 95% interval "
             "| ÷ MLPRegressor at the same batch: per-round mean, 95% interval |",
             "|---|---|---|---|---|"]
    for (method, batch), r in rows.items():
        hand = "—" if method == FUSED else speed_cell(r["times_s"], rows[FUSED, batch]["times_s"])
        mlp = "—" if method == MLP else speed_cell(r["times_s"], rows[MLP, batch]["times_s"])
        lines.append(f"| {r['contender']} | {r['ms_per_epoch']:.1f} | {r['ratio']:.2f} | {hand} | {mlp} |")
    lines += ["", f"- {SKAE}, batch {auto} ÷ batch 64 (time of a fit): "
                  f"{speed_cell(rows[SKAE, auto]['times_s'], rows[SKAE, 64]['times_s'])}.",
              f"- {SKAE}, batch {auto} ÷ {MLP}, batch 64: "
              f"{speed_cell(rows[SKAE, auto]['times_s'], rows[MLP, 64]['times_s'])}."]
    return "\n".join(lines)


def _transform(result, meta):
    rows = {r["contender"]: r for r in result["transform"]}
    times = {name: np.asarray(r["times_s"]) * 1e6 / CALLS for name, r in rows.items()}  # µs per call, per round
    lines = [f"All of digits ({meta['n_samples']} × 64 → 128), one torch thread, "
             f"{len(times[ENCODER])} interleaved rounds of {CALLS} calls.", "",
             "| contender | µs per call (median) | throughput × encoder(X) (medians) "
             "| ÷ encoder(X): per-round mean, 95% interval |", "|---|---|---|---|"]
    for name, r in rows.items():
        paired = "—" if name == ENCODER else speed_cell(r["times_s"], rows[ENCODER]["times_s"])
        lines.append(f"| {name} | {r['us_per_call']:.0f} | {r['throughput_ratio']:.2f} | {paired} |")
    goal = mean_interval(ratios(rows[ENCODER]["times_s"], rows[TRANSFORM]["times_s"]), 0.95, higher_is_better=True)
    gap = mean_interval(times[TRANSFORM] - times[ENCODER], 0.0)
    lines += ["", f"- Throughput of `transform` ÷ the encoder's (goal ≥ 0.95): {interval_text(goal)}, "
                  f"{GOAL.get(goal.verdict, goal.verdict)}.",
              f"- `transform` − encoder(X): {interval_text(gap, digits=0)} µs per call; "
              f"`validate_data` alone: {interval_text(mean_interval(times[VALIDATE], 0.0), digits=0)} µs "
              "(per-round means, 95% intervals)."]
    return "\n".join(lines)


BLOCKS = {"compile": ("compile", _compile), "batch-size": ("batch_size", _batch_size),
          "transform": ("transform", _transform)}  # block name: (the JSON's key, its renderer)


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``: one per section that ran."""
    return {name: render(result, result["meta"]) for name, (key, render) in BLOCKS.items() if key in result}


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
    result = {"meta": machine(rounds=rounds, epochs=epochs, torch_threads=1, quick=args.quick, n_samples=len(X),
                              batch_size=64)}
    sections = {"compile": lambda: compile_table(X, rounds, epochs),
                "batch-size": lambda: batch_table(X, rounds, epochs),
                "transform": lambda: transform_table(X, rounds)}
    for name, run in sections.items():
        key, render = BLOCKS[name]
        result[key] = run()
        print(f"\n### {name}\n\n{render(result, result['meta'])}", flush=True)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
