"""
===========================================================
A variational autoencoder on digits: latent map and samples
===========================================================

Fit a :class:`~skae.VAE` with a 2-D latent space on binarized digits and draw

1. the posterior means μ(x) of every digit (``transform``), coloured by class;
2. a grid of decoder means over the latent plane (``inverse_transform``);
3. fresh samples from the model (``sample``): z ~ N(0, I), then x ~ p(x|z).

Run ``python examples/plot_vae_digits.py [--out DIR]``; it writes
``vae_latent_map.png`` and ``vae_samples.png`` (about 15 s).
"""

# %%
import argparse
import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import norm

from skae import VAE
from skae.datasets import load_digits_unit

parser = argparse.ArgumentParser()
parser.add_argument("--out", default=".", help="directory for the PNG files")
parser.add_argument("--max-iter", type=int, default=200)
args = parser.parse_args()
torch.set_num_threads(1)

X, y = load_digits_unit()
X = (X > 0.5).astype(np.float64)  # binarized: a Bernoulli decoder fits exactly
vae = VAE(n_components=2, hidden_layer_sizes=(256, 128), max_iter=args.max_iter, random_state=0).fit(X)
print(f"test-free check: mean ELBO {vae.score(X):.2f} nats, "
      f"importance-sampled log p(x) {vae.log_likelihood(X[:300], n_samples=500).mean():.2f} nats")

# %%
# The latent map and a decoded grid
# ---------------------------------
Z = vae.transform(X)
fig, (ax_map, ax_grid) = plt.subplots(1, 2, figsize=(13, 6))
points = ax_map.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=8)
ax_map.legend(*points.legend_elements(), title="digit", loc="best", fontsize=8)
ax_map.set_title("Posterior means μ(x) of 1797 digits")
ax_map.set_xlabel("z₁")
ax_map.set_ylabel("z₂")

n = 15  # decode a grid of prior quantiles, so the grid covers where the prior puts mass
grid = norm.ppf(np.linspace(0.03, 0.97, n))
codes = np.array([[a, b] for b in grid[::-1] for a in grid])
images = vae.inverse_transform(codes).reshape(n, n, 8, 8)
canvas = np.block([[images[i, j] for j in range(n)] for i in range(n)])
ax_grid.imshow(canvas, cmap="gray_r")
ax_grid.set_title("Decoder means over the latent plane (prior quantiles)")
ax_grid.axis("off")
fig.tight_layout()
fig.savefig(os.path.join(args.out, "vae_latent_map.png"), dpi=80)

# %%
# Samples from the model
# ----------------------
samples = vae.sample(64, random_state=0).reshape(64, 8, 8)
fig, axes = plt.subplots(8, 8, figsize=(6, 6))
for ax, image in zip(axes.ravel(), samples):
    ax.imshow(image, cmap="gray_r")
    ax.axis("off")
fig.suptitle("64 samples x ~ p(x|z), z ~ N(0, I)")
fig.savefig(os.path.join(args.out, "vae_samples.png"), dpi=80)
print(f"wrote vae_latent_map.png and vae_samples.png to {args.out}")
