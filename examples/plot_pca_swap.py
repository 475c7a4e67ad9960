"""
=====================================================================
Swapping PCA for a denoising autoencoder in scikit-learn's pipeline
=====================================================================

scikit-learn's gallery example "Pipelining: chaining a PCA and a logistic
regression" searches a ``StandardScaler -> PCA -> LogisticRegression`` pipeline
over the number of components and ``C`` on digits. Here the same search runs
twice, side by side: once with ``PCA()`` and once with
:class:`~skae.DenoisingAutoencoder` in the ``"pca"`` step, with nothing else
changed but a ``memory`` for the autoencoder's pipeline.

Two things make the swap work:

- ``transform`` returns codes centred and brought to about unit variance
  (``scale_codes=True``, the default), as the estimators users put after PCA
  expect. The autoencoder's raw sigmoid codes, in (0, 1) with a spread of
  about 0.3, make this example's ``LogisticRegression(tol=0.1)`` stop at its
  first step and predict a single class: every cell of the grid at chance.
- ``Pipeline(memory=...)`` caches each fitted step, so the grid over ``C``
  reuses the autoencoder fitted for each width and fold instead of refitting it
  for every ``C``.

Run it with ``python examples/plot_pca_swap.py``; ``--json FILE`` also writes the
scores and times (what ``benchmarks/bench_pca_swap.py`` records for the docs).
"""

# %%
# The search, once with PCA and once with the autoencoder
# --------------------------------------------------------
import argparse
import json
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from joblib import Memory
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import DenoisingAutoencoder

parser = argparse.ArgumentParser(description="PCA and a DAE in the gallery's pipeline search.")
parser.add_argument("--json", default=None, help="also write the scores and times to this file")
args, _ = parser.parse_known_args()
torch.set_num_threads(1)  # a small model: one thread is fastest on a shared machine

X_digits, y_digits = datasets.load_digits(return_X_y=True)
param_grid = {"pca__n_components": [5, 15, 30, 45, 60], "logistic__C": np.logspace(-4, 4, 4)}
reducers = {"PCA": PCA(), "DenoisingAutoencoder": DenoisingAutoencoder(random_state=0)}

searches, seconds = {}, {}
with tempfile.TemporaryDirectory() as cache:
    for name, reducer in reducers.items():
        pipe = Pipeline(
            [("scaler", StandardScaler()), ("pca", reducer),
             ("logistic", LogisticRegression(max_iter=10000, tol=0.1))],
            memory=Memory(cache, verbose=0) if name != "PCA" else None,
        )
        start = time.perf_counter()
        searches[name] = GridSearchCV(pipe, param_grid).fit(X_digits, y_digits)
        seconds[name] = time.perf_counter() - start

for name, search in searches.items():
    print(f"{name:>20}: best CV accuracy {search.best_score_:.3f} with {search.best_params_}, "
          f"search {seconds[name]:.1f} s")

# %%
# Accuracy against the number of components
# -----------------------------------------
# For each width, the best ``C``'s mean CV accuracy, with its standard deviation
# over the five folds.
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, search in searches.items():
    results = search.cv_results_
    widths = param_grid["pca__n_components"]
    best = [max((i for i in range(len(results["params"]))
                 if results["params"][i]["pca__n_components"] == w),
                key=lambda i: results["mean_test_score"][i]) for w in widths]
    ax.errorbar(widths, results["mean_test_score"][best], yerr=results["std_test_score"][best],
                marker="o", capsize=3, label=f"{name} ({seconds[name]:.0f} s)")
ax.set_xlabel("n_components")
ax.set_ylabel("CV accuracy (best C)")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# What the search recorded
# ------------------------
if args.json:
    record = {name: {"best_score": float(s.best_score_),
                     "best_params": {k: float(v) for k, v in s.best_params_.items()},
                     "best_folds": [float(s.cv_results_[f"split{k}_test_score"][s.best_index_]) for k in range(5)],
                     "mean_test_score": [float(v) for v in s.cv_results_["mean_test_score"]],
                     "params": [{k: float(v) for k, v in p.items()} for p in s.cv_results_["params"]],
                     "seconds": seconds[name]}
              for name, s in searches.items()}
    with open(args.json, "w") as f:
        json.dump(record, f, indent=1)
