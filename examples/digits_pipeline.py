"""
=====================================================
Denoising autoencoder features for digit recognition
=====================================================

Learn features from scikit-learn's bundled 8×8 digits with a
:class:`~skae.DenoisingAutoencoder` trained with 25% masking noise, and
compare classifiers on raw pixels, on a plain autoencoder's features (no
noise) and on the DAE's features, for clean test digits and for test digits
with 25% of their pixels masked to 0 (5-fold stratified cross-validation).

The denoising criterion (Vincent et al., 2008) makes the code robust to
missing pixels: accuracy on masked inputs drops much less than with raw
pixels.

Run it with ``python examples/digits_pipeline.py [--out FOLDER]``: it prints the
table, with each difference to raw pixels as a paired 95% interval over the folds,
and saves ``digits_pipeline.png``, test accuracy as more of the test pixels are
masked. ``--json FILE`` also writes every fold's scores (what
``benchmarks/bench_digits_pipeline.py`` records for the README).
"""

# %%
# Data and protocol
# -----------------
import argparse
import json
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit

parser = argparse.ArgumentParser(description="Raw pixels vs. autoencoder features on digits.")
parser.add_argument("--out", default=".", help="folder for digits_pipeline.png")
parser.add_argument("--json", default=None, help="also write every fold's scores to this file")
args, _ = parser.parse_known_args()
torch.set_num_threads(1)  # small model: one thread is fastest on a shared machine

X, y = load_digits_unit()
MASK_RATES = (0.0, 0.1, 0.25, 0.4, 0.5)  # share of test pixels set to 0; 25% is the table's
uniform = np.random.RandomState(0).uniform(size=X.shape)
X_masked = {rate: X * (uniform >= rate) for rate in MASK_RATES}
folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))

feature_makers = {
    "raw pixels": None,
    "AE features (no noise)": lambda: DenoisingAutoencoder(corruption=None, random_state=0),
    "DAE features (25% masking)": lambda: DenoisingAutoencoder(
        corruption=MaskingNoise(rate=0.25), random_state=0
    ),
}
classifiers = {
    "LogisticRegression": lambda: LogisticRegression(max_iter=2000),
    "SVC": lambda: SVC(),
}

# %%
# Cross-validate every combination
# ---------------------------------
# The autoencoder is fitted once per fold on the training rows only (it never
# sees test rows) and its codes feed both classifiers.
rows = []
for feat_name, make_features in feature_makers.items():
    scores = {clf: {rate: [] for rate in MASK_RATES} for clf in classifiers}
    fit_seconds = []
    for train, test in folds:
        if make_features is None:
            encode = np.asarray  # raw pixels
            fit_seconds.append(0.0)
        else:
            start = time.perf_counter()
            encode = make_features().fit(X[train]).transform
            fit_seconds.append(time.perf_counter() - start)
        F_train = encode(X[train])
        F_tests = {rate: encode(X_masked[rate][test]) for rate in MASK_RATES}
        for clf_name, make_clf in classifiers.items():
            clf = make_clf().fit(F_train, y[train])
            for rate in MASK_RATES:
                scores[clf_name][rate].append(clf.score(F_tests[rate], y[test]))
    for clf_name in classifiers:
        rows.append({"features": feat_name, "classifier": clf_name, "fit_seconds": float(np.mean(fit_seconds)),
                     "folds": {str(rate): scores[clf_name][rate] for rate in MASK_RATES}})


# %%
# Results
# -------
# Each difference to raw pixels is paired by fold. Folds share training rows, so
# the t interval uses Nadeau & Bengio's corrected variance (the test/train ratio
# of 5-fold CV is 1/4); a difference is a win only when its interval excludes 0.
def paired(values, reference, test_fraction=0.25):
    """Mean paired difference and its corrected 95% t interval, in points."""
    d = 100 * (np.asarray(values) - np.asarray(reference))
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) * np.sqrt(1 / len(d) + test_fraction)
    return f"{d.mean():+.1f} [{d.mean() - half:+.1f}, {d.mean() + half:+.1f}]"


def table(rows):
    """The markdown table: accuracy (mean ± sd over folds) and the paired differences to raw pixels."""
    lines = ["| features | classifier | clean | 25% masked | vs raw, clean | vs raw, 25% masked | AE fit s |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        raw = next(r for r in rows if r["features"] == "raw pixels" and r["classifier"] == row["classifier"])
        cells = [f"{100 * np.mean(row['folds'][k]):.1f} ± {100 * np.std(row['folds'][k]):.1f}" for k in ("0.0", "0.25")]
        versus = ["" if row is raw else paired(row["folds"][k], raw["folds"][k]) for k in ("0.0", "0.25")]
        lines.append(f"| {row['features']} | {row['classifier']} | {' | '.join(cells)} | {' | '.join(versus)} | "
                     f"{row['fit_seconds']:.2f} |")
    return "\n".join(lines)


print("5-fold CV accuracy (%) on sklearn digits (1797 x 64, scaled to [0, 1]), mean ± sd over folds;")
print("differences to raw pixels paired by fold, with their 95% intervals\n")
print(table(rows))
if args.json:
    with open(args.json, "w") as f:
        json.dump({"rows": rows, "mask_rates": MASK_RATES}, f, indent=2)

# %%
# The figure: accuracy as more test pixels are masked
# ----------------------------------------------------
fig, axes = plt.subplots(1, len(classifiers), figsize=(9, 3.6), sharey=True)
for ax, clf_name in zip(axes, classifiers):
    for row in rows:
        if row["classifier"] == clf_name:
            accuracy = [np.mean(row["folds"][str(r)]) for r in MASK_RATES]
            ax.plot([100 * r for r in MASK_RATES], accuracy, marker="o", label=row["features"])
    ax.set(title=clf_name, xlabel="test pixels masked to 0 (%)")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("5-fold CV accuracy")
axes[0].legend()
fig.tight_layout()
os.makedirs(args.out, exist_ok=True)
figure = os.path.join(args.out, "digits_pipeline.png")
fig.savefig(figure, dpi=90)
print(f"\nsaved {figure}")
