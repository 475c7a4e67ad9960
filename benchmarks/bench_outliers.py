"""AutoencoderOutlierDetector against scikit-learn's detectors and PyOD's autoencoders, ADBench-style.

Sets rebuilt from data bundled with scikit-learn (standardised on all rows):
- breast cancer: benign rows are inliers, a 10% subsample (of the inlier count)
  of malignant rows the outliers;
- wine: classes 0 and 1 inliers, a 10% subsample of class 2 outliers;
- digits: digits 1-9 inliers, a 10% subsample of the zeros outliers;
- blobs: two Gaussian blobs in 2-D plus 10% uniform noise (scikit-learn's
  outlier-detection comparison);
- moons: two moons in 2-D plus 10% uniform noise.

Protocol (per set and seed, 5 seeds): a stratified 60/40 split; every detector
is fitted on the (contaminated, unlabelled) training rows at its defaults
(``random_state`` set where it takes one) and scores the test rows; ROC-AUC and
average precision of the outlier label from ``-score_samples`` (PyOD:
``decision_function``), and fit seconds. PyOD's AutoEncoder and VAE run with
``verbose=0`` if ``pyod`` is installed (``pip install pyod``; it does not
replace torch).

Usage:  python benchmarks/bench_outliers.py [--quick] [--seeds 5]
Writes benchmarks/results/bench_outliers.json.
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_blobs, make_moons
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from skae import VAE, AutoencoderOutlierDetector


def outlier_set(name, seed):
    """(X standardised, y: 1 outlier / 0 inlier)."""
    rng = np.random.RandomState(seed)
    if name in ("breast cancer", "wine", "digits"):
        X, y = {"breast cancer": load_breast_cancer, "wine": load_wine, "digits": load_digits}[name](return_X_y=True)
        rare = {"breast cancer": 0, "wine": 2, "digits": 0}[name]
        inliers, outliers = X[y != rare], X[y == rare]
        outliers = outliers[rng.choice(len(outliers), max(2, int(0.1 * len(inliers))), replace=False)]
    else:
        n = 500
        if name == "blobs":
            inliers = make_blobs(n, centers=[[2, 2], [-2, -2]], cluster_std=0.5, random_state=seed)[0]
        else:
            inliers = 4 * (make_moons(n, noise=0.05, random_state=seed)[0] - [0.5, 0.25])
        outliers = rng.uniform(-6, 6, size=(n // 10, 2))
    X = np.vstack([inliers, outliers])
    X = X[:, X.std(axis=0) > 0]
    return StandardScaler().fit_transform(X), np.r_[np.zeros(len(inliers)), np.ones(len(outliers))]


def detectors(seed, quick):
    out = {
        "skae AOD (DAE, defaults)": lambda: AutoencoderOutlierDetector(random_state=seed),
        "skae AOD (VAE)": lambda: AutoencoderOutlierDetector(
            VAE(n_components=4, hidden_layer_sizes=(64,), max_iter=2 if quick else 100), random_state=seed),
        "IsolationForest": lambda: IsolationForest(random_state=seed),
        "LocalOutlierFactor(novelty=True)": lambda: LocalOutlierFactor(novelty=True),
        "OneClassSVM": lambda: OneClassSVM(),
    }
    if quick:
        out["skae AOD (DAE, defaults)"] = lambda: AutoencoderOutlierDetector(
            __import__("skae").DenoisingAutoencoder(max_iter=2, loss="squared_error"), random_state=seed)
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE as PyodVAE
    except ImportError:
        return out
    epochs = {"epoch_num": 1} if quick else {}
    out["PyOD AutoEncoder"] = lambda: AutoEncoder(random_state=seed, verbose=0, **epochs)
    out["PyOD VAE"] = lambda: PyodVAE(random_state=seed, verbose=0, **epochs)
    return out


def outlyingness(model, X):
    if hasattr(model, "score_samples") and not type(model).__module__.startswith("pyod"):
        return -model.score_samples(X)
    return model.decision_function(X)  # PyOD: higher is more abnormal


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 epochs: a smoke run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_outliers.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    seeds = 1 if args.quick else args.seeds
    rows = []
    for name in ("breast cancer", "wine", "digits", "blobs", "moons"):
        results = {}
        for seed in range(seeds):
            X, y = outlier_set(name, seed)
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
            for det_name, make in detectors(seed, args.quick).items():
                start = time.perf_counter()
                model = make().fit(X_tr)
                seconds = time.perf_counter() - start
                s = outlyingness(model, X_te)
                results.setdefault(det_name, []).append((roc_auc_score(y_te, s), average_precision_score(y_te, s),
                                                         seconds))
        first = max(results, key=lambda k: np.mean([v[0] for v in results[k]]))
        print(f"\n### {name} ({X.shape[0]} rows x {X.shape[1]}, {int(y.sum())} outliers)\n")
        print("| detector | ROC-AUC | average precision | fit s |")
        print("|---|---|---|---|")
        for det_name, values in results.items():
            v = np.array(values)
            mean, std = v.mean(0), v.std(0)
            mark = " **(first)**" if det_name == first else ""
            print(f"| {det_name} | {mean[0]:.3f} ± {std[0]:.3f}{mark} | {mean[1]:.3f} ± {std[1]:.3f} | "
                  f"{mean[2]:.2f} |", flush=True)
            rows.append({"set": name, "detector": det_name, "roc_auc": mean[0], "roc_auc_std": std[0],
                         "average_precision": mean[1], "ap_std": std[1], "fit_seconds": mean[2],
                         "values": v.tolist(), "first": det_name == first})
    write_json(args.out, {"meta": machine(threads=1, quick=args.quick, seeds=seeds), "rows": rows})


if __name__ == "__main__":
    main()
