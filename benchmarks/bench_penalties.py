"""Cost and effect of the contractive and sparsity penalties.

Cost: the time of a training epoch of each penalised model against the plain
autoencoder of the same shape, interleaved rounds, medians (min-max). The
issue's budget: the closed-form contractive step at most 1.5x the plain one.

Effect, on sklearn digits (first 1200 rows train, the rest test): mean
‖J_f(x)‖²_F of the encoder, fraction of near-zero code entries (|h| < 0.01),
reconstruction error, and LogisticRegression / SVC accuracy on the codes.

Usage:  python benchmarks/bench_penalties.py [--rounds 5] [--quick]
Writes benchmarks/results/bench_penalties.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import sklearn
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import skae
from skae import ContractiveAE, SparseAE
from skae.datasets import load_digits_unit


def cost_contenders(hidden):
    """(name, baseline name, estimator factory) for one shape."""
    common = dict(device="cpu", random_state=0, loss="cross_entropy")
    deep = dict(hidden_layer_sizes=(hidden,), n_components=hidden // 2)
    one = dict(n_components=hidden)
    return [
        ("plain AE, 1 layer (tied)", None, lambda e: ContractiveAE(contraction=0.0, max_iter=e, **one, **common)),
        ("CAE, 1 layer sigmoid (closed form)", "plain AE, 1 layer (tied)",
         lambda e: ContractiveAE(contraction=0.1, max_iter=e, **one, **common)),
        ("SAE l1 (relu)", "plain AE, 1 layer (relu)", lambda e: SparseAE(max_iter=e, **one, **common)),
        ("plain AE, 1 layer (relu)", None, lambda e: SparseAE(sparsity=0.0, max_iter=e, **one, **common)),
        ("SAE kl (sigmoid)", "plain AE, 1 layer (tied)",
         lambda e: SparseAE(sparsity_penalty="kl", activation="sigmoid", tied_weights=True, sparsity=1.0,
                            max_iter=e, **one, **common)),
        ("plain AE, 2 layers", None,
         lambda e: ContractiveAE(contraction=0.0, tied_weights=False, max_iter=e, **deep, **common)),
        ("CAE, 2 layers (torch.func Jacobian)", "plain AE, 2 layers",
         lambda e: ContractiveAE(contraction=0.1, tied_weights=False, max_iter=e, **deep, **common)),
    ]


def time_case(X, hidden, epochs, rounds, batch_size):
    contenders = cost_contenders(hidden)
    for _, _, make in contenders:  # warm-up: lazy torch initialisation, allocator
        make(1).set_params(batch_size=batch_size).fit(X[:256])
    times = {name: [] for name, _, _ in contenders}
    for r in range(rounds):
        order = contenders if r % 2 == 0 else contenders[::-1]
        for name, _, make in order:
            est = make(epochs).set_params(batch_size=batch_size)
            start = time.perf_counter()
            est.fit(X)
            times[name].append(time.perf_counter() - start)
    steps = epochs * int(np.ceil(len(X) / batch_size))
    rows = []
    for name, baseline, _ in contenders:
        med = statistics.median(times[name])
        ratio = med / statistics.median(times[baseline]) if baseline else 1.0
        rows.append({"shape": f"{X.shape[1]}-{hidden}", "model": name, "baseline": baseline or "-",
                     "median_s": med, "min_s": min(times[name]), "max_s": max(times[name]),
                     "us_per_step": 1e6 * med / steps, "ratio_to_baseline": ratio, "times_s": times[name]})
    return rows


def effects(quick):
    X, y = load_digits_unit()
    X_tr, y_tr, X_te, y_te = X[:1200], y[:1200], X[1200:], y[1200:]
    iters = dict(max_iter=5 if quick else 100, random_state=0)
    models = {
        "plain AE (sigmoid, tied)": ContractiveAE(contraction=0.0, **iters),
        "CAE contraction=0.1 (default)": ContractiveAE(contraction=0.1, **iters),
        "CAE contraction=0.5": ContractiveAE(contraction=0.5, **iters),
        "plain AE (relu)": SparseAE(sparsity=0.0, **iters),
        "SAE l1, sparsity=0.05 (default)": SparseAE(**iters),
        "SAE l1, sparsity=0.2": SparseAE(sparsity=0.2, **iters),
        "SAE kl, target 0.05 (sigmoid)": SparseAE(sparsity_penalty="kl", activation="sigmoid", sparsity=1.0, **iters),
    }
    mean_image_error = float(((X_te - X_tr.mean(axis=0)) ** 2).sum(axis=1).mean())
    rows = []
    for name, est in models.items():
        est.fit(X_tr)
        Z_tr, Z_te = est.transform(X_tr), est.transform(X_te)
        R = est.inverse_transform(Z_te)
        jac = ContractiveAE.jacobian_norm(est, X_te).mean() if hasattr(est, "jacobian_norm") else \
            float(np.mean(skae.nn.functional.jacobian_frobenius_sq(est.encoder_.double(), torch.from_numpy(X_te)).detach().numpy()))
        rows.append({
            "model": name, "mean_jacobian_sq": float(jac),
            "near_zero_fraction": float((np.abs(Z_te) < 0.01).mean()), "mean_code": float(Z_te.mean()),
            "reconstruction_sse": float(((R - X_te) ** 2).sum(axis=1).mean()),
            "mean_image_sse": mean_image_error,
            "logreg_accuracy": LogisticRegression(max_iter=3000).fit(Z_tr, y_tr).score(Z_te, y_te),
            "svc_accuracy": SVC().fit(Z_tr, y_tr).score(Z_te, y_te),
        })
        est.encoder_.float()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_penalties.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rounds = 2 if args.quick else args.rounds

    X_digits = load_digits_unit()[0].astype(np.float32)
    X_wide = np.random.RandomState(0).uniform(size=(2000 if args.quick else 10000, 784)).astype(np.float32)
    cost = time_case(X_digits, 128, 2 if args.quick else 10, rounds, batch_size=64)
    cost += time_case(X_wide, 256, 1, rounds, batch_size=128)

    print(f"torch {torch.__version__}, {args.threads} thread(s), {rounds} interleaved rounds\n")
    print("| shape | model | µs/step | median s (min-max) | × its plain AE |")
    print("|---|---|---|---|---|")
    for r in cost:
        ratio = f"{r['ratio_to_baseline']:.2f}" if r["baseline"] != "-" else "baseline"
        print(f"| {r['shape']} | {r['model']} | {r['us_per_step']:.0f} | "
              f"{r['median_s']:.3f} ({r['min_s']:.3f}-{r['max_s']:.3f}) | {ratio} |")

    eff = effects(args.quick)
    print("\nEffects on digits (train 1200 / test 597), 128 code units:\n")
    print("| model | mean ‖J‖²_F | near-zero codes | recon. SSE (mean image) | LR acc. | SVC acc. |")
    print("|---|---|---|---|---|---|")
    for r in eff:
        print(f"| {r['model']} | {r['mean_jacobian_sq']:.1f} | {r['near_zero_fraction']:.2f} | "
              f"{r['reconstruction_sse']:.2f} ({r['mean_image_sse']:.2f}) | "
              f"{r['logreg_accuracy']:.3f} | {r['svc_accuracy']:.3f} |")

    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "torch": torch.__version__, "sklearn": sklearn.__version__, "skae": skae.__version__,
            "threads": args.threads, "rounds": rounds, "quick": args.quick,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "cost": cost, "effects": eff}, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
