"""AutoencoderOutlierDetector against scikit-learn's detectors and PyOD's autoencoders, ADBench-style.

Sets rebuilt from data bundled with scikit-learn (standardised on all rows):
- breast cancer: benign rows are inliers, a 10% subsample (of the inlier count)
  of malignant rows the outliers;
- wine: classes 0 and 1 inliers, a 10% subsample of class 2 outliers;
- digits: digits 1-9 inliers, a 10% subsample of the zeros outliers;
- blobs: two Gaussian blobs in 2-D plus 10% uniform noise (scikit-learn's
  outlier-detection comparison);
- moons: two moons in 2-D plus 10% uniform noise;
- wide (2,000 x 200): rows of ``bench_impute_defaults.wide_table`` (tanh of mixtures of a hidden layer over
  5 latent factors); an outlier (10% of the inliers' count) is a fresh row with a fifth of its columns
  replaced by the same columns of other rows: every value is typical, their combination is not
  (a dependency anomaly, in ADBench's terms);
- mixed (2,000 x 12): rows of ``bench_impute_mixed.generated`` (numbers, categories and bools driven by 3
  latent factors); an outlier has its 6 category and bool columns taken from another row. skae's detector
  takes the DataFrame; the others take it one-hot encoded (numbers standardised).

Protocol (per set and seed, 5 seeds): a stratified 60/40 split; every detector
is fitted on the (contaminated, unlabelled) training rows at its defaults
(``random_state`` set where it takes one) and scores the test rows; ROC-AUC and
average precision of the outlier label from ``-score_samples`` (PyOD:
``decision_function``), and fit seconds. PyOD's AutoEncoder and VAE run with
``verbose=0``, and its ECOD, if ``pyod`` is installed (``pip install pyod``; it
does not replace torch). Each detector's rank by mean AUC on each set that is not
inverted (1 = best), averaged: over all sets, and over the wide and mixed sets.

skae's one preregistered setup is the detector at its defaults; the VAE row is a
hand-set configuration and says so. No row is tuned: the detectors are unsupervised
and the labels are only for scoring. Each baseline's AUC is compared with the
default skae detector's, paired by seed (``_stats.paired_interval``, 95%). A set on
which every detector's mean AUC is below 0.5 is "inverted" (its rare class is not
atypical) and left out of the verdicts.

For the skae rows, the share of held-out *inliers* that ``predict`` flags with
``contamination="auto"``: with the threshold from cross-fitted training scores (the
default, ``cv=3``) and from the training scores themselves (``cv=None``).

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
from _stats import paired_interval
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_blobs, make_moons
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from skae import VAE, AutoencoderOutlierDetector
from skae.models.outlier import auto_offset

DEFAULT = "skae AOD (DAE, defaults)"


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


def dependency_outliers(rows, columns, rng):
    """``rows`` (an array or DataFrame) with ``columns`` of each row taken from another random row."""
    donors = rng.permutation(len(rows))
    out = rows.copy()
    if hasattr(rows, "iloc"):
        for name in columns:  # in the column's own dtype (a category keeps its categories)
            out[name] = rows[name].iloc[donors].to_numpy()
            out[name] = out[name].astype(rows[name].dtype)
    else:
        out[:, columns] = rows[donors][:, columns]
    return out


def generated_set(name, seed, quick):
    """The wide and mixed sets (see the module docstring): (X, y: 1 outlier / 0 inlier)."""
    import pandas as pd
    from bench_impute_defaults import wide_table
    from bench_impute_mixed import generated

    rng = np.random.RandomState(seed)
    n = 200 if quick else 2000
    n_out = n // 10
    if name == "wide":
        X = wide_table(n + n_out, 40 if quick else 200, seed=seed)[0]
        X = np.vstack([X[:n], dependency_outliers(X[n:], rng.choice(X.shape[1], X.shape[1] // 5, replace=False),
                                                  rng)])
        return StandardScaler().fit_transform(X), np.r_[np.zeros(n), np.ones(n_out)]
    frame = generated(n + n_out, seed=seed)
    categories = [c for c in frame.columns if frame[c].dtype != float]
    frame = pd.concat([frame[:n], dependency_outliers(frame[n:].reset_index(drop=True), categories, rng)],
                      ignore_index=True)
    numbers = [c for c in frame.columns if frame[c].dtype == float]
    frame[numbers] = (frame[numbers] - frame[numbers].mean()) / frame[numbers].std(ddof=0)
    return frame, np.r_[np.zeros(n), np.ones(n_out)]


def one_hot(model):
    """``model`` behind a one-hot encoding of a mixed table's category and bool columns (numbers pass through)."""
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    encoder = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), make_column_selector(dtype_exclude="number")),
        remainder="passthrough")
    return make_pipeline(encoder, model)


def detectors(seed, quick):
    out = {
        DEFAULT: lambda: AutoencoderOutlierDetector(random_state=seed),
        "skae AOD (VAE, hand-set: 4-d code, 64 units)": lambda: AutoencoderOutlierDetector(
            VAE(n_components=4, hidden_layer_sizes=(64,), max_iter=2 if quick else 100), random_state=seed),
        "IsolationForest": lambda: IsolationForest(random_state=seed),
        "LocalOutlierFactor(novelty=True)": lambda: LocalOutlierFactor(novelty=True),
        "OneClassSVM": lambda: OneClassSVM(),
    }
    if quick:
        out[DEFAULT] = lambda: AutoencoderOutlierDetector(
            __import__("skae").DenoisingAutoencoder(max_iter=2, loss="squared_error"), random_state=seed)
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
        from pyod.models.vae import VAE as PyodVAE
    except ImportError:
        return out
    epochs = {"epoch_num": 1} if quick else {}
    out["PyOD AutoEncoder"] = lambda: AutoEncoder(random_state=seed, verbose=0, **epochs)
    out["PyOD VAE"] = lambda: PyodVAE(random_state=seed, verbose=0, **epochs)
    out["PyOD ECOD"] = lambda: ECOD()
    return out


def outlyingness(model, X):
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    if not type(final).__module__.startswith("pyod"):
        return -model.score_samples(X)
    return model.decision_function(X)  # PyOD: higher is more abnormal


def false_positives(model, X_tr, X_te, y_te):
    """Shares of held-out inliers flagged: by the fitted (cross-fitted) threshold, and by one set on training scores."""
    if not isinstance(model, AutoencoderOutlierDetector):
        return None, None
    inliers = X_te[y_te == 0]
    on_training = auto_offset(model.estimator_.score_samples(X_tr))
    return float(np.mean(model.predict(inliers) == -1)), float(np.mean(model.score_samples(inliers) < on_training))


SLUGS = {"breast cancer": "breast-cancer"}


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``: one table per set, the verdicts and the false positives."""
    blocks, by_set = {}, {}
    for r in result["rows"]:
        by_set.setdefault(r["set"], []).append(r)
    verdicts, flagged = {}, []
    for name, rows in by_set.items():
        default = next(r for r in rows if r["detector"] == DEFAULT)
        inverted = all(r["roc_auc"] < 0.5 for r in rows)
        lines = [f"{rows[0]['shape']}" + (" Every detector's mean AUC is below 0.5 here: the set is inverted and "
                                          "left out of the verdicts." if inverted else ""), "",
                 "| detector | ROC-AUC | average precision | fit s | AUC: skae defaults minus this |",
                 "|---|---|---|---|---|"]
        for r in rows:
            if r is default:
                cell = ""
            else:
                change = paired_interval([v[0] for v in default["values"]], [v[0] for v in r["values"]])
                cell = change.format(digits=3)
                if not inverted:
                    verdicts.setdefault(r["detector"], {}).setdefault(change.verdict, []).append(name)
            lines.append(f"| {r['detector']} | {r['roc_auc']:.3f} ± {r['roc_auc_std']:.3f} | "
                         f"{r['average_precision']:.3f} ± {r['ap_std']:.3f} | {r['fit_seconds']:.2f} | {cell} |")
            if r.get("flagged_cross_fitted") is not None:
                flagged.append(f"| {name} | {r['detector']} | {100 * r['flagged_cross_fitted']:.1f}% | "
                               f"{100 * r['flagged_training_scores']:.1f}% |")
        blocks[SLUGS.get(name, name)] = "\n".join(lines)
    blocks["verdicts"] = "\n".join(
        f"- against {det}: skae's default detector is "
        + "; ".join(f"{verdict} on {', '.join(sets)}" for verdict, sets in found.items()) + "."
        for det, found in verdicts.items())
    blocks["ranks"] = mean_ranks(by_set)
    blocks["false-positives"] = "\n".join([
        "| set | detector | threshold from cross-fitted scores (default, `cv=3`) | from training scores (`cv=None`) |",
        "|---|---|---|---|", *flagged])
    return blocks


def mean_ranks(by_set):
    """Each detector's rank by mean AUC (1 = best) on each set that is not inverted, averaged."""
    ranks = {}
    for name, rows in by_set.items():
        if all(r["roc_auc"] < 0.5 for r in rows):
            continue
        order = sorted(rows, key=lambda r: -r["roc_auc"])
        for rank, r in enumerate(order, start=1):
            ranks.setdefault(r["detector"], {})[name] = rank
    new_sets = [s for s in ("wide", "mixed") if s in by_set]
    lines = ["| detector | mean rank, all sets | mean rank, wide and mixed sets | ranks per set |", "|---|---|---|---|"]
    for detector, per_set in sorted(ranks.items(), key=lambda item: np.mean(list(item[1].values()))):
        new = [per_set[s] for s in new_sets if s in per_set]
        lines.append(f"| {detector} | {np.mean(list(per_set.values())):.1f} | "
                     f"{np.mean(new) if new else float('nan'):.1f} | "
                     + ", ".join(f"{s} {r}" for s, r in per_set.items()) + " |")
    return "\n".join(lines)


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
    for name in ("breast cancer", "wine", "digits", "blobs", "moons", "wide", "mixed"):
        results = {}
        for seed in range(seeds):
            X, y = generated_set(name, seed, args.quick) if name in ("wide", "mixed") else outlier_set(name, seed)
            X_tr, X_te, _, y_te = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
            for det_name, make in detectors(seed, args.quick).items():
                if name == "mixed" and det_name.startswith("skae AOD (VAE"):
                    continue  # a VAE takes numbers only
                model = make()
                if name == "mixed" and not isinstance(model, AutoencoderOutlierDetector):
                    model = one_hot(model)
                start = time.perf_counter()
                model = model.fit(X_tr)
                seconds = time.perf_counter() - start
                s = outlyingness(model, X_te)
                results.setdefault(det_name, []).append((roc_auc_score(y_te, s), average_precision_score(y_te, s),
                                                         seconds, *false_positives(model, X_tr, X_te, y_te)))
        shape = f"{X.shape[0]} rows x {X.shape[1]}, {int(y.sum())} outliers."
        for det_name, values in results.items():
            v = np.array([x[:3] for x in values])
            mean, std = v.mean(0), v.std(0)
            flagged = [x[3:] for x in values]
            cross_fitted = None if flagged[0][0] is None else float(np.mean([f[0] for f in flagged]))
            on_training = None if flagged[0][1] is None else float(np.mean([f[1] for f in flagged]))
            rows.append({"set": name, "shape": shape, "detector": det_name, "roc_auc": mean[0], "roc_auc_std": std[0],
                         "average_precision": mean[1], "ap_std": std[1], "fit_seconds": mean[2],
                         "values": v.tolist(), "flagged_cross_fitted": cross_fitted,
                         "flagged_training_scores": on_training})
        print(f"\n### {name}\n\n" + tables({"rows": [r for r in rows if r["set"] == name]})[SLUGS.get(name, name)],
              flush=True)
    result = {"meta": machine(threads=1, quick=args.quick, seeds=seeds), "rows": rows}
    blocks = tables(result)
    print("\n" + blocks["verdicts"] + "\n\n" + blocks["ranks"] + "\n\n" + blocks["false-positives"])
    write_json(args.out, result)


if __name__ == "__main__":
    main()
