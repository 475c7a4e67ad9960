"""
==========================================================
The design-card pipeline: robust features for digit SVMs
==========================================================

``Pipeline([("dae", StackedDAE()), ("clf", SVC())])`` with the defaults, on
sklearn's digits, against an SVC on raw pixels, as more and more test pixels
are masked to 0. Training uses clean digits only; the denoising stack has
learned to fill in missing pixels, so its accuracy degrades much more slowly.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skae import StackedDAE
from skae.datasets import load_digits_unit

torch.set_num_threads(1)
X, y = load_digits_unit()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

pipe = Pipeline([("dae", StackedDAE(random_state=0)), ("clf", SVC())]).fit(X_train, y_train)
raw = SVC().fit(X_train, y_train)

# %%
# Accuracy as test pixels are masked
# ----------------------------------
rates = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
rng = np.random.RandomState(0)
masks = [rng.uniform(size=X_test.shape) >= r for r in rates]
acc_dae = [pipe.score(X_test * m, y_test) for m in masks]
acc_raw = [raw.score(X_test * m, y_test) for m in masks]
for r, a, b in zip(rates, acc_dae, acc_raw):
    print(f"masked {r:4.0%}: StackedDAE + SVC {a:.3f}   raw pixels + SVC {b:.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rates, acc_raw, "o-", label="raw pixels + SVC")
ax.plot(rates, acc_dae, "o-", label="StackedDAE() + SVC")
ax.set_xlabel("fraction of test pixels masked to 0")
ax.set_ylabel("test accuracy")
ax.set_title("Robustness of the features to missing pixels")
ax.legend()
fig.tight_layout()
