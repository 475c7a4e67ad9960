"""DenoisingImputer against scikit-learn's imputers: RMSE on the hidden entries, downstream scores, fit time.

Tables (standardised on all their rows before any entry is hidden, so RMSE is
in standard deviations of each column): diabetes (442 x 10, regression),
breast cancer (569 x 30), wine (178 x 13), a 500 x 30 low-rank matrix
(``make_low_rank_matrix``, effective rank 5, no target), and, with
``--tables digits`` only (its IterativeImputer fits take over an hour for
the 12 cells on 2 cores), digits (1797 x 64; constant columns dropped).

Masks: MCAR at 10, 30 and 50% of the entries, and MAR: in every other
column, an entry is missing with probability sigmoid(2 z), where z is the
entry of the preceding (always observed) column in the same row, scaled to
hide about 30% of those columns' entries.

Imputers at their defaults (random_state set where they take one):
SimpleImputer(mean), KNNImputer, IterativeImputer (BayesianRidge),
IterativeImputer (ExtraTreesRegressor(), 100 trees), DenoisingImputer; and one
hand-set row, labelled so: IterativeImputer(ExtraTreesRegressor(n_estimators=10)),
the configuration of scikit-learn's imputation example. No imputer is tuned
(DenoisingImputer's defaults were chosen on other tables, see its docstring).

Each baseline's RMSE is compared with DenoisingImputer's, paired by mask seed
(``_stats.paired_interval``, 95%; lower is better). For DenoisingImputer, the share
of hidden entries inside fill ± 1.645 ``residual_std_`` (nominal 90%).

Per table, mask and seed: the RMSE of each imputer's fills on the hidden
entries (fit_transform on the whole masked table, timed), and the test score
of Pipeline(imputer, model) trained on a stratified 70% of the masked rows and
scored on the other 30% (LogisticRegression accuracy; Ridge R² for diabetes).

Usage:  python benchmarks/bench_impute.py [--quick] [--seeds 3]
Writes benchmarks/results/bench_impute.json.
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from _stats import paired_interval
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine, make_low_rank_matrix
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import DenoisingImputer

MASKS = ("MCAR 10%", "MCAR 30%", "MCAR 50%", "MAR")


DEFAULT_TABLES = ("diabetes", "breast cancer", "wine", "low-rank 500 x 30")
OURS = "DenoisingImputer"


def datasets(names, quick):
    rows = 150 if quick else None
    digits = load_digits(return_X_y=True)
    keep = digits[0].std(axis=0) > 0
    out = {
        "diabetes": (*load_diabetes(return_X_y=True), "regression"),
        "breast cancer": (*load_breast_cancer(return_X_y=True), "classification"),
        "wine": (*load_wine(return_X_y=True), "classification"),
        "digits": (digits[0][:, keep], digits[1], "classification"),
        "low-rank 500 x 30": (make_low_rank_matrix(500, 30, effective_rank=5, random_state=0), None, None),
    }
    return {name: (StandardScaler().fit_transform(X[:rows]), None if y is None else y[:rows], task)
            for name, (X, y, task) in out.items() if name in names}


def imputers(seed, quick):
    short = {"max_iter": 2} if quick else {}
    return {
        "SimpleImputer(mean)": SimpleImputer(),
        "KNNImputer": KNNImputer(),
        "IterativeImputer(BayesianRidge)": IterativeImputer(random_state=seed),
        "IterativeImputer(ExtraTrees)": IterativeImputer(
            ExtraTreesRegressor(n_estimators=2 if quick else 100, random_state=seed), random_state=seed),
        "IterativeImputer(ExtraTrees, 10 trees), hand-set": IterativeImputer(
            ExtraTreesRegressor(n_estimators=10, random_state=seed), random_state=seed),
        OURS: DenoisingImputer(random_state=seed, device="cpu", **short),
    }


def mask(X, kind, seed):
    rng = np.random.RandomState(seed)
    if kind.startswith("MCAR"):
        return rng.uniform(size=X.shape) < int(kind.split()[1][:-1]) / 100
    missing = np.zeros(X.shape, dtype=bool)
    for j in range(1, X.shape[1], 2):  # MAR: driven by the observed column before it
        p = 1 / (1 + np.exp(-2 * X[:, j - 1]))
        missing[:, j] = rng.uniform(size=len(X)) < p * 0.3 / p.mean()
    return missing


def downstream(imputer, X_missing, y, task, seed):
    stratify = y if task == "classification" else None
    X_tr, X_te, y_tr, y_te = train_test_split(X_missing, y, test_size=0.3, random_state=seed, stratify=stratify)
    model = Ridge() if task == "regression" else LogisticRegression(max_iter=2000)
    return make_pipeline(imputer, model).fit(X_tr, y_tr).score(X_te, y_te)


def coverage(imputer, filled, X, missing):
    """The share of hidden entries inside fill ± 1.645 residual_std_ (a nominal 90% interval), or None."""
    if not isinstance(imputer, DenoisingImputer):
        return None
    half = 1.645 * imputer.residual_std_ * imputer.scale_
    return float(np.mean((np.abs(filled - X) <= half)[missing]))


SLUGS = {"breast cancer": "breast-cancer", "low-rank 500 x 30": "low-rank"}


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``: one table per data set, and the verdicts."""
    blocks, by_table, verdicts = {}, {}, {}
    for r in result["rows"]:
        by_table.setdefault(r["table"], []).append(r)
    for name, rows in by_table.items():
        lines = ["| mask | imputer | RMSE (hidden entries) | DenoisingImputer minus this (RMSE) | downstream score | "
                 "fit s |", "|---|---|---|---|---|---|"]
        for r in rows:
            ours = next(o for o in rows if o["mask"] == r["mask"] and o["imputer"] == OURS)
            if r is ours:
                cell = ""
            else:
                change = paired_interval([v[0] for v in ours["values"]], [v[0] for v in r["values"]],
                                         higher_is_better=False)
                cell = change.format(digits=3)
                verdicts.setdefault(r["imputer"], []).append(change.verdict)
            missing_score = r["score"] is None or r["score"] != r["score"]  # a table without a target
            score = "–" if missing_score else f"{r['score']:.3f} ± {r['score_std']:.3f}"
            lines.append(f"| {r['mask']} | {r['imputer']} | {r['rmse']:.3f} ± {r['rmse_std']:.3f} | {cell} | {score} | "
                         f"{r['fit_seconds']:.2f} |")
        blocks[SLUGS.get(name, name)] = "\n".join(lines)
    cells = len({(r["table"], r["mask"]) for r in result["rows"]})
    blocks["verdicts"] = "\n".join(
        f"- against {imputer}: DenoisingImputer's RMSE is "
        + ", ".join(f"{found.count(v)} {v}" for v in ("better", "level", "worse", "one run") if v in found)
        + f" (of {cells} table x mask cells)." for imputer, found in verdicts.items())
    covered = [r for r in result["rows"] if r.get("coverage") is not None]
    blocks["coverage"] = "\n".join([
        "| table | mask | hidden entries inside fill ± 1.645 `residual_std_` (nominal 90%) |", "|---|---|---|",
        *(f"| {r['table']} | {r['mask']} | {100 * r['coverage']:.1f}% ± {100 * r['coverage_std']:.1f} |"
          for r in covered)])
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tables, 1 seed, 2 epochs: a smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tables", nargs="*", default=list(DEFAULT_TABLES),
                        choices=[*DEFAULT_TABLES, "digits"])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_impute.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # IterativeImputer's convergence notes, empty columns on smoke runs
    seeds = 1 if args.quick else args.seeds
    rows = []
    for name, (X, y, task) in datasets(args.tables, args.quick).items():
        for kind in MASKS:
            results = {}
            for seed in range(seeds):
                missing = mask(X, kind, seed)
                X_missing = np.where(missing, np.nan, X)
                for imp_name, imputer in imputers(seed, args.quick).items():
                    start = time.perf_counter()
                    filled = imputer.fit_transform(X_missing)
                    seconds = time.perf_counter() - start
                    rmse = float(np.sqrt(((filled - X)[missing] ** 2).mean()))
                    score = np.nan if task is None else downstream(
                        imputers(seed, args.quick)[imp_name], X_missing, y, task, seed)
                    covered = coverage(imputer, filled, X, missing)
                    results.setdefault(imp_name, []).append((rmse, score, seconds, covered))
            for imp_name, values in results.items():
                v = np.array([x[:3] for x in values])
                mean, std = v.mean(0), v.std(0)
                covered = None if values[0][3] is None else np.array([x[3] for x in values])
                rows.append({"table": name, "mask": kind, "imputer": imp_name, "rmse": mean[0], "rmse_std": std[0],
                             "score": None if task is None else mean[1], "score_std": None if task is None else std[1],
                             "fit_seconds": mean[2], "values": v.tolist(),
                             "coverage": None if covered is None else float(covered.mean()),
                             "coverage_std": None if covered is None else float(covered.std())})
        print(f"\n### {name}\n\n" + tables({"rows": [r for r in rows if r["table"] == name]})[SLUGS.get(name, name)],
              flush=True)
    result = {"meta": machine(threads=1, quick=args.quick, seeds=seeds), "rows": rows}
    blocks = tables(result)
    print("\n" + blocks["verdicts"] + "\n\n" + blocks["coverage"])
    write_json(args.out, result)


if __name__ == "__main__":
    main()
