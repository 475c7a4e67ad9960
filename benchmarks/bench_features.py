"""Unsupervised features at their defaults: raw, PCA, BernoulliRBM and every skae transformer.

One protocol for every row. On each training split, the feature map is fitted
without labels (its fit is timed), then LogisticRegression (max_iter=2000) and SVC are
fitted on its output and scored on the test split's output.

Rows:
- every skae transformer at its defaults, only ``random_state`` set (VAE and DVAE codes
  are posterior means), and one DenoisingAutoencoder hand-set to a time budget
  (batch 200, 30 epochs), labelled as such;
- every baseline twice, at its library defaults and tuned by 3-fold CV on the training
  split: raw features (LR's and SVC's C by CV), PCA (95% variance; the variance kept by
  CV) and BernoulliRBM (its defaults, 256 units; n_components and learning_rate by CV).
  The RBM sees the standardised sets min-max scaled to [0, 1] on the training split,
  clipped, since it models probabilities. A tuned row's fit time includes its search.

Data:
- digits (1797 x 64, scaled to [0, 1]), 5-fold stratified CV;
- MNIST-1D (the ``mnist1d`` generator, 4000 train / 1000 test, standardised on
  the training split), the generator's split over 3 seeds;
- breast cancer (569 x 30) and wine (178 x 13), standardised inside each of
  5 stratified folds.

Comparisons are paired over folds or seeds (``_stats.paired_interval``: 95% t interval,
Nadeau & Bengio's correction for CV folds): LR on each row against LR on the tuned RBM,
and LR and SVC on each row against the same classifier with tuned C on raw features.

Usage:  python benchmarks/bench_features.py [--quick] [--threads 1]
Writes benchmarks/results/bench_features.json.
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from _stats import paired_interval
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skae import DVAE, VAE, ContractiveAE, DenoisingAutoencoder, SparseAE, StackedDAE
from skae.datasets import load_digits_unit, make_mnist1d


def default_classifiers():
    """LogisticRegression (max_iter=2000) and SVC at scikit-learn's defaults."""
    return {"LR": LogisticRegression(max_iter=2000), "SVC": SVC()}


def tuned_classifiers():
    """The same two with C chosen by 3-fold CV on the training split."""
    return {"LR": GridSearchCV(LogisticRegression(max_iter=2000), {"C": np.logspace(-2, 2, 5)}, cv=3),
            "SVC": GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0, 100.0]}, cv=3)}


SKAE = {"DenoisingAutoencoder": DenoisingAutoencoder, "StackedDAE": StackedDAE, "ContractiveAE": ContractiveAE,
        "SparseAE": SparseAE, "VAE": VAE, "DVAE": DVAE}
RBM_GRID = {"n_components": [64, 256], "learning_rate": [0.01, 0.03, 0.1]}
PCA_GRID = {"n_components": [0.8, 0.9, 0.95, 0.99]}
RAW_TUNED, RBM_TUNED = "raw, C by CV", "BernoulliRBM, tuned by CV"


class TunedByCV(TransformerMixin, BaseEstimator):
    """A feature map whose settings ``grid`` are chosen by 3-fold CV of LogisticRegression on its output.

    ``fit(X, y)`` runs the search on the training split only and keeps the refitted feature map;
    its time counts the search.
    """

    supervised = True

    def __init__(self, steps, grid):
        self.steps = steps
        self.grid = grid

    def fit(self, X, y):
        name = self.steps[-1][0]
        pipe = Pipeline([*self.steps, ("lr", LogisticRegression(max_iter=2000))])
        search = GridSearchCV(pipe, {f"{name}__{k}": v for k, v in self.grid.items()}, cv=3).fit(X, y)
        self.chosen_ = {k.split("__", 1)[1]: v for k, v in search.best_params_.items()}
        self.features_ = Pipeline(search.best_estimator_.steps[:-1])
        return self

    def transform(self, X):
        return self.features_.transform(X)


def methods(unit_interval, quick):
    """name -> (seed -> unfitted feature map or None for raw features, classifiers factory)."""
    scale = [] if unit_interval else [("scale", MinMaxScaler(clip=True))]  # the RBM models probabilities

    def rbm(seed):
        return make_pipeline(*[s for _, s in scale], BernoulliRBM(random_state=seed))

    def rbm_tuned(seed):
        return TunedByCV([*scale, ("rbm", BernoulliRBM(random_state=seed))], RBM_GRID)

    def pca_tuned(seed):
        return TunedByCV([("pca", PCA(random_state=seed))], PCA_GRID)

    rows = {"raw": (None, default_classifiers), RAW_TUNED: (None, tuned_classifiers),
            "PCA (95% variance)": (lambda seed: PCA(n_components=0.95, random_state=seed), default_classifiers),
            "PCA, variance kept by CV": (pca_tuned, default_classifiers),
            "BernoulliRBM (defaults)": (rbm, default_classifiers), RBM_TUNED: (rbm_tuned, default_classifiers)}
    for name, cls in SKAE.items():
        def make(seed, cls=cls):
            model = cls(random_state=seed)
            if quick:
                model.set_params(max_iter=2, **({"fine_tune_iter": 2} if cls is StackedDAE else {}))
            return model
        rows[name] = (make, default_classifiers)

    def budget(seed):  # hand-set, not a default: sklearn's batch rule and the epochs that fit 2x the RBM's time
        return DenoisingAutoencoder(batch_size=200, max_iter=2 if quick else 30, random_state=seed)

    rows["DenoisingAutoencoder(batch_size=200, max_iter=30), hand-set"] = (budget, default_classifiers)
    return rows


def splits(name, quick):
    """(seed, X_train, y_train, X_test, y_test) for each fold or seed, scaled as documented."""
    n_folds = 2 if quick else 5
    if name == "MNIST-1D":
        X_tr, X_te, y_tr, y_te = make_mnist1d(num_samples=600 if quick else 5000)
        scaler = StandardScaler().fit(X_tr)
        return [(s, scaler.transform(X_tr), y_tr, scaler.transform(X_te), y_te) for s in range(1 if quick else 3)]
    if name == "digits":
        X, y = load_digits_unit()
        scale = False
    else:
        X, y = (load_breast_cancer if name == "breast cancer" else load_wine)(return_X_y=True)
        scale = True
    out = []
    for fold, (tr, te) in enumerate(StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, y)):
        scaler = StandardScaler().fit(X[tr]) if scale else FunctionTransformer().fit(X[tr])
        out.append((fold, scaler.transform(X[tr]), y[tr], scaler.transform(X[te]), y[te]))
    return out


def evaluate(name, quick):
    data = splits(name, quick)
    results = {}  # method -> list of (LR acc, SVC acc, fit s, settings chosen)
    for seed, X_tr, y_tr, X_te, y_te in data:
        for method, (make, classifiers) in methods(name == "digits", quick).items():
            chosen = {}
            if make is None:
                F_tr, F_te, seconds = X_tr, X_te, 0.0
            else:
                start = time.perf_counter()
                features = make(seed)
                features.fit(X_tr, y_tr) if getattr(features, "supervised", False) else features.fit(X_tr)
                seconds = time.perf_counter() - start
                chosen = getattr(features, "chosen_", {})
                F_tr, F_te = features.transform(X_tr), features.transform(X_te)
            scores = []
            for clf_name, clf in classifiers().items():
                scores.append(clf.fit(F_tr, y_tr).score(F_te, y_te))
                if hasattr(clf, "best_params_"):
                    chosen[clf_name] = clf.best_params_
            results.setdefault(method, []).append((*scores, seconds, chosen))
    return results


SLUGS = {"digits": "digits", "MNIST-1D": "mnist1d", "breast cancer": "breast-cancer", "wine": "wine"}


def comparisons(rows):
    """Per row, paired intervals: LR against LR on the tuned RBM, LR and SVC against raw features with tuned C."""
    by_name = {r["features"]: r for r in rows}
    fraction = rows[0]["test_fraction"]
    rbm, raw = np.array(by_name[RBM_TUNED]["values"]), np.array(by_name[RAW_TUNED]["values"])
    out = {}
    for r in rows:
        v = np.array(r["values"])
        out[r["features"]] = {
            ("LR", RBM_TUNED): paired_interval(v[:, 0], rbm[:, 0], test_fraction=fraction),
            ("LR", RAW_TUNED): paired_interval(v[:, 0], raw[:, 0], test_fraction=fraction),
            ("SVC", RAW_TUNED): paired_interval(v[:, 1], raw[:, 1], test_fraction=fraction)}
    return out


COLUMNS = {("LR", RBM_TUNED): "LR: vs tuned RBM", ("LR", RAW_TUNED): "LR: vs raw, tuned C",
           ("SVC", RAW_TUNED): "SVC: vs raw, tuned C"}


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``: one table per data set, and the verdicts."""
    blocks, by_set, verdicts = {}, {}, {}
    for r in result["rows"]:
        by_set.setdefault(r["dataset"], []).append(r)
    for dataset, rows in by_set.items():
        rbm_seconds = next(r["fit_seconds"] for r in rows if r["features"] == "BernoulliRBM (defaults)")
        lines = ["| features | LR acc. | SVC acc. | fit s | fit time / RBM | " + " | ".join(COLUMNS.values()) + " |",
                 "|---|---|---|---|---|" + "---|" * len(COLUMNS)]
        intervals = comparisons(rows)
        for r in rows:
            cells = ["" if r["features"] == baseline else intervals[r["features"]][(clf, baseline)].format(100)
                     for clf, baseline in COLUMNS]
            lines.append(f"| {r['features']} | {100 * r['lr_accuracy']:.1f} ± {100 * r['lr_std']:.1f} | "
                         f"{100 * r['svc_accuracy']:.1f} ± {100 * r['svc_std']:.1f} | {r['fit_seconds']:.2f} | "
                         f"{r['fit_seconds'] / rbm_seconds:.1f} | " + " | ".join(cells) + " |")
            if r["features"] in SKAE:
                for key in COLUMNS:
                    verdicts.setdefault(key, []).append(intervals[r["features"]][key].verdict)
        blocks[SLUGS.get(dataset, dataset)] = "\n".join(lines)
    summary = []
    for (clf, baseline), found in verdicts.items():
        counts = ", ".join(f"{found.count(v)} {v}" for v in ("better", "level", "worse", "one run") if v in found)
        summary.append(f"- {clf} on the six skae transformers' default codes against {clf} on "
                       f"{'the tuned RBM' if baseline == RBM_TUNED else 'raw features with tuned C'}, over "
                       f"{len(found)} (transformer, data set) pairs: {counts}.")
    blocks["verdicts"] = "\n".join(summary)
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, 2 folds, small data: a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    parser.add_argument("--datasets", nargs="*", default=["digits", "MNIST-1D", "breast cancer", "wine"])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_features.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", module="sklearn")  # LR/RBM convergence notes on smoke runs

    rows = []
    with threadpool_limits(args.threads):
        for name in args.datasets:
            start = time.perf_counter()
            results = evaluate(name, args.quick)
            fraction = None if name == "MNIST-1D" else 1 / (len(splits(name, args.quick)) - 1)
            for method, values in results.items():
                v = np.array([x[:3] for x in values])
                mean, std = v.mean(axis=0), v.std(axis=0)
                rows.append({"dataset": name, "features": method, "lr_accuracy": mean[0], "lr_std": std[0],
                             "svc_accuracy": mean[1], "svc_std": std[1], "fit_seconds": mean[2],
                             "values": v.tolist(), "chosen": [x[3] for x in values], "test_fraction": fraction})
            print(f"\n### {name}  ({time.perf_counter() - start:.0f} s)\n")
            print(tables({"rows": [r for r in rows if r["dataset"] == name]})[SLUGS.get(name, name)])

    result = {"meta": machine(threads=args.threads, quick=args.quick), "rows": rows}
    print("\n" + tables(result)["verdicts"])
    write_json(args.out, result)


if __name__ == "__main__":
    main()
