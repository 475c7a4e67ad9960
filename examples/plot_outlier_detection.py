"""
==================================================
Outlier detection with an autoencoder on 2-D data
==================================================

:class:`~skae.AutoencoderOutlierDetector` turns any skae model's
``score_samples`` (the negative reconstruction loss, or a VAE's ELBO) into a
scikit-learn outlier detector: ``decision_function`` is negative for outliers
and ``predict`` gives -1 for them, as with :class:`~sklearn.ensemble.IsolationForest`.
The figure draws the decision function over the plane for two moons with 10%
uniform noise, next to IsolationForest's, with the training points and the
boundary (``decision_function = 0``) at 10% contamination. The DAE has a
one-unit code: it learns one curve through the data and scores a point by its
distance to that curve, so it flags points far from the moons, and also the
inliers where one curve cannot follow both moons.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import make_moons
from sklearn.ensemble import IsolationForest

from skae import AutoencoderOutlierDetector, DenoisingAutoencoder, GaussianNoise

torch.set_num_threads(1)
rng = np.random.RandomState(0)
inliers = 4 * (make_moons(300, noise=0.05, random_state=0)[0] - [0.5, 0.25])
X = np.vstack([inliers, rng.uniform(-6, 6, size=(30, 2))])

detectors = {
    "AutoencoderOutlierDetector (DAE)": AutoencoderOutlierDetector(
        DenoisingAutoencoder(1, hidden_layer_sizes=(64, 64), activation="tanh", corruption=GaussianNoise(0.1),
                             loss="squared_error", max_iter=300, lr=3e-3),
        contamination=0.1, random_state=0),
    "IsolationForest": IsolationForest(contamination=0.1, random_state=0),
}
xx, yy = np.meshgrid(np.linspace(-7, 7, 150), np.linspace(-7, 7, 150))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, (name, detector) in zip(axes, detectors.items()):
    labels = detector.fit(X).predict(X)
    Z = detector.decision_function(grid).reshape(xx.shape)
    ax.contourf(xx, yy, Z, levels=np.linspace(Z.min(), max(Z.max(), 1e-9), 12), cmap="Blues_r")
    ax.contour(xx, yy, Z, levels=[0], colors="darkred", linewidths=2)
    ax.scatter(*X[labels == 1].T, s=8, c="white", edgecolors="k", linewidths=0.4, label="inlier")
    ax.scatter(*X[labels == -1].T, s=14, c="gold", edgecolors="k", linewidths=0.4, label="flagged")
    ax.set_title(name, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
axes[0].legend(loc="lower left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Which features made a row anomalous
# -----------------------------------
# The detector's score of a row is minus its reconstruction loss, a sum over the
# columns. :meth:`~skae.AutoencoderOutlierDetector.feature_scores` returns the terms of
# that sum: each row sums to ``-score_samples``, and the largest terms name the
# columns the model could not reconstruct. On scikit-learn's wine table
# (standardised), the three most anomalous wines and the columns behind each:
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

wine = load_wine(as_frame=True)
X_wine = StandardScaler().fit_transform(wine.data)
detector = AutoencoderOutlierDetector(DenoisingAutoencoder(4, max_iter=100), random_state=0).fit(X_wine)
contributions = detector.feature_scores(X_wine)
worst = np.argsort(detector.score_samples(X_wine))[:3]
for row in worst:
    top = np.argsort(contributions[row])[::-1][:3]
    parts = ", ".join(f"{wine.data.columns[j]} {contributions[row, j]:.1f}" for j in top)
    print(f"wine {row}: loss {contributions[row].sum():.1f}; largest terms: {parts}")

fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for ax, row in zip(axes, worst):
    ax.barh(wine.data.columns, contributions[row], color="steelblue")
    ax.set_title(f"wine {row}", fontsize=10)
    ax.tick_params(labelsize=7)
axes[0].invert_yaxis()
fig.supxlabel("each column's part of the row's reconstruction loss", fontsize=9)
fig.tight_layout()
plt.show()
