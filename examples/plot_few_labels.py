"""
=====================================
A classifier from 50 labels
=====================================

1,347 digits to train on, of which only 50 carry a label (five per class); 450
held-out digits to test on. Unlabelled rows are marked ``-1``, scikit-learn's
convention. Four ways to use them, side by side:

- an SVC on the 50 labelled rows alone (what a user without the unlabelled rows does);
- ``LabelSpreading``, which spreads the 50 labels over a nearest-neighbour graph of all rows;
- skae's transformer route: a :class:`~skae.StackedDAE` fitted on every row (labels
  unused), frozen (``FrozenEstimator``) in a pipeline with an SVC trained on the 50;
- :class:`~skae.StackedDAEClassifier` fitted on all rows with ``y = -1`` for the
  unlabelled ones: every row pretrains the stack, the 50 fine-tune it.

Each is fitted on five draws of the 50 labels; ``benchmarks/bench_semisupervised.py``
measures the same routes on four data sets and four label shares, with intervals.
"""

# %%
# Data: 50 labels among 1,347 training rows
# -----------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.semi_supervised import LabelSpreading
from sklearn.svm import SVC

from skae import StackedDAE, StackedDAEClassifier
from skae.datasets import load_digits_unit

torch.set_num_threads(1)
X, y = load_digits_unit()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=450, stratify=y, random_state=0)


def draw_labels(seed, per_class=5):
    """``y_train`` with all but ``per_class`` rows of each class marked -1."""
    rng = np.random.RandomState(seed)
    keep = np.concatenate([rng.choice(np.flatnonzero(y_train == c), per_class, replace=False)
                           for c in np.unique(y_train)])
    y_semi = np.full_like(y_train, -1)
    y_semi[keep] = y_train[keep]
    return y_semi


# %%
# The stack learns from every row once; the labels are only used after
# -------------------------------------------------------------------------
stack = StackedDAE(random_state=0).fit(X_train)  # no labels

scores = {name: [] for name in ("SVC on the 50", "LabelSpreading", "StackedDAE codes → SVC",
                                "StackedDAEClassifier (y = -1)")}
for seed in range(5):
    y_semi = draw_labels(seed)
    labelled = y_semi != -1
    models = {
        "SVC on the 50": SVC().fit(X_train[labelled], y_semi[labelled]),
        "LabelSpreading": LabelSpreading(kernel="knn").fit(X_train, y_semi),
        "StackedDAE codes → SVC": make_pipeline(FrozenEstimator(stack), SVC()).fit(
            X_train[labelled], y_semi[labelled]),
        "StackedDAEClassifier (y = -1)": StackedDAEClassifier(random_state=seed).fit(X_train, y_semi),
    }
    for name, model in models.items():
        scores[name].append(model.score(X_test, y_test))

for name, values in scores.items():
    print(f"{name:>30}: {np.mean(values):.3f} ± {np.std(values):.3f} (5 draws of the 50 labels)")

# %%
# Test accuracy, one point per draw of the labels
# -----------------------------------------------
fig, ax = plt.subplots(figsize=(7, 3))
for i, (name, values) in enumerate(scores.items()):
    ax.scatter(np.full(len(values), i), values, alpha=0.7)
    ax.hlines(np.mean(values), i - 0.25, i + 0.25)
ax.set_xticks(range(len(scores)), [name.replace(" → ", "\n→ ") for name in scores], fontsize=8)
ax.set_ylabel("test accuracy")
fig.tight_layout()
plt.show()
