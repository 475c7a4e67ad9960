"""DenoisingImputer on mixed tables (numbers, categories, bools) against scikit-learn's imputers on one-hot columns.

Tables (numeric columns standardised on all rows before any entry is hidden, so RMSE is in standard
deviations):

- generated, 5,000 x 12: three latent Gaussian factors z; 6 numeric columns, nonlinear functions of z
  (tanh, square, sine, product) plus noise; 4 categorical columns with 3-6 categories, each the argmax
  of a linear function of z plus Gumbel noise; 2 bool columns, the sign of a linear function of z plus
  noise.
- breast cancer with 10 of its 30 columns binned into quartiles ("q1"-"q4", a pandas category), 569 rows.

Mask: MCAR, 30% of all entries (a missing category is None), 5 seeds.

Imputers, at their defaults (``random_state`` set where they take one): the column mean and the most
frequent category ("mean / most frequent"); KNNImputer and IterativeImputer(BayesianRidge) on the table
one-hot encoded (a missing category hides its whole block; the filled category is the argmax of the
filled block); one hand-set row, labelled so: IterativeImputer(ExtraTreesRegressor(n_estimators=10)) on
the same encoding (scikit-learn's imputation example's configuration); DenoisingImputer on the DataFrame.

Scores on the hidden entries: the share of categories (categorical and bool columns) filled right, and
the RMSE of the numeric ones; each baseline against DenoisingImputer, paired by mask seed
(``_stats.paired_interval``, 95%); fit_transform time.

Usage:  python benchmarks/bench_impute_mixed.py [--quick] [--seeds 5]
Writes benchmarks/results/bench_impute_mixed.json.
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _report import machine, write_json
from _stats import paired_interval
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

from skae import DenoisingImputer

OURS = "DenoisingImputer"
RATE = 0.3


def generated(n, seed=0):
    rng = np.random.RandomState(seed)
    z = rng.normal(size=(n, 3))
    noise = lambda: 0.2 * rng.normal(size=n)  # noqa: E731
    columns = {
        "t0": np.tanh(2 * z[:, 0]) + noise(), "t1": z[:, 1] ** 2 + noise(), "t2": np.sin(2 * z[:, 2]) + noise(),
        "t3": z[:, 0] * z[:, 1] + noise(), "t4": z[:, 0] + z[:, 2] + noise(), "t5": np.abs(z[:, 1] - z[:, 2]) + noise(),
    }
    for j, k in enumerate((3, 4, 5, 6)):
        logits = z @ rng.normal(scale=2.0, size=(3, k)) + rng.gumbel(size=(n, k)) * 0.5
        columns[f"c{j}"] = pd.Categorical([f"k{i}" for i in logits.argmax(axis=1)], categories=[f"k{i}" for i in range(k)])
    for j in range(2):
        columns[f"b{j}"] = z @ rng.normal(size=3) + 0.3 * rng.normal(size=n) > 0
    return pd.DataFrame(columns)


def binned_breast_cancer(n=None):
    X = load_breast_cancer().data[:n]
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    for j in range(10):
        frame[f"x{j}"] = pd.qcut(frame[f"x{j}"], 4, labels=["q1", "q2", "q3", "q4"])
    return frame


def datasets(quick):
    out = {"generated 5,000 x 12": generated(300 if quick else 5000),
           "breast cancer, 10 columns in quartiles": binned_breast_cancer(150 if quick else None)}
    for frame in out.values():
        for name in frame.columns:
            if frame[name].dtype == float:
                frame[name] = (frame[name] - frame[name].mean()) / frame[name].std(ddof=0)
    return out


def numeric(frame):
    return np.array([frame[c].dtype == float for c in frame.columns])


def hide(frame, seed):
    missing = np.random.RandomState(seed).uniform(size=frame.shape) < RATE
    hidden = frame.copy()
    for j, name in enumerate(frame.columns):
        column = frame[name].astype(object) if frame[name].dtype == bool else frame[name]
        hidden[name] = column.where(~missing[:, j], np.nan if frame[name].dtype == float else None)
    return hidden, missing


def one_hot(hidden, reference):
    """The numbers and each category column one-hot (its categories from ``reference``), NaN where missing."""
    blocks, spans = [], []
    for name in reference.columns:
        values = hidden[name]
        if reference[name].dtype == float:
            blocks.append(values.to_numpy(dtype=float)[:, None])
            spans.append(None)
            continue
        categories = sorted(set(reference[name].astype(object)), key=str)
        block = np.array([[float(v == c) for c in categories] for v in values.astype(object)])
        block[pd.isna(values.astype(object)).to_numpy()] = np.nan
        blocks.append(block)
        spans.append(categories)
    return np.hstack(blocks), spans


def from_one_hot(filled, spans, columns):
    """Back to a DataFrame of object columns: each block's argmax category."""
    out, start = {}, 0
    for name, categories in zip(columns, spans):
        if categories is None:
            out[name] = filled[:, start]
            start += 1
        else:
            out[name] = np.asarray(categories, dtype=object)[filled[:, start:start + len(categories)].argmax(axis=1)]
            start += len(categories)
    return pd.DataFrame(out)


def mean_and_most_frequent(hidden):
    out = {}
    for name in hidden.columns:
        column = hidden[name]
        out[name] = column.fillna(column.mean()) if column.dtype == float else \
            column.astype(object).fillna(column.astype(object).mode().iloc[0])
    return pd.DataFrame(out)


def imputers(seed, quick):
    short = {"max_iter": 2} if quick else {}
    trees = 2 if quick else 10
    return {
        "mean / most frequent": mean_and_most_frequent,
        "KNNImputer (one-hot)": KNNImputer(),
        "IterativeImputer(BayesianRidge) (one-hot)": IterativeImputer(random_state=seed),
        "IterativeImputer(ExtraTrees, 10 trees) (one-hot), hand-set": IterativeImputer(
            ExtraTreesRegressor(n_estimators=trees, random_state=seed), random_state=seed),
        OURS: DenoisingImputer(random_state=seed, device="cpu", **short),
    }


def impute(imputer, hidden, frame):
    if callable(imputer) and not hasattr(imputer, "fit_transform"):
        return imputer(hidden)
    if isinstance(imputer, DenoisingImputer):
        return pd.DataFrame(imputer.fit_transform(hidden), columns=hidden.columns)
    encoded, spans = one_hot(hidden, frame)
    return from_one_hot(imputer.fit_transform(encoded), spans, frame.columns)


def scores(filled, frame, missing):
    """(share of hidden categories filled right, RMSE of hidden numbers)."""
    is_numeric = numeric(frame)
    right, count, squared = 0, 0, []
    for j, name in enumerate(frame.columns):
        rows = missing[:, j]
        if is_numeric[j]:
            squared.extend((filled[name].to_numpy(dtype=float)[rows] - frame[name].to_numpy()[rows]) ** 2)
        else:
            truth = frame[name].astype(object).to_numpy()[rows]
            right += int(np.sum(filled[name].astype(object).to_numpy()[rows] == truth))
            count += int(rows.sum())
    return right / count, float(np.sqrt(np.mean(squared)))


def tables(result):
    """One table per data set: accuracy on hidden categories, RMSE on hidden numbers, each against ours."""
    blocks = {}
    for name, rows in result["tables"].items():
        ours = rows[OURS]
        lines = ["| imputer | categories right | DenoisingImputer minus this (points) | RMSE, numbers | "
                 "DenoisingImputer minus this (RMSE) | fit s |", "|---|---|---|---|---|---|"]
        for imputer, r in rows.items():
            if imputer == OURS:
                accuracy_cell = rmse_cell = ""
            else:
                accuracy_cell = paired_interval(ours["accuracy"], r["accuracy"]).format(100)
                rmse_cell = paired_interval(ours["rmse"], r["rmse"], higher_is_better=False).format(digits=3)
            lines.append(f"| {imputer} | {100 * np.mean(r['accuracy']):.1f} ± {100 * np.std(r['accuracy']):.1f} | "
                         f"{accuracy_cell} | {np.mean(r['rmse']):.3f} ± {np.std(r['rmse']):.3f} | {rmse_cell} | "
                         f"{np.mean(r['seconds']):.2f} |")
        blocks["generated" if name.startswith("generated") else "breast-cancer"] = "\n".join(lines)
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tables, 1 seed, 2 epochs: a smoke run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "bench_impute_mixed.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # IterativeImputer's convergence notes
    seeds = 1 if args.quick else args.seeds
    result = {"meta": machine(threads=1, quick=args.quick, seeds=seeds, rate=RATE), "tables": {}}
    for name, frame in datasets(args.quick).items():
        rows = {}
        for seed in range(seeds):
            hidden, missing = hide(frame, seed)
            for imputer_name, imputer in imputers(seed, args.quick).items():
                start = time.perf_counter()
                filled = impute(imputer, hidden, frame)
                seconds = time.perf_counter() - start
                accuracy, rmse = scores(filled, frame, missing)
                row = rows.setdefault(imputer_name, {"accuracy": [], "rmse": [], "seconds": []})
                row["accuracy"].append(accuracy)
                row["rmse"].append(rmse)
                row["seconds"].append(seconds)
                print(f"{name} seed {seed} {imputer_name}: {100 * accuracy:.1f}% right, RMSE {rmse:.3f}, "
                      f"{seconds:.1f} s", flush=True)
        result["tables"][name] = rows
    for block in tables(result).values():
        print("\n" + block)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
