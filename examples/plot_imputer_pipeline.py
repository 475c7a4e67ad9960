"""
==================================================
Missing values: a denoising imputer in a Pipeline
==================================================

:class:`~skae.DenoisingImputer` fills missing entries with a denoising
autoencoder trained on the observed ones only, in the shape of
scikit-learn's imputers, so it goes first in a ``Pipeline``. Here 30% of the
breast-cancer table is hidden at random; a LogisticRegression is trained
behind each imputer on the same rows and scored on the same held-out rows.
The figure shows how close each imputer's fills are to the hidden values.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import DenoisingImputer

torch.set_num_threads(1)
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)  # so that errors are in standard deviations
missing = np.random.RandomState(0).uniform(size=X.shape) < 0.3
X_missing = np.where(missing, np.nan, X)
X_train, X_test, y_train, y_test = train_test_split(X_missing, y, test_size=0.3, random_state=0, stratify=y)

imputers = {
    "mean": SimpleImputer(),
    "KNN": KNNImputer(),
    "Iterative": IterativeImputer(random_state=0),
    "Denoising (skae)": DenoisingImputer(random_state=0),
}
errors = {}
for name, imputer in imputers.items():
    pipe = make_pipeline(imputer, LogisticRegression(max_iter=2000)).fit(X_train, y_train)
    filled = imputer.fit(X_missing).transform(X_missing)
    errors[name] = np.abs(filled - X)[missing]
    print(f"{name:<18} test accuracy {pipe.score(X_test, y_test):.3f}   "
          f"RMSE on the hidden entries {np.sqrt(np.mean(errors[name] ** 2)):.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.boxplot(list(errors.values()), showfliers=False)
ax.set_xticks(range(1, len(errors) + 1), list(errors))
ax.set_ylabel("|fill − hidden value| (standard deviations)")
ax.set_title("Breast cancer, 30% of the entries hidden at random")
fig.tight_layout()
plt.show()
