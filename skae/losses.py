"""Reconstruction losses and penalties (torch only).

Losses are summed over features and averaged over samples, the papers'
convention, so that penalty weights mean the same whatever the input width.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["RECONSTRUCTION_LOSSES", "reconstruction_loss", "ReconstructionLoss"]

#: Reconstruction losses by name, with the decoder output activation each implies.
RECONSTRUCTION_LOSSES = {
    # Bernoulli negative log-likelihood of x in [0, 1] given decoder logits.
    "cross_entropy": "sigmoid",
    # Squared error sum_j (x_j - x̂_j)^2 of a linear decoder output.
    "squared_error": "identity",
}


def reconstruction_loss(preactivation, target, kind):
    """Per-sample reconstruction loss, summed over features.

    Parameters
    ----------
    preactivation : torch.Tensor of shape (B, D)
        Decoder output before its output activation (logits for cross-entropy).
    target : torch.Tensor of shape (B, D)
        The clean inputs.
    kind : {"cross_entropy", "squared_error"}
        ``"cross_entropy"``: -Σ_j [x_j log σ(a_j) + (1 - x_j) log(1 - σ(a_j))],
        computed stably from the logits a; needs targets in [0, 1].
        ``"squared_error"``: Σ_j (x_j - a_j)².

    Returns
    -------
    loss : torch.Tensor of shape (B,)
    """
    if kind == "cross_entropy":
        per_entry = F.binary_cross_entropy_with_logits(preactivation, target, reduction="none")
    elif kind == "squared_error":
        per_entry = (preactivation - target).square()
    else:
        raise ValueError(
            f"Unknown reconstruction loss {kind!r}; choose one of {sorted(RECONSTRUCTION_LOSSES)}."
        )
    return per_entry.sum(dim=1)


class ReconstructionLoss(nn.Module):
    """Mean over the batch of :func:`reconstruction_loss` (a skorch criterion).

    Parameters
    ----------
    kind : {"cross_entropy", "squared_error"}, default="squared_error"
    """

    def __init__(self, kind="squared_error"):
        super().__init__()
        if kind not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"Unknown reconstruction loss {kind!r}; choose one of {sorted(RECONSTRUCTION_LOSSES)}."
            )
        self.kind = kind

    def forward(self, preactivation, target):
        return reconstruction_loss(preactivation, target, self.kind).mean()
