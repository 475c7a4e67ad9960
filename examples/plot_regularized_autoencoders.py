"""
===================================================
What the contractive and sparsity penalties do
===================================================

Fit a plain autoencoder, a :class:`~skae.ContractiveAE` and a
:class:`~skae.SparseAE` on sklearn's digits and look at what the penalties
change:

1. the learned filters (rows of the first encoder weight matrix, as 8×8 images);
2. the distribution of code activations: the L1 penalty pushes most of them to
   exactly 0;
3. the per-digit Frobenius norm of the encoder Jacobian, ‖J_f(x)‖²_F: the
   contractive penalty makes the code insensitive to small input changes.

Run ``python examples/plot_regularized_autoencoders.py [--out DIR]``; it writes
``regularized_filters.png`` and ``regularized_codes.png`` (about 10 s).
"""

# %%
import argparse
import os

import matplotlib.pyplot as plt
import numpy as np
import torch

from skae import ContractiveAE, SparseAE
from skae.datasets import load_digits_unit

parser = argparse.ArgumentParser()
parser.add_argument("--out", default=".", help="directory for the PNG files")
parser.add_argument("--max-iter", type=int, default=100)
args = parser.parse_args()
torch.set_num_threads(1)

X, y = load_digits_unit()
common = dict(n_components=64, max_iter=args.max_iter, random_state=0)
models = {
    "plain AE (sigmoid)": ContractiveAE(contraction=0.0, **common).fit(X),
    "ContractiveAE (contraction=0.5)": ContractiveAE(contraction=0.5, **common).fit(X),
    "plain AE (ReLU)": SparseAE(sparsity=0.0, **common).fit(X),
    "SparseAE (L1, sparsity=0.1)": SparseAE(sparsity=0.1, **common).fit(X),
}

# %%
# Learned filters
# ---------------
fig, axes = plt.subplots(len(models), 16, figsize=(16, 1.3 * len(models) + 0.5))
for row, (name, model) in zip(axes, models.items()):
    W = model.encoder_[0].weight.detach().numpy()  # (64 units, 64 pixels)
    for ax, w in zip(row, W[:16]):
        ax.imshow(w.reshape(8, 8), cmap="RdBu_r", vmin=-np.abs(w).max(), vmax=np.abs(w).max())
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
fig.suptitle("First 16 encoder filters")
fig.savefig(os.path.join(args.out, "regularized_filters.png"), dpi=80, bbox_inches="tight")

# %%
# Code activations and Jacobian norms
# -----------------------------------
fig, (ax_codes, ax_jac) = plt.subplots(1, 2, figsize=(12, 4))
for name in ("plain AE (ReLU)", "SparseAE (L1, sparsity=0.1)"):
    Z = models[name].transform(X).ravel()
    ax_codes.hist(Z, bins=60, alpha=0.6, label=f"{name}: {np.mean(np.abs(Z) < 0.01):.0%} near 0")
ax_codes.set_yscale("log")
ax_codes.set_xlabel("code activation")
ax_codes.set_title("ReLU codes: the L1 penalty makes them sparse")
ax_codes.legend(fontsize=8)
for name in ("plain AE (sigmoid)", "ContractiveAE (contraction=0.5)"):
    norms = models[name].jacobian_norm(X)
    ax_jac.hist(norms, bins=50, alpha=0.6, label=f"{name}: mean {norms.mean():.1f}")
ax_jac.set_xlabel("‖J_f(x)‖²_F per digit")
ax_jac.set_title("The contractive penalty shrinks the encoder Jacobian")
ax_jac.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(args.out, "regularized_codes.png"), dpi=80)

for name, model in models.items():
    Z = model.transform(X)
    line = f"{name:<32} near-zero codes {np.mean(np.abs(Z) < 0.01):5.1%}"
    if isinstance(model, ContractiveAE):
        line += f"   mean ||J||^2_F {model.jacobian_norm(X).mean():6.1f}"
    print(line)
print(f"wrote regularized_filters.png and regularized_codes.png to {args.out}")
