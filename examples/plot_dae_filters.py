"""
==================================================
Learned filters: denoising vs. plain autoencoder
==================================================

The filter figure of Vincent et al. (2008, 2010): the first-layer weights of
an autoencoder trained without noise and of denoising autoencoders trained
with increasing masking noise, each weight vector drawn as an 8×8 image. With
noise, filters become smoother, more localised stroke detectors: to fill in a
missing pixel the code has to capture how pixels co-vary.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit

torch.set_num_threads(1)
X, _ = load_digits_unit()
rates = [0.0, 0.25, 0.5]
models = {r: DenoisingAutoencoder(n_components=100, corruption=MaskingNoise(r), tied_weights=True,
                                  max_iter=100, random_state=0).fit(X) for r in rates}

# %%
fig, axes = plt.subplots(len(rates), 12, figsize=(12, 3.4))
for row, rate in zip(axes, rates):
    W = models[rate].encoder_[0].weight.detach().numpy()
    order = np.argsort(-np.abs(W).sum(axis=1))[:12]  # the strongest filters
    for ax, w in zip(row, W[order]):
        ax.imshow(w.reshape(8, 8), cmap="gray")
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(f"{rate:.0%} noise", rotation=0, ha="right", va="center")
fig.suptitle("First-layer filters of tied-weight autoencoders on digits")
fig.tight_layout()
