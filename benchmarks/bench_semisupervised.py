"""Few labels, many unlabelled rows: skae's semi-supervised routes against scikit-learn's.

Data (training rows, all of them available unlabelled; test rows):
- digits (scaled to [0, 1]): 1,347 / 450, a stratified split;
- MNIST-1D (the ``mnist1d`` generator's split, standardised on the training rows): 4,000 / 1,000;
- rectangles and convex (Larochelle et al.'s tasks, generated, 28 x 28 binary images): 1,500 / 1,000.

Label shares: 1%, 5%, 10% and 100% of the training rows, at least one per class, drawn stratified
(``--draws`` draws, 5 by default; each draw also seeds the models). The other training rows are
labelled -1, scikit-learn's convention.

Methods. Every tuned setting is chosen by cross-validation within the labelled rows only (3 folds, or
as many as the rarest class allows; none with a single row in some class: the defaults then):
- "SVC (labelled rows)" and "LogisticRegression (labelled rows)": ``C`` in {0.1, 1, 10, 100} by CV;
- "LabelSpreading (knn)" and "LabelSpreading (rbf)": scikit-learn's defaults, on every training row;
- "SelfTraining (SVC)": ``SelfTrainingClassifier(SVC(probability=True))`` at its defaults;
- skae, "StackedDAE codes → SVC": ``StackedDAE(random_state=draw)`` fitted on every training row
  (labels unused), frozen, then SVC with ``C`` by CV on the labelled rows' codes (the transformer route);
- skae, "StackedDAE codes → LabelSpreading (knn)": the same codes given to LabelSpreading;
- skae, "StackedDAEClassifier (y = -1)": ``StackedDAEClassifier(random_state=draw).fit(X, y)`` with the
  unlabelled rows marked -1: pretraining on every row, fine-tuning on the labelled ones;
- skae, "StackedDAEClassifier, joint (λ = 1)": the same with ``reconstruction_weight=1.0``: fine-tuning
  on every row, the labelled rows' cross-entropy plus the denoising reconstruction of all. λ = 1 is
  hand-set (equal weights), not tuned.

Each cell is the mean test accuracy over the draws; each skae route is compared with the best
baseline of its cell (the one with the highest mean), paired over the draws (``_stats.paired_interval``),
and the joint objective with pretrain-then-fine-tune (``reconstruction_weight``'s own table).
Fit times (all of a method's fits for one draw, the stack's included) are recorded.

Usage:  python benchmarks/bench_semisupervised.py [--draws 5] [--sets digits MNIST-1D rectangles convex]
        [--quick]
Writes benchmarks/results/bench_semisupervised.json.
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from _stats import paired_interval
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier
from sklearn.svm import SVC

from skae import StackedDAE, StackedDAEClassifier
from skae.datasets import load_digits_unit, make_convex, make_mnist1d, make_rectangles

SHARES = (0.01, 0.05, 0.1, 1.0)
BASELINES = ("SVC (labelled rows)", "LogisticRegression (labelled rows)", "LabelSpreading (knn)",
             "LabelSpreading (rbf)", "SelfTraining (SVC)")
JOINT = "StackedDAEClassifier, joint (λ = 1)"
SKAE = ("StackedDAE codes → SVC", "StackedDAE codes → LabelSpreading (knn)", "StackedDAEClassifier (y = -1)", JOINT)
C_GRID = {"C": [0.1, 1.0, 10.0, 100.0]}


def load(name, quick):
    """(X_train, y_train, X_test, y_test) as documented."""
    if name == "digits":
        X, y = load_digits_unit()
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=450, stratify=y, random_state=0)
    elif name == "MNIST-1D":
        X_train, X_test, y_train, y_test = make_mnist1d(num_samples=5000)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    else:
        X, y = (make_rectangles if name == "rectangles" else make_convex)(2500, random_state=0)
        X_train, X_test, y_train, y_test = X[:1500], X[1500:], y[:1500], y[1500:]
    if quick:
        X_train, y_train, X_test, y_test = X_train[:300], y_train[:300], X_test[:100], y_test[:100]
    return X_train, y_train, X_test, y_test


def labelled_rows(y, share, seed):
    """A stratified draw of ``share`` of the rows, at least one per class (all rows for share 1)."""
    if share >= 1:
        return np.arange(len(y))
    rng = np.random.RandomState(seed)
    chosen = [rng.choice(np.flatnonzero(y == c)) for c in np.unique(y)]  # one per class first
    rest = np.setdiff1d(np.arange(len(y)), chosen)
    extra = max(int(round(share * len(y))) - len(chosen), 0)
    if extra >= len(np.unique(y)):  # stratified; fewer rows than classes: drawn uniformly
        _, more = train_test_split(rest, test_size=extra, stratify=y[rest], random_state=seed)
        chosen = np.concatenate([chosen, more])
    elif extra:
        chosen = np.concatenate([chosen, rng.choice(rest, extra, replace=False)])
    return np.sort(np.asarray(chosen))


def tuned(estimator, y):
    """``estimator`` with ``C`` chosen by CV within the labelled rows ``y``, or as it is when CV cannot stratify."""
    folds = min(3, np.bincount(np.unique(y, return_inverse=True)[1]).min())
    if folds < 2:
        return estimator
    return GridSearchCV(estimator, C_GRID, cv=StratifiedKFold(folds, shuffle=True, random_state=0))


def run_cell(X_train, y_train, X_test, y_test, share, draw, codes):
    """{method: (accuracy, seconds)} for one label share and draw; ``codes``: (train, test, stack seconds)."""
    rows = labelled_rows(y_train, share, draw)
    y_semi = np.full(len(y_train), -1)
    y_semi[rows] = y_train[rows]
    Z_train, Z_test, stack_seconds = codes
    methods = {
        "SVC (labelled rows)": lambda: tuned(SVC(), y_train[rows]).fit(X_train[rows], y_train[rows]),
        "LogisticRegression (labelled rows)": lambda: tuned(LogisticRegression(max_iter=2000), y_train[rows]).fit(
            X_train[rows], y_train[rows]),
        "LabelSpreading (knn)": lambda: LabelSpreading(kernel="knn").fit(X_train, y_semi),
        "LabelSpreading (rbf)": lambda: LabelSpreading().fit(X_train, y_semi),
        "SelfTraining (SVC)": lambda: SelfTrainingClassifier(SVC(probability=True, random_state=draw)).fit(
            X_train, y_semi),
        "StackedDAE codes → SVC": lambda: tuned(SVC(), y_train[rows]).fit(Z_train[rows], y_train[rows]),
        "StackedDAE codes → LabelSpreading (knn)": lambda: LabelSpreading(kernel="knn").fit(Z_train, y_semi),
        "StackedDAEClassifier (y = -1)": lambda: StackedDAEClassifier(random_state=draw, device="cpu").fit(
            X_train, y_semi),
        JOINT: lambda: StackedDAEClassifier(reconstruction_weight=1.0, random_state=draw, device="cpu").fit(
            X_train, y_semi),
    }
    out = {}
    for name, fit in methods.items():
        start = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - start
        on_codes = name.startswith("StackedDAE codes")
        accuracy = model.score(Z_test if on_codes else X_test, y_test)
        out[name] = (float(accuracy), seconds + (stack_seconds if on_codes else 0.0))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--sets", nargs="+", default=["digits", "MNIST-1D", "rectangles", "convex"])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (not a result)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "bench_semisupervised.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    draws = 2 if args.quick else args.draws
    result = {"meta": machine(threads=1, quick=args.quick, draws=draws), "sets": {}}
    for name in args.sets:
        X_train, y_train, X_test, y_test = load(name, args.quick)
        cells = {}
        for draw in range(draws):
            start = time.perf_counter()
            stack = StackedDAE(random_state=draw, device="cpu", **({"max_iter": 2, "fine_tune_iter": 2}
                                                                   if args.quick else {})).fit(X_train)
            codes = (stack.transform(X_train), stack.transform(X_test), time.perf_counter() - start)
            for share in SHARES:
                cell = run_cell(X_train, y_train, X_test, y_test, share, draw, codes)
                for method, (accuracy, seconds) in cell.items():
                    entry = cells.setdefault(str(share), {}).setdefault(method, {"accuracy": [], "seconds": []})
                    entry["accuracy"].append(accuracy)
                    entry["seconds"].append(seconds)
                print(name, share, draw, {m: round(a, 3) for m, (a, _) in cell.items()}, flush=True)
        result["sets"][name] = {"n_train": len(X_train), "n_test": len(X_test), "cells": cells}
    for block in tables(result).values():
        print(block)
    write_json(args.out, result)


def tables(result):
    """Per set: mean accuracy of every method at every share; skae's routes against the best baseline."""
    blocks = {}
    verdicts = []
    for name, section in result["sets"].items():
        cells = section["cells"]
        shares = list(cells)
        head = "| method | " + " | ".join(f"{100 * float(s):g}% labels" for s in shares) + " |"
        lines = [head, "|---|" + "---|" * len(shares)]
        for method in (*BASELINES, *SKAE):
            values = [100 * statistics.mean(cells[s][method]["accuracy"]) for s in shares]
            best = [max(100 * statistics.mean(cells[s][m]["accuracy"]) for m in (*BASELINES, *SKAE)) for s in shares]
            lines.append(f"| {method} | " + " | ".join(
                (f"**{v:.1f}**" if v == b else f"{v:.1f}") for v, b in zip(values, best)) + " |")
        lines += ["", "| skae route | " + " | ".join(f"{100 * float(s):g}%: vs best baseline" for s in shares)
                  + " |", "|---|" + "---|" * len(shares)]
        for method in SKAE:
            row = []
            for s in shares:
                best = max(BASELINES, key=lambda m: statistics.mean(cells[s][m]["accuracy"]))
                diff = paired_interval(cells[s][method]["accuracy"], cells[s][best]["accuracy"])
                row.append(f"{diff.format(100)} ({best})")
                verdicts.append((name, s, method, diff))
            lines.append(f"| {method} | " + " | ".join(row) + " |")
        seconds = {m: statistics.mean(cells[shares[0]][m]["seconds"]) for m in (*BASELINES, *SKAE)}
        lines += ["", f"Fit seconds at {100 * float(shares[0]):g}% labels (mean over draws): " + "; ".join(
            f"{m} {t:.1f}" for m, t in seconds.items()) + "."]
        slug = name.lower().replace(" ", "-")
        blocks[slug] = f"{section['n_train']:,} training rows, {section['n_test']:,} test rows, " \
                       f"{len(cells[shares[0]][BASELINES[0]]['accuracy'])} label draws.\n\n" + "\n".join(lines)
    goal = []
    for share in ("0.01", "0.05", "0.1"):
        wins = {name for name, s, method, d in verdicts if s == share and d.verdict == "better" and d.mean >= 0.02}
        goal.append(f"{100 * float(share):g}% labels: a skae route beats the best baseline by ≥ 2 points, its "
                    f"interval excluding 0, on {len(wins)} of {len(result['sets'])} sets"
                    + (f" ({', '.join(sorted(wins))})" if wins else ""))
    full = []
    for name, section in result["sets"].items():
        cell = section["cells"].get("1.0")
        if cell:
            d = paired_interval(cell["StackedDAEClassifier (y = -1)"]["accuracy"], cell["SVC (labelled rows)"]["accuracy"])
            within = d.mean >= -0.005
            full.append(f"{name} {d.format(100)}{'' if within else ' (not within 0.5 points)'}")
    if full:
        goal.append("100% labels: `StackedDAEClassifier()` against the tuned SVC, within 0.5 points or better: "
                    + "; ".join(full))
    blocks["goals"] = "\n".join(f"- {line}." for line in goal)
    blocks["joint"] = joint_table(result)
    return blocks


def joint_table(result):
    """The joint objective minus pretrain-then-fine-tune, paired over the draws, per set and label share."""
    sets = [name for name, section in result["sets"].items() if JOINT in next(iter(section["cells"].values()))]
    if not sets:
        return "(not run)"
    shares = list(result["sets"][sets[0]]["cells"])
    lines = ["| set | " + " | ".join(f"{100 * float(s):g}% labels" for s in shares) + " | fit time, joint ÷ plain |",
             "|---|" + "---|" * (len(shares) + 1)]
    for name in sets:
        cells = result["sets"][name]["cells"]
        diffs = [paired_interval(cells[s][JOINT]["accuracy"], cells[s]["StackedDAEClassifier (y = -1)"]["accuracy"])
                 for s in shares]
        ratio = statistics.mean(
            statistics.mean(cells[s][JOINT]["seconds"]) / statistics.mean(cells[s]["StackedDAEClassifier (y = -1)"][
                "seconds"]) for s in shares)
        lines.append(f"| {name} | " + " | ".join(d.format(100) for d in diffs) + f" | {ratio:.1f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
