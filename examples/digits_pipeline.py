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

Run it with ``python examples/digits_pipeline.py`` (about a minute on 2 CPU cores).
"""

# %%
# Data and protocol
# -----------------
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit

torch.set_num_threads(1)  # small model: one thread is fastest on a shared machine

X, y = load_digits_unit()
rng = np.random.RandomState(0)
X_masked = X * (rng.uniform(size=X.shape) >= 0.25)  # 25% of test pixels set to 0
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
    scores = {clf: {"clean": [], "masked": []} for clf in classifiers}
    fit_seconds = []
    for train, test in folds:
        if make_features is None:
            F_train, F_test, F_masked = X[train], X[test], X_masked[test]
            fit_seconds.append(0.0)
        else:
            start = time.perf_counter()
            features = make_features().fit(X[train])
            fit_seconds.append(time.perf_counter() - start)
            F_train = features.transform(X[train])
            F_test, F_masked = features.transform(X[test]), features.transform(X_masked[test])
        for clf_name, make_clf in classifiers.items():
            clf = make_clf().fit(F_train, y[train])
            scores[clf_name]["clean"].append(clf.score(F_test, y[test]))
            scores[clf_name]["masked"].append(clf.score(F_masked, y[test]))
    for clf_name in classifiers:
        rows.append(
            (
                feat_name,
                clf_name,
                np.mean(scores[clf_name]["clean"]),
                np.mean(scores[clf_name]["masked"]),
                np.mean(fit_seconds),
            )
        )

# %%
# Results
# -------
print("5-fold CV accuracy on sklearn digits (1797 x 64, scaled to [0, 1])\n")
print("| features                   | classifier         | clean  | 25% masked | AE fit s |")
print("|----------------------------|--------------------|--------|------------|----------|")
for feat_name, clf_name, clean, masked, seconds in rows:
    print(f"| {feat_name:<26} | {clf_name:<18} | {clean:.3f}  | {masked:.3f}      | {seconds:8.2f} |")
