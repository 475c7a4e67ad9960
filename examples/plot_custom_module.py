"""
=============================================
Your own torch module as the encoder
=============================================

Every skae autoencoder is an MLP by default. Pass a ``torch.nn.Module``
*class* as ``encoder=`` (or ``decoder=``) and it is built in ``fit`` with its
``encoder__*`` arguments and the sizes skae knows (``n_features``,
``n_components``, ``input_shape``, each when the class asks for it). The
estimator stays a scikit-learn transformer: it clones, grid-searches over
``encoder__*`` and pipelines as before. ``input_shape=(1, 8, 8)`` views each
flat digit row as a one-channel image for the convolutions, and flattens the
reconstruction back.

Here a small convolutional encoder written in a few lines meets skae's
ready-made :class:`skae.modules.ConvDecoder`, and the codes feed a
LogisticRegression next to those of the default MLP autoencoder.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from torch import nn

from skae import DenoisingAutoencoder
from skae.datasets import load_digits_unit
from skae.modules import ConvDecoder

torch.set_num_threads(1)


class SmallCNN(nn.Module):
    """Two 3x3 convolutions, then a linear code layer: (B, 1, 8, 8) -> (B, n_components)."""

    def __init__(self, n_components, channels=16):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.code = nn.Linear(channels * 4 * 4, n_components)

    def forward(self, x):
        return self.code(self.convs(x).flatten(-3))  # flatten(-3): works on one unbatched image too


X, y = load_digits_unit()
common = dict(n_components=32, max_iter=30, random_state=0)
models = {
    "MLP (default)": DenoisingAutoencoder(**common),
    "SmallCNN + ConvDecoder": DenoisingAutoencoder(
        encoder=SmallCNN, encoder__channels=16, decoder=ConvDecoder, input_shape=(1, 8, 8), **common
    ),
}
for name, model in models.items():
    scores = cross_val_score(make_pipeline(model, LogisticRegression(max_iter=2000)), X, y, cv=3)
    print(f"{name:<24} codes + LogisticRegression: {scores.mean():.3f} ± {scores.std():.3f} (3-fold CV)")

# %%
# Reconstructions of masked test digits by each model, fitted on the first 1,500 rows.
X_train, X_test = X[:1500], X[1500:1508]
masked = X_test * (np.random.RandomState(0).uniform(size=X_test.shape) >= 0.25)
rows = {"clean": X_test, "25% masked": masked}
for name, model in models.items():
    model.fit(X_train)
    rows[name] = model.inverse_transform(model.transform(masked))
fig, axes = plt.subplots(len(rows), len(X_test), figsize=(8, 4.4))
for ax_row, (name, images) in zip(axes, rows.items()):
    for ax, image in zip(ax_row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    ax_row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("Masked digits reconstructed by an MLP and by a convolutional DAE")
fig.tight_layout()
plt.show()
