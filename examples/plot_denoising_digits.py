"""
===============================
Denoising corrupted digits
===============================

A denoising autoencoder trained on masked digits reconstructs the clean digit
from a corrupted one: the rows show the clean test digits, the same digits
with 40% of their pixels masked to 0, the reconstruction by a plain
autoencoder and the reconstruction by the denoising autoencoder.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit

torch.set_num_threads(1)
X, _ = load_digits_unit()
X_train, X_test = X[:1500], X[1500:]
plain = DenoisingAutoencoder(corruption=None, random_state=0).fit(X_train)
dae = DenoisingAutoencoder(corruption=MaskingNoise(0.4), random_state=0).fit(X_train)

corrupted = X_test * (np.random.RandomState(0).uniform(size=X_test.shape) >= 0.4)
rows = {
    "clean": X_test,
    "40% masked": corrupted,
    "plain AE": plain.inverse_transform(plain.transform(corrupted)),
    "denoising AE": dae.inverse_transform(dae.transform(corrupted)),
}
for name in ("plain AE", "denoising AE"):
    print(f"{name}: squared error to the clean digits {((rows[name] - X_test) ** 2).sum(axis=1).mean():.2f}")

# %%
n = 10
fig, axes = plt.subplots(len(rows), n, figsize=(n, len(rows) + 0.4))
for row_axes, (name, images) in zip(axes, rows.items()):
    for ax, image in zip(row_axes, images[:n]):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row_axes[0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.tight_layout()
