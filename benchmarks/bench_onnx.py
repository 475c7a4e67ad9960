"""onnxruntime against the estimator's own ``transform``, for one row and for 10,000 rows.

Two fitted ``DenoisingAutoencoder`` models on float32 data, exported with ``skae.onnx.to_onnx``:
small (64 -> 256 codes, digits-sized) and big (784 -> 1024-512 codes). For each, interleaved rounds in
one process time ``transform`` (scikit-learn's input validation included, as a user calls it) and an
onnxruntime ``InferenceSession.run`` (CPU provider), both on one thread: one row (the median of
``--calls`` calls per round) and 10,000 rows (one call per round). Ratios are per-round
onnxruntime ÷ ``transform`` with their 95% intervals (``bench_training.mean_interval``); issue 31's
goals: single-row latency at most 1/5 of ``transform``'s, batch throughput at least ``transform``'s.
The export time of each model is recorded too.

Usage:  python benchmarks/bench_onnx.py [--rounds 7] [--calls 200] [--quick]
Writes benchmarks/results/bench_onnx.json.
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch
from _report import machine, write_json
from bench_training import GOAL, SPEED, interleaved, interval_cell, mean_interval, ratios

from skae import DenoisingAutoencoder

MODELS = {"small (64 → 256)": (64, (), 256), "big (784 → 1024-512)": (784, (1024,), 512)}
ROWS = 10_000


def fitted(n_features, hidden, n_components, quick):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(2_000 if not quick else 200, n_features)).astype(np.float32)
    return DenoisingAutoencoder(n_components, hidden_layer_sizes=hidden, max_iter=1, random_state=0,
                                device="cpu").fit(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_onnx.json"))
    args = parser.parse_args()
    import onnxruntime as ort

    from skae.onnx import to_onnx

    torch.set_num_threads(1)
    rounds, calls, rows = (2, 5, 500) if args.quick else (args.rounds, args.calls, ROWS)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    result = {"meta": machine(threads=1, quick=args.quick, rounds=rounds, calls=calls, rows=rows), "models": {}}
    for name, (n_features, hidden, n_components) in MODELS.items():
        model = fitted(n_features, hidden, n_components, args.quick)
        start = time.perf_counter()
        onx = to_onnx(model, np.zeros((1, n_features), dtype=np.float32))
        export_seconds = time.perf_counter() - start
        session = ort.InferenceSession(onx.SerializeToString(), options, providers=["CPUExecutionProvider"])
        one = np.random.RandomState(1).uniform(size=(1, n_features)).astype(np.float32)
        many = np.random.RandomState(2).uniform(size=(rows, n_features)).astype(np.float32)
        # agreement in the encoder's activations: a barely trained code has a tiny spread, which the
        # scaling of transform (÷ code_scale_) magnifies along with float32's rounding
        difference = session.run(None, {"X": many[:100]})[0] - model.transform(many[:100])
        assert np.abs(difference * model.code_scale_).max() < 1e-5
        contenders = {
            "transform, 1 row": lambda: [model.transform(one) for _ in range(calls)],
            "onnxruntime, 1 row": lambda: [session.run(None, {"X": one}) for _ in range(calls)],
            f"transform, {rows:,} rows": lambda: model.transform(many),
            f"onnxruntime, {rows:,} rows": lambda: session.run(None, {"X": many}),
        }
        times = interleaved(contenders, lambda key: contenders[key](), rounds)
        result["models"][name] = {"export_seconds": export_seconds, "times_s": times}
        print(name, {k: round(statistics.median(v), 4) for k, v in times.items()}, flush=True)
    for block in tables(result).values():
        print(block)
    write_json(args.out, result)


def tables(result):
    """Latency and throughput, onnxruntime against transform, per model."""
    meta = result["meta"]
    calls, rows = meta["calls"], meta["rows"]
    lines = [f"One torch thread and one onnxruntime thread, {meta['rounds']} interleaved rounds; one row: the "
             f"median of {calls} calls per round; {rows:,} rows: one call per round. The ratios are per-round "
             "onnxruntime ÷ `transform` with their 95% intervals.", "",
             "| model | export s | transform, 1 row µs | onnxruntime, 1 row µs | ÷ transform, 1 row | "
             f"transform, {rows:,} rows/s | onnxruntime, {rows:,} rows/s | ÷ transform, {rows:,} rows |",
             "|---|---|---|---|---|---|---|---|"]
    goals = []
    for name, model in result["models"].items():
        t = model["times_s"]
        one_t, one_o = t["transform, 1 row"], t["onnxruntime, 1 row"]
        many_t, many_o = t[f"transform, {rows:,} rows"], t[f"onnxruntime, {rows:,} rows"]
        latency = mean_interval(ratios(one_o, one_t))
        batch = mean_interval(ratios(many_o, many_t))
        lines.append(
            f"| {name} | {model['export_seconds']:.1f} | {1e6 * statistics.median(one_t) / calls:.0f} | "
            f"{1e6 * statistics.median(one_o) / calls:.0f} | {interval_cell(latency, SPEED)} | "
            f"{rows / statistics.median(many_t):,.0f} | {rows / statistics.median(many_o):,.0f} | "
            f"{interval_cell(batch, SPEED)} |")
        fifth = mean_interval(ratios(one_o, one_t), reference=0.2)
        goals.append(f"{name}: single-row latency ≤ 1/5 of transform's: {GOAL[fifth.verdict]} "
                     f"({latency.mean:.2f} of its time); batch throughput ≥ transform's: {GOAL[batch.verdict]} "
                     f"({batch.mean:.2f} of its time).")
    lines += [""] + [f"- {goal}" for goal in goals]
    return {"latency": "\n".join(lines)}


if __name__ == "__main__":
    main()
