"""DenoisingImputer on wide nonlinear tables against scikit-learn's imputers: RMSE, downstream accuracy, time.

Tables: ``bench_impute_defaults.wide_table`` (tanh of random mixtures of a hidden layer over 5 latent
factors, plus noise), 10,000 x 100 and 10,000 x 200, drawn with seeds 0 and 1 (the tuning suite that chose
DenoisingImputer's defaults used seeds 100 and 101 and 5,000 rows), standardised. The label for the
downstream score is whether the first latent factor is positive.

Masks: MCAR 30%, and MAR as in ``bench_impute.py`` (every other column missing with a probability rising
with the previous column's value, about 30% of those columns). 3 mask seeds.

Imputers at their defaults (``random_state`` set where they take one): SimpleImputer(mean), KNNImputer,
IterativeImputer(BayesianRidge), DenoisingImputer. IterativeImputer(ExtraTreesRegressor) is left out: a
forest per column per round on 10,000 rows and 100-200 columns takes hours on 2 cores.

Per table, mask and seed: the RMSE of each imputer's fills on the hidden entries (fit_transform on the
whole masked table, timed) and the accuracy of LogisticRegression trained on 70% of the filled rows and
scored on the other 30% (stratified). DenoisingImputer against each, paired by mask seed
(``_stats.paired_interval``, 95%), and its time as a share of IterativeImputer's.

Usage:  python benchmarks/bench_impute_wide.py [--quick] [--seeds 3]
Writes benchmarks/results/bench_impute_wide.json.
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from _stats import paired_interval
from bench_impute import mask
from bench_impute_defaults import wide_table
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import DenoisingImputer

OURS = "DenoisingImputer"
ITERATIVE = "IterativeImputer(BayesianRidge)"
MASKS = ("MCAR 30%", "MAR")


def datasets(quick):
    rows = 400 if quick else 10_000
    out = {}
    for seed, width in enumerate((25, 50) if quick else (100, 200)):
        X, y = wide_table(rows, width, seed=seed)
        out[f"wide {rows:,} x {width}"] = ((X - X.mean(0)) / X.std(0), y)
    return out


def imputers(seed, quick):
    return {
        "SimpleImputer(mean)": SimpleImputer(),
        "KNNImputer": KNNImputer(),
        ITERATIVE: IterativeImputer(random_state=seed, **({"max_iter": 2} if quick else {})),
        OURS: DenoisingImputer(random_state=seed, device="cpu", **({"max_iter": 2} if quick else {})),
    }


def downstream(filled, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(filled, y, test_size=0.3, random_state=seed, stratify=y)
    return float(LogisticRegression(max_iter=2000).fit(X_tr, y_tr).score(X_te, y_te))


def tables(result):
    """One table per data set and mask: RMSE and downstream accuracy, each against DenoisingImputer's."""
    blocks = {}
    for name, by_mask in result["tables"].items():
        lines = ["| mask | imputer | RMSE (hidden entries) | DenoisingImputer minus this (RMSE) | LR accuracy | "
                 "DenoisingImputer minus this (points) | fit s |", "|---|---|---|---|---|---|---|"]
        for kind, rows in by_mask.items():
            ours = rows[OURS]
            for imputer, r in rows.items():
                rmse_cell = accuracy_cell = ""
                if imputer != OURS:
                    rmse_cell = paired_interval(ours["rmse"], r["rmse"], higher_is_better=False).format(digits=3)
                    accuracy_cell = paired_interval(ours["accuracy"], r["accuracy"]).format(100)
                lines.append(f"| {kind} | {imputer} | {np.mean(r['rmse']):.3f} ± {np.std(r['rmse']):.3f} | {rmse_cell} | "
                             f"{100 * np.mean(r['accuracy']):.1f} | {accuracy_cell} | {np.mean(r['seconds']):.1f} |")
            share = np.mean(ours["seconds"]) / np.mean(rows[ITERATIVE]["seconds"])
            lines.append(f"| {kind} | DenoisingImputer's time ÷ IterativeImputer's | {share:.2f} | | | | |")
        blocks[f"wide-{name.split(' x ')[-1]}"] = "\n".join(lines)
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tables, 1 seed, 2 epochs: a smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_impute_wide.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # IterativeImputer's convergence notes
    seeds = 1 if args.quick else args.seeds
    warm = np.random.RandomState(0).normal(size=(64, 4))  # one-time costs (first optimiser, imports) untimed
    DenoisingImputer(max_iter=1, device="cpu").fit_transform(np.where(warm > 1, np.nan, warm))
    result = {"meta": machine(threads=1, quick=args.quick, seeds=seeds), "tables": {}}
    for name, (X, y) in datasets(args.quick).items():
        by_mask = result["tables"].setdefault(name, {})
        for kind in MASKS:
            rows = by_mask.setdefault(kind, {})
            for seed in range(seeds):
                missing = mask(X, kind, seed)
                for imputer_name, imputer in imputers(seed, args.quick).items():
                    start = time.perf_counter()
                    filled = imputer.fit_transform(np.where(missing, np.nan, X))
                    seconds = time.perf_counter() - start
                    row = rows.setdefault(imputer_name, {"rmse": [], "accuracy": [], "seconds": []})
                    row["rmse"].append(float(np.sqrt(np.mean((filled - X)[missing] ** 2))))
                    row["accuracy"].append(downstream(filled, y, seed))
                    row["seconds"].append(seconds)
                    print(f"{name} {kind} seed {seed} {imputer_name}: RMSE {row['rmse'][-1]:.3f}, "
                          f"LR {row['accuracy'][-1]:.3f}, {seconds:.1f} s", flush=True)
    for block in tables(result).values():
        print("\n" + block)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
