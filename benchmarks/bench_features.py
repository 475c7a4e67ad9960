"""Unsupervised features at their defaults: raw, PCA, BernoulliRBM and every skae transformer.

One protocol for every row. On each training split, the feature map is fitted
without labels (its fit is timed), then LogisticRegression and SVC (sklearn
defaults; LogisticRegression with max_iter=2000) are fitted on its output and
scored on the test split's output. No setting is tuned on any split: every
transformer runs at its defaults, only ``random_state`` set.

Data:
- digits (1797 x 64, scaled to [0, 1]), 5-fold stratified CV;
- MNIST-1D (the ``mnist1d`` generator, 4000 train / 1000 test, standardised on
  the training split), the generator's split over 3 seeds;
- breast cancer (569 x 30) and wine (178 x 13), standardised inside each of
  5 stratified folds.

Rows: raw features; PCA keeping 95% of the variance; BernoulliRBM(n_components=
100) (sklearn's defaults otherwise; on the standardised sets it sees the data
min-max scaled to [0, 1] on the training split, clipped, since it models
probabilities); DenoisingAutoencoder, StackedDAE, ContractiveAE, SparseAE, VAE
(codes = posterior means) and DVAE at their defaults; and one DenoisingAutoencoder sized to a time budget
(batch 200 as sklearn's MLPs use on these sizes, 30 epochs: about 2x the RBM's
fit on digits), not tuned on any accuracy. The spread is the
standard deviation over folds or seeds; "vs RBM" is the mean paired difference
in LogisticRegression accuracy with the sd of the paired differences.

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
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skae import DVAE, VAE, ContractiveAE, DenoisingAutoencoder, SparseAE, StackedDAE
from skae.datasets import load_digits_unit, make_mnist1d

CLASSIFIERS = {"LR": lambda: LogisticRegression(max_iter=2000), "SVC": SVC}
SKAE = {"DenoisingAutoencoder": DenoisingAutoencoder, "StackedDAE": StackedDAE, "ContractiveAE": ContractiveAE,
        "SparseAE": SparseAE, "VAE": VAE, "DVAE": DVAE}


def methods(unit_interval, quick):
    """name -> (seed -> unfitted transformer, or None for raw features)."""
    def rbm(seed):
        model = BernoulliRBM(n_components=100, random_state=seed)
        if unit_interval:
            return model
        return make_pipeline(MinMaxScaler(clip=True), model)

    rows = {"raw": None, "PCA (95% variance)": lambda seed: PCA(n_components=0.95, random_state=seed),
            "BernoulliRBM(100)": rbm}
    for name, cls in SKAE.items():
        def make(seed, cls=cls):
            model = cls(random_state=seed)
            if quick:
                model.set_params(max_iter=2, **({"fine_tune_iter": 2} if cls is StackedDAE else {}))
            return model
        rows[name] = make

    def budget(seed):  # not a default: sklearn's batch rule and the epochs that fit 2x the RBM's time
        return DenoisingAutoencoder(batch_size=200, max_iter=2 if quick else 30, random_state=seed)

    rows["DenoisingAutoencoder(batch_size=200, max_iter=30)"] = budget
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
    results = {}  # method -> list of (LR acc, SVC acc, fit s)
    for seed, X_tr, y_tr, X_te, y_te in data:
        for method, make in methods(name == "digits", quick).items():
            if make is None:
                F_tr, F_te, seconds = X_tr, X_te, 0.0
            else:
                start = time.perf_counter()
                features = make(seed).fit(X_tr)
                seconds = time.perf_counter() - start
                F_tr, F_te = features.transform(X_tr), features.transform(X_te)
            scores = [make_clf().fit(F_tr, y_tr).score(F_te, y_te) for make_clf in CLASSIFIERS.values()]
            results.setdefault(method, []).append((*scores, seconds))
    return results


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
            rbm = np.array(results["BernoulliRBM(100)"])
            print(f"\n### {name}  ({time.perf_counter() - start:.0f} s)\n")
            print("| features | LR acc. | SVC acc. | fit s | LR vs RBM (paired) | fit time / RBM |")
            print("|---|---|---|---|---|---|")
            for method, values in results.items():
                v = np.array(values)
                mean, std = v.mean(axis=0), v.std(axis=0)
                diff = v[:, 0] - rbm[:, 0]
                print(f"| {method} | {100 * mean[0]:.1f} ± {100 * std[0]:.1f} | {100 * mean[1]:.1f} ± "
                      f"{100 * std[1]:.1f} | {mean[2]:.2f} | {100 * diff.mean():+.1f} ± {100 * diff.std():.1f} | "
                      f"{mean[2] / rbm[:, 2].mean():.1f} |")
                rows.append({"dataset": name, "features": method, "lr_accuracy": mean[0], "lr_std": std[0],
                             "svc_accuracy": mean[1], "svc_std": std[1], "fit_seconds": mean[2],
                             "lr_minus_rbm": diff.mean(), "lr_minus_rbm_std": diff.std(), "values": v.tolist()})

    write_json(args.out, {"meta": machine(threads=args.threads, quick=args.quick), "rows": rows})

if __name__ == "__main__":
    main()
