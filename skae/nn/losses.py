"""Reconstruction losses and penalties (torch only).

Losses are summed over features and averaged over samples, the papers'
convention, so that penalty weights mean the same whatever the input width.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .functional import jacobian_frobenius_sq

__all__ = [
    "RECONSTRUCTION_LOSSES", "reconstruction_loss", "ReconstructionLoss", "jacobian_frobenius_sq",
    "ContractivePenalty", "SPARSITY_PENALTIES", "l1_sparsity", "kl_sparsity", "SparsityPenalty",
    "LIKELIHOODS", "OBJECTIVES", "gaussian_kl", "log_normal_standard", "log_likelihood",
    "variational_bound", "VariationalLoss", "MaskedSquaredError", "TableLoss", "SemiSupervisedLoss",
]

#: Reconstruction losses by name, with the decoder output activation each implies.
RECONSTRUCTION_LOSSES = {
    # Bernoulli negative log-likelihood of x in [0, 1] given decoder logits.
    "cross_entropy": "sigmoid",
    # Squared error sum_j (x_j - x̂_j)^2 of a linear decoder output.
    "squared_error": "identity",
}


def reconstruction_loss(preactivation, target, kind, reduction="none"):
    """Per-sample reconstruction loss, summed over features (or over the whole batch).

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
    reduction : {"none", "sum", "elementwise"}, default="none"
        ``"sum"``: the total over the batch, as one fused reduction (about 10 µs a
        step less than summing per row, then over rows, on digits-sized batches).
        ``"elementwise"``: each entry's term, not summed (what each feature adds).

    Returns
    -------
    loss : torch.Tensor of shape (B,), a scalar with ``reduction="sum"``, or (B, D) with
        ``reduction="elementwise"``
    """
    torch_reduction = "none" if reduction == "elementwise" else reduction
    if kind == "cross_entropy":
        loss = F.binary_cross_entropy_with_logits(preactivation, target, reduction=torch_reduction)
    elif kind == "squared_error":
        loss = F.mse_loss(preactivation, target, reduction=torch_reduction)
    else:
        raise ValueError(
            f"Unknown reconstruction loss {kind!r}; choose one of {sorted(RECONSTRUCTION_LOSSES)}."
        )
    return loss if reduction in ("sum", "elementwise") else loss.sum(dim=1)


class ReconstructionLoss(nn.Module):
    """A skorch criterion: mean over the batch of :func:`reconstruction_loss`, plus a penalty.

    Parameters
    ----------
    kind : {"cross_entropy", "squared_error"}, default="squared_error"
    penalty : callable or None, default=None
        ``penalty(output) -> scalar tensor or None`` on the module's whole
        output (e.g. :class:`ContractivePenalty`, :class:`SparsityPenalty`).

    Notes
    -----
    ``forward(output, target)`` takes the module's output: a tensor of
    decoder pre-activations, or a tuple whose first item is one
    (``(preactivation, code, ...)``).
    """

    def __init__(self, kind="squared_error", penalty=None):
        super().__init__()
        if kind not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"Unknown reconstruction loss {kind!r}; choose one of {sorted(RECONSTRUCTION_LOSSES)}."
            )
        self.kind = kind
        self.penalty = penalty

    def forward(self, output, target):
        preactivation = output[0] if isinstance(output, (tuple, list)) else output
        loss = reconstruction_loss(preactivation, target, self.kind, reduction="sum") / len(target)
        penalty = None if self.penalty is None else self.penalty(output)
        return loss if penalty is None else loss + penalty


class SemiSupervisedLoss(nn.Module):
    """A skorch criterion: cross-entropy on the labelled rows plus ``weight`` · denoising reconstruction on all.

    Parameters
    ----------
    kind : {"cross_entropy", "squared_error"}, default="squared_error"
        The reconstruction loss (:func:`reconstruction_loss`).
    weight : float, default=1.0
        Weight of the reconstruction term.

    Notes
    -----
    ``forward(output, target)`` takes a :class:`~skae.nn.autoencoders.DenoisingClassifier`'s
    training output ``(logits, preactivation, x)`` and the class indices, -1 for an unlabelled
    row. The cross-entropy is the mean over the batch's labelled rows (0 in a batch without
    one); the reconstruction is the mean over every row of the batch.
    """

    def __init__(self, kind="squared_error", weight=1.0):
        super().__init__()
        self.reconstruction = ReconstructionLoss(kind)
        self.weight = weight

    def forward(self, output, target):
        logits, preactivation, x = output
        labelled = target >= 0
        cross_entropy = F.cross_entropy(logits, target.clamp(min=0), reduction="none").mul(labelled).sum()
        cross_entropy = cross_entropy / labelled.sum().clamp(min=1)
        return cross_entropy + self.weight * self.reconstruction(preactivation, x)


# --------------------------------------------------------------------------
# Contractive penalty (Rifai et al., 2011)

class ContractivePenalty:
    """``weight`` · mean over the batch of ‖J_f(x)‖²_F.

    Reads the per-sample norms that a contractive module's ``forward`` returns
    third: ``(preactivation, code, jacobian_norms)``.

    Parameters
    ----------
    weight : float
        The contraction coefficient λ.
    """

    def __init__(self, weight):
        self.weight = weight

    def __call__(self, output):
        if self.weight == 0:
            return None
        return self.weight * output[2].mean()


# --------------------------------------------------------------------------
# Sparsity penalties (Goodfellow et al., ch. 14; Ng's sparse autoencoder)

SPARSITY_PENALTIES = ("l1", "kl")


def l1_sparsity(code):
    """Per-sample Σ_j |h_j|: the negative log of a Laplace prior on the code, up to constants.

    Returns a tensor of shape (B,).
    """
    return code.abs().sum(dim=1)


def kl_sparsity(code, target):
    """Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the mean activation of unit j over the batch.

    KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂)) for activations in
    (0, 1); ρ̂ is clamped away from 0 and 1 for stability. Returns a scalar.
    """
    eps = torch.finfo(code.dtype).eps
    rho_hat = code.mean(dim=0).clamp(eps, 1 - eps)  # (H,)
    rho = torch.as_tensor(target, dtype=code.dtype, device=code.device)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return kl.sum()


class SparsityPenalty:
    """``weight`` · Ω(h) of the code, the second item of the module's output.

    Parameters
    ----------
    weight : float
        The sparsity coefficient.
    kind : {"l1", "kl"}
        ``"l1"``: mean over the batch of Σ_j |h_j|. ``"kl"``: Σ_j KL(target ‖ ρ̂_j).
    target : float
        Target mean activation ρ for ``"kl"``.
    """

    def __init__(self, weight, kind="l1", target=0.05):
        if kind not in SPARSITY_PENALTIES:
            raise ValueError(f"Unknown sparsity penalty {kind!r}; choose one of {SPARSITY_PENALTIES}.")
        self.weight = weight
        self.kind = kind
        self.target = target

    def __call__(self, output):
        if self.weight == 0:
            return None
        code = output[1]
        if self.kind == "l1":
            return self.weight * l1_sparsity(code).mean()
        return self.weight * kl_sparsity(code, self.target)


# --------------------------------------------------------------------------
# Variational bounds (Kingma & Welling, 2014; Burda et al., 2016; Im et al., 2017)

LIKELIHOODS = ("bernoulli", "gaussian")
OBJECTIVES = ("elbo", "iwae")
_LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(mu, log_var):
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²), shape (B,)."""
    return 0.5 * (mu.square() + log_var.exp() - 1 - log_var).sum(dim=-1)


def log_normal_standard(z):
    """log N(z; 0, I) summed over the last axis."""
    return -0.5 * (z.square() + _LOG_2PI).sum(dim=-1)


def log_likelihood(decoder_output, x, likelihood, log_var=None):
    """log p(x|z) summed over features.

    ``decoder_output``: logits (Bernoulli) or means (Gaussian), shape (..., D);
    ``log_var``: the Gaussian's per-feature log-variance, shape (D,).
    """
    if likelihood == "bernoulli":
        return -F.binary_cross_entropy_with_logits(
            decoder_output, x.expand_as(decoder_output), reduction="none"
        ).sum(dim=-1)
    if likelihood == "gaussian":
        return -0.5 * ((x - decoder_output).square() / log_var.exp() + log_var + _LOG_2PI).sum(dim=-1)
    raise ValueError(f"Unknown likelihood {likelihood!r}; choose one of {LIKELIHOODS}.")


def variational_bound(output, x, likelihood, *, objective="elbo", beta=1.0):
    """Per-sample lower bound on log p(x), in nats (shape (B,)).

    ``"elbo"``: 1/K Σ_k log p(x|z_k) − β KL(q(z|x) ‖ p(z)), with the KL in
    closed form. ``"iwae"``: log 1/K Σ_k w_k with
    log w_k = log p(x|z_k) + β (log p(z_k) − log q(z_k|x)) (Burda et al.),
    which is ≥ the ELBO and tightens as K grows (for β = 1).

    Parameters
    ----------
    output : tuple
        A variational module's output ``(mu, log_var, eps, z, decoded, decoder_log_var)``:
        the posterior parameters (B, H) computed from the (possibly corrupted)
        input, the standard normal draws ε (K, B, H), the samples
        z_k = μ + σ ε_k (the reparameterisation trick), the decoder's logits or
        means at each z_k (K, B, D), and the Gaussian decoder's log-variance
        (D,) or ``None``.
    x : torch.Tensor of shape (B, D)
        The clean data whose likelihood is bounded.
    likelihood : {"bernoulli", "gaussian"}
    objective : {"elbo", "iwae"}, default="elbo"
    beta : float, default=1.0
        Weight of the KL (ELBO) or of the prior/posterior ratio (IWAE); a bound on
        log p(x) only for β = 1.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"Unknown objective {objective!r}; choose one of {OBJECTIVES}.")
    mu, log_var, eps, z, decoded, decoder_log_var = output
    log_px = log_likelihood(decoded, x, likelihood, decoder_log_var)  # (K, B)
    if objective == "elbo":
        return log_px.mean(dim=0) - beta * gaussian_kl(mu, log_var)
    K = eps.shape[0]
    log_q = -0.5 * (eps.square() + log_var + _LOG_2PI).sum(dim=-1)  # log q(z|x), (K, B)
    log_w = log_px + beta * (log_normal_standard(z) - log_q)
    return torch.logsumexp(log_w, dim=0) - math.log(K)


class VariationalLoss(nn.Module):
    """A skorch criterion: the negative mean :func:`variational_bound` of the clean batch.

    Parameters
    ----------
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
    objective : {"elbo", "iwae"}, default="elbo"
    beta : float, default=1.0
    """

    def __init__(self, likelihood="bernoulli", objective="elbo", beta=1.0):
        super().__init__()
        self.likelihood = likelihood
        self.objective = objective
        self.beta = beta

    def forward(self, output, target):
        bound = variational_bound(output, target, self.likelihood, objective=self.objective, beta=self.beta)
        return -bound.mean()


class MaskedSquaredError(nn.Module):
    """Squared error over the observed entries of each row (summed), averaged over rows.

    ``target`` holds the values, then 1 where the entry is a target and 0 where it is
    not (missing, or held out): shape (B, 2D). Further columns (the imputer's
    held-out mask) are ignored.
    """

    def forward(self, output, target):
        preactivation = output[0] if isinstance(output, (tuple, list)) else output
        width = preactivation.shape[1]
        values, observed = target[:, :width], target[:, width:2 * width]
        return ((preactivation - values).square() * observed).sum() / len(target)


class TableLoss(nn.Module):
    """A table's reconstruction loss: squared error on numeric columns, cross-entropy on one-hot blocks.

    Each column's loss is multiplied by its weight and summed over the
    observed columns of a row, then averaged over rows. A block (a categorical
    or bool column, one-hot) scores the softmax of its pre-activations: its
    negative log-likelihood. With weights ``1 / (the loss of predicting the
    column's marginal)`` (its variance, or its categories' entropy), every
    column's loss starts near 1, so that no column type dominates.

    Parameters
    ----------
    widths : sequence of int
        Each column's width in the encoding (1 for a numeric column).
    numeric : sequence of bool
        Which columns are numeric (the others are one-hot blocks).
    weights : sequence of float
        Each column's weight.
    penalty : callable or None, default=None
        ``penalty(output) -> scalar tensor or None``, added as in
        :class:`ReconstructionLoss`.

    Notes
    -----
    ``forward(output, target)``: ``target`` holds the encoded values (width
    ``sum(widths)``), then optionally 1 where a column of the row is a target
    and 0 where not (width ``len(widths)``); further columns are ignored.
    """

    def __init__(self, widths, numeric, weights, penalty=None):
        super().__init__()
        self.penalty = penalty
        if not len(widths) == len(numeric) == len(weights):
            raise ValueError("widths, numeric and weights must have one entry per column.")
        starts = [0]
        for width in widths:
            starts.append(starts[-1] + int(width))
        self.width = starts[-1]
        numeric_columns = [j for j, is_numeric in enumerate(numeric) if is_numeric]
        self.blocks = [(starts[j], starts[j + 1]) for j, is_numeric in enumerate(numeric) if not is_numeric]
        order = numeric_columns + [j for j, is_numeric in enumerate(numeric) if not is_numeric]
        self.register_buffer("numeric_positions", torch.tensor([starts[j] for j in numeric_columns], dtype=torch.long))
        self.register_buffer("column_order", torch.argsort(torch.tensor(order, dtype=torch.long)))
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float32))

    def column_losses(self, preactivation, values):
        """Each column's weighted loss, shape (B, n_columns)."""
        parts = []
        if len(self.numeric_positions):
            index = self.numeric_positions
            parts.append((preactivation[:, index] - values[:, index]).square())
        if self.blocks:
            parts.append(torch.stack([-(F.log_softmax(preactivation[:, a:b], dim=1) * values[:, a:b]).sum(dim=1)
                                      for a, b in self.blocks], dim=1))
        losses = torch.cat(parts, dim=1).index_select(1, self.column_order)
        return losses * self.weights.to(losses.dtype)

    def forward(self, output, target):
        preactivation = output[0] if isinstance(output, (tuple, list)) else output
        losses = self.column_losses(preactivation, target[:, :self.width])
        n_columns = len(self.weights)
        if target.shape[1] >= self.width + n_columns:
            losses = losses * target[:, self.width:self.width + n_columns]
        loss = losses.sum() / len(target)
        penalty = None if self.penalty is None else self.penalty(output)
        return loss if penalty is None else loss + penalty
