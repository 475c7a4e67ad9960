"""
=============================================
Tuning the noise level with GridSearchCV
=============================================

The corruption is a parameter object, so ``GridSearchCV`` tunes its rate like
any other hyperparameter: ``{"dae__corruption__rate": [...]}``. Here the score
is the cross-validated accuracy of an SVC on the denoising autoencoder's
features, on clean digits and on digits with 30% of the pixels masked.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit

torch.set_num_threads(1)
X, y = load_digits_unit()
X_masked = X * (np.random.RandomState(0).uniform(size=X.shape) >= 0.3)

pipe = Pipeline([
    ("dae", DenoisingAutoencoder(n_components=64, corruption=MaskingNoise(0.25), max_iter=30, random_state=0)),
    ("clf", SVC()),
])
rates = [0.0, 0.1, 0.25, 0.4, 0.6]
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(pipe, {"dae__corruption__rate": rates}, cv=cv).fit(X, y)
print("best rate on clean digits:", search.best_params_["dae__corruption__rate"])

# The same folds, scored on masked versions of the held-out digits (training stays clean).
masked_scores = []
for rate in rates:
    model = clone(pipe).set_params(dae__corruption__rate=rate)
    fold_scores = [model.fit(X[train], y[train]).score(X_masked[test], y[test]) for train, test in cv.split(X, y)]
    masked_scores.append(np.mean(fold_scores))
    print(f"rate {rate:4.2f}: clean {search.cv_results_['mean_test_score'][rates.index(rate)]:.3f}, "
          f"masked {masked_scores[-1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rates, search.cv_results_["mean_test_score"], "o-", label="clean test digits (3-fold CV)")
ax.plot(rates, masked_scores, "s-", label="30%-masked digits")
ax.set_xlabel("dae__corruption__rate (training masking noise)")
ax.set_ylabel("accuracy")
ax.set_title("GridSearchCV over the noise level")
ax.legend()
fig.tight_layout()
