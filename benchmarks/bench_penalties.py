"""Cost and effect of the contractive and sparsity penalties.

Cost: the time of a training epoch of each penalised model against the plain
autoencoder of the same shape, interleaved rounds, medians (min-max). The
issue's budget: the closed-form contractive step at most 1.5x the plain one.
Each round times every model once, so a round's ratio to its plain model is
paired; the table gives the ratio of the medians and the range of the
per-round ratios.

Effect, on sklearn digits (first 1200 rows train, the rest test), over
``--seeds`` seeds of the autoencoders: mean ‖J_f(x)‖²_F of the encoder,
fraction of near-zero code entries (|h| < 0.01), reconstruction error, and
LogisticRegression / SVC accuracy on the codes. Each penalised model is
compared with its plain autoencoder, paired by seed with a 95% t interval
(``_stats.paired_interval``).

``tables(result)`` renders every table from the JSON alone, for
``benchmarks/report.py`` and for this script's own printout.

Usage:  python benchmarks/bench_penalties.py [--rounds 5] [--seeds 5] [--quick]
Writes benchmarks/results/bench_penalties.json (about 15 min on 2 CPU cores, torch on one thread),
the file the docs' ``penalties/...`` blocks come from.
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch
from _report import machine, write_json
from _stats import paired_interval
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import skae
from skae import ContractiveAE, SparseAE
from skae.datasets import load_digits_unit

PLAIN_SIGMOID, PLAIN_RELU, PLAIN_DEEP = "plain AE, one sigmoid layer (tied)", "plain AE, one ReLU layer", \
    "plain AE, two layers"
EFFECT_METRICS = {  # key -> (column, digits, higher is better or None when neither is)
    "mean_jacobian_sq": ("mean ‖J‖²_F", 1, None),
    "near_zero_fraction": ("near-zero codes (\\|h\\| < 0.01)", 2, None),
    "reconstruction_sse": ("recon. SSE", 2, False),
    "logreg_accuracy": ("LR acc.", 3, True),
    "svc_accuracy": ("SVC acc.", 3, True),
}


def cost_contenders(hidden):
    """(name, baseline name, deep, estimator factory) for one shape."""
    common = dict(device="cpu", random_state=0, loss="cross_entropy")
    deep = dict(hidden_layer_sizes=(hidden,), n_components=hidden // 2)
    one = dict(n_components=hidden)
    return [
        (PLAIN_SIGMOID, None, False, lambda e: ContractiveAE(contraction=0.0, max_iter=e, **one, **common)),
        ("ContractiveAE, one sigmoid layer (closed form)", PLAIN_SIGMOID, False,
         lambda e: ContractiveAE(contraction=0.1, max_iter=e, **one, **common)),
        ("SparseAE l1 (ReLU)", PLAIN_RELU, False, lambda e: SparseAE(max_iter=e, **one, **common)),
        (PLAIN_RELU, None, False, lambda e: SparseAE(sparsity=0.0, max_iter=e, **one, **common)),
        ("SparseAE kl (sigmoid)", PLAIN_SIGMOID, False,
         lambda e: SparseAE(sparsity_penalty="kl", activation="sigmoid", tied_weights=True, sparsity=1.0,
                            max_iter=e, **one, **common)),
        (PLAIN_DEEP, None, True,
         lambda e: ContractiveAE(contraction=0.0, tied_weights=False, max_iter=e, **deep, **common)),
        ("ContractiveAE, two layers (`torch.func` Jacobian)", PLAIN_DEEP, True,
         lambda e: ContractiveAE(contraction=0.1, tied_weights=False, max_iter=e, **deep, **common)),
    ]


def time_case(X, hidden, epochs, rounds, batch_size):
    """Fit every contender ``rounds`` times, interleaved (forwards, then backwards); one row per contender."""
    contenders = cost_contenders(hidden)
    for *_, make in contenders:  # warm-up: lazy torch initialisation, allocator
        make(1).set_params(batch_size=batch_size).fit(X[:256])
    times = {name: [] for name, *_ in contenders}
    for r in range(rounds):
        order = contenders if r % 2 == 0 else contenders[::-1]
        for name, *_, make in order:
            est = make(epochs).set_params(batch_size=batch_size)
            start = time.perf_counter()
            est.fit(X)
            times[name].append(time.perf_counter() - start)
    steps = epochs * int(np.ceil(len(X) / batch_size))
    rows = []
    for name, baseline, deep, _ in contenders:
        med = statistics.median(times[name])
        ratio = med / statistics.median(times[baseline]) if baseline else 1.0
        rows.append({"case": f"{X.shape[1]}-{hidden}",
                     "shape": f"{X.shape[1]}-{hidden}" + (f"-{hidden // 2}" if deep else ""),
                     "model": name, "baseline": baseline or "-", "steps": steps,
                     "median_s": med, "min_s": min(times[name]), "max_s": max(times[name]),
                     "us_per_step": 1e6 * med / steps, "ratio_to_baseline": ratio, "times_s": times[name]})
    return rows


def effect_models(seed, quick):
    """name -> (unfitted model, the name of the plain model it is compared with, or None)."""
    iters = dict(max_iter=5 if quick else 100, random_state=seed)
    sigmoid, relu = "plain AE (sigmoid, tied)", "plain AE (ReLU)"
    return {
        sigmoid: (ContractiveAE(contraction=0.0, **iters), None),
        "ContractiveAE, contraction=0.1 (default)": (ContractiveAE(contraction=0.1, **iters), sigmoid),
        "ContractiveAE, contraction=0.5": (ContractiveAE(contraction=0.5, **iters), sigmoid),
        relu: (SparseAE(sparsity=0.0, **iters), None),
        "SparseAE l1, sparsity=0.05 (default)": (SparseAE(**iters), relu),
        "SparseAE l1, sparsity=0.2": (SparseAE(sparsity=0.2, **iters), relu),
        "SparseAE kl, target 0.05 (sigmoid)": (SparseAE(sparsity_penalty="kl", activation="sigmoid", sparsity=1.0,
                                                        **iters), sigmoid),
    }


def effect(est, X_tr, y_tr, X_te, y_te):
    """The measures of one fitted model on the test rows."""
    Z_tr, Z_te = est.transform(X_tr), est.transform(X_te)
    R = est.inverse_transform(Z_te)
    if hasattr(est, "jacobian_norm"):
        jac = est.jacobian_norm(X_te).mean()
    else:
        jac = np.mean(skae.nn.functional.jacobian_frobenius_sq(est.encoder_.double(), torch.from_numpy(X_te))
                      .detach().numpy())
        est.encoder_.float()
    return {"mean_jacobian_sq": float(jac), "near_zero_fraction": float((np.abs(Z_te) < 0.01).mean()),
            "mean_code": float(Z_te.mean()), "reconstruction_sse": float(((R - X_te) ** 2).sum(axis=1).mean()),
            "logreg_accuracy": float(LogisticRegression(max_iter=3000).fit(Z_tr, y_tr).score(Z_te, y_te)),
            "svc_accuracy": float(SVC().fit(Z_tr, y_tr).score(Z_te, y_te))}


def effects(seeds, quick):
    """One row per model: the mean of each measure over seeds, and every seed's value under ``values``."""
    X, y = load_digits_unit()
    X_tr, y_tr, X_te, y_te = X[:1200], y[:1200], X[1200:], y[1200:]
    mean_image_error = float(((X_te - X_tr.mean(axis=0)) ** 2).sum(axis=1).mean())
    per_seed = {}
    for seed in range(seeds):
        for name, (est, baseline) in effect_models(seed, quick).items():
            measured = effect(est.fit(X_tr), X_tr, y_tr, X_te, y_te)
            cell = per_seed.setdefault(name, {"baseline": baseline or "-", "values": []})
            cell["values"].append(measured)
    rows = []
    for name, cell in per_seed.items():
        means = {key: float(np.mean([v[key] for v in cell["values"]])) for key in cell["values"][0]}
        rows.append({"model": name, **means, "mean_image_sse": mean_image_error, "n_train": len(X_tr),
                     "n_test": len(X_te), "baseline": cell["baseline"], "values": cell["values"]})
    return rows


# ------------------------------------------------------------------------- report
def _interval(values, reference, digits, higher_is_better):
    """A paired 95% interval; without a better side (a norm, a share of zeros) it carries no verdict."""
    interval = paired_interval(values, reference, higher_is_better=bool(higher_is_better))
    if higher_is_better is None:
        interval = interval._replace(verdict="")
    return interval.format(digits=digits).rstrip()


def _effects_block(rows):
    seeds = len(rows[0]["values"])
    head = [col for col, _, _ in EFFECT_METRICS.values()]
    head[list(EFFECT_METRICS).index("reconstruction_sse")] += f" (mean image: {rows[0]['mean_image_sse']:.2f})"
    lines = [f"Mean ± sd over {seeds} seed(s) of the autoencoder; test rows: {rows[0]['n_test']}.", "",
             "| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
    for r in rows:
        cells = []
        for key, (_, digits, _) in EFFECT_METRICS.items():
            v = [s[key] for s in r["values"]]
            cells.append(f"{np.mean(v):.{digits}f} ± {np.std(v):.{digits}f}")
        lines.append(f"| {r['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _effects_paired_block(rows):
    by_name = {r["model"]: r for r in rows}
    lines = ["| model | minus | " + " | ".join(col for col, _, _ in EFFECT_METRICS.values()) + " |",
             "|---|---|" + "---|" * len(EFFECT_METRICS)]
    for r in rows:
        if r["baseline"] == "-":
            continue
        reference = by_name[r["baseline"]]
        cells = [_interval([s[key] for s in r["values"]], [s[key] for s in reference["values"]], digits, better)
                 for key, (_, digits, better) in EFFECT_METRICS.items()]
        lines.append(f"| {r['model']} | {r['baseline']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cost_block(rows):
    lines = ["| shape | model | µs/step | × plain (medians) | × plain, per round (min–max) |", "|---|---|---|---|---|"]
    for r in rows:
        if r["baseline"] == "-":
            continue
        plain = next(b for b in rows if b["case"] == r["case"] and b["model"] == r["baseline"])
        per_round = [t / b for t, b in zip(r["times_s"], plain["times_s"], strict=True)]
        digits = 2 if r["ratio_to_baseline"] < 10 else 1
        lines.append(f"| {r['shape']} | {r['model']} | {r['us_per_step']:.0f} | {r['ratio_to_baseline']:.{digits}f} | "
                     f"{min(per_round):.{digits}f}–{max(per_round):.{digits}f} |")
    return "\n".join(lines)


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``, from the JSON alone.

    Parameters
    ----------
    result : dict
        What this script writes: ``cost`` and ``effects``, lists of rows.

    Returns
    -------
    dict of str to str
        ``"effects"``: each model's measures on the digits test rows (mean ± sd over seeds).
        ``"effects-paired"``: each penalised model minus its plain autoencoder, paired by seed
        (95% interval; a verdict only for reconstruction error and accuracy, where one side is better).
        ``"cost"``: each penalised model's time per training step and its ratio to the plain
        autoencoder of the same shape (of the medians, and the range over the interleaved rounds).
    """
    return {"effects": _effects_block(result["effects"]), "effects-paired": _effects_paired_block(result["effects"]),
            "cost": _cost_block(result["cost"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the autoencoders in the effects table")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2 rounds, 1 seed, few epochs, less wide data")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_penalties.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rounds, seeds = (2, 1) if args.quick else (args.rounds, args.seeds)

    X_digits = load_digits_unit()[0].astype(np.float32)
    X_wide = np.random.RandomState(0).uniform(size=(2000 if args.quick else 10000, 784)).astype(np.float32)
    cost = time_case(X_digits, 128, 2 if args.quick else 10, rounds, batch_size=64)
    cost += time_case(X_wide, 256, 1, rounds, batch_size=128)
    result = {"meta": machine(threads=args.threads, rounds=rounds, seeds=seeds, quick=args.quick), "cost": cost}
    print(f"torch {torch.__version__}, {args.threads} thread(s), {rounds} interleaved rounds\n")
    print(_cost_block(cost))

    result["effects"] = effects(seeds, args.quick)
    blocks = tables(result)
    print(f"\nEffects on digits (train 1200 / test 597), 128 code units:\n\n{blocks['effects']}\n")
    print(f"Each penalised model minus its plain autoencoder, paired by seed:\n\n{blocks['effects-paired']}")
    write_json(args.out, result)


if __name__ == "__main__":
    main()
