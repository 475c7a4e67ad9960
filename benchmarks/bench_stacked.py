"""Stacked denoising autoencoders vs. plain stacks, raw features and an MLP.

Tests the claims of Vincent et al. (2008, 2010) on data we can generate or
that ships with our dependencies:

- sklearn digits (1797 x 64, scaled to [0, 1]): 5-fold stratified CV;
- MNIST-1D (the ``mnist1d`` generator, 4000 train / 1000 test, standardised):
  the generator's split, over several seeds.

Rows: raw features; a stack with no noise (SAA); the denoising stack (SdA) at a
few masking levels; each as features for LogisticRegression and for SVC; the
fine-tuned StackedDAEClassifier; sklearn's MLPClassifier with the same layer
sizes (no pretraining). Columns: clean test accuracy, accuracy on test inputs
with 25% of entries masked to 0, fit seconds (the stack's or the model's).

Usage:  python benchmarks/bench_stacked.py [--quick] [--seeds 3]
Writes benchmarks/results/bench_stacked.json.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
import sklearn.exceptions
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import skae
from skae import MaskingNoise, StackedDAE, StackedDAEClassifier
from skae.datasets import load_digits_unit, make_mnist1d

LAYERS = (256,)  # hidden_layer_sizes; the top code is N_COMPONENTS wide
N_COMPONENTS = 128
NOISE_LEVELS = (0.1, 0.25, 0.5)


def masked(X, rate=0.25, seed=0):
    return X * (np.random.RandomState(seed).uniform(size=X.shape) >= rate)


def feature_methods(quick):
    kw = dict(hidden_layer_sizes=LAYERS, n_components=N_COMPONENTS)
    if quick:
        kw.update(max_iter=2, fine_tune_iter=2)
    methods = {"raw features": None, "SAA (stack, no noise)": lambda s: StackedDAE(corruption=None, random_state=s, **kw)}
    for rate in NOISE_LEVELS:
        methods[f"SdA ({rate:.0%} masking)"] = lambda s, r=rate: StackedDAE(corruption=MaskingNoise(r), random_state=s, **kw)
    return methods


def model_methods(quick):
    sda = dict(hidden_layer_sizes=LAYERS, n_components=N_COMPONENTS)
    mlp = dict(hidden_layer_sizes=(*LAYERS, N_COMPONENTS), max_iter=300)
    if quick:
        sda.update(max_iter=2, fine_tune_iter=2)
        mlp.update(max_iter=5)
    return {
        "StackedDAEClassifier (SdA, 25% masking, fine-tuned)": lambda s: StackedDAEClassifier(random_state=s, **sda),
        "MLPClassifier, same layers, no pretraining": lambda s: MLPClassifier(random_state=s, **mlp),
    }


CLASSIFIERS = {"LogisticRegression": lambda: LogisticRegression(max_iter=3000), "SVC": lambda: SVC()}


def evaluate(splits, quick):
    """splits: list of (seed, X_train, y_train, X_test, y_test), already scaled."""
    results = {}

    def record(row, clf, clean, noisy, seconds):
        results.setdefault((row, clf), []).append((clean, noisy, seconds))

    for seed, X_tr, y_tr, X_te, y_te in splits:
        X_te_masked = masked(X_te, seed=seed)
        for name, make in feature_methods(quick).items():
            if make is None:
                F_tr, F_te, F_m, seconds = X_tr, X_te, X_te_masked, 0.0
            else:
                start = time.perf_counter()
                features = make(seed).fit(X_tr)
                seconds = time.perf_counter() - start
                F_tr, F_te, F_m = (features.transform(A) for A in (X_tr, X_te, X_te_masked))
            for clf_name, make_clf in CLASSIFIERS.items():
                clf = make_clf().fit(F_tr, y_tr)
                record(name, clf_name, clf.score(F_te, y_te), clf.score(F_m, y_te), seconds)
        for name, make in model_methods(quick).items():
            start = time.perf_counter()
            model = make(seed).fit(X_tr, y_tr)
            seconds = time.perf_counter() - start
            record(name, "(itself)", model.score(X_te, y_te), model.score(X_te_masked, y_te), seconds)
    return results


def digits_splits(quick):
    X, y = load_digits_unit()
    folds = StratifiedKFold(n_splits=2 if quick else 5, shuffle=True, random_state=0).split(X, y)
    return [(0, X[tr], y[tr], X[te], y[te]) for tr, te in folds]


def mnist1d_splits(seeds, quick):
    X_tr, X_te, y_tr, y_te = make_mnist1d(num_samples=1000 if quick else 5000)
    scaler = StandardScaler().fit(X_tr)
    # masking sets an entry to 0, the training mean of every standardised feature
    return [(s, scaler.transform(X_tr), y_tr, scaler.transform(X_te), y_te) for s in range(seeds)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny epochs and data: a smoke run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds on MNIST-1D's fixed split")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_stacked.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:  # a smoke run stops MLPClassifier after a few epochs on purpose
        warnings.filterwarnings("ignore", category=sklearn.exceptions.ConvergenceWarning)

    datasets = {
        "digits (5-fold CV)": digits_splits(args.quick),
        f"MNIST-1D (generator split, {args.seeds} seeds)": mnist1d_splits(1 if args.quick else args.seeds, args.quick),
    }
    rows = []
    for data_name, splits in datasets.items():
        start = time.perf_counter()
        results = evaluate(splits, args.quick)
        print(f"\n### {data_name}  ({time.perf_counter() - start:.0f} s)\n")
        print("| features / model | classifier | clean acc. | 25% masked acc. | fit s |")
        print("|---|---|---|---|---|")
        for (name, clf), values in results.items():
            v = np.array(values)
            mean, std = v.mean(axis=0), v.std(axis=0)
            print(f"| {name} | {clf} | {100 * mean[0]:.1f} ± {100 * std[0]:.1f} | "
                  f"{100 * mean[1]:.1f} ± {100 * std[1]:.1f} | {mean[2]:.1f} |")
            rows.append({"dataset": data_name, "features": name, "classifier": clf,
                         "clean_accuracy": mean[0], "clean_std": std[0], "masked_accuracy": mean[1],
                         "masked_std": std[1], "fit_seconds": mean[2], "values": v.tolist()})

    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "torch": torch.__version__, "sklearn": sklearn.__version__, "skae": skae.__version__,
            "threads": args.threads, "quick": args.quick, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
