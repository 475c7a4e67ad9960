"""Jacobians of encoders (torch only): the contractive penalty's exact ‖J_f(x)‖²_F."""

import math

import torch
from torch import nn

__all__ = ["jacobian_frobenius_sq"]


# d act(z) / dz expressed through h = act(z), for a closed form that needs
# only the code (no second pass through the layer).
_DERIVATIVE_FROM_OUTPUT = {
    "Sigmoid": lambda h: h * (1 - h),
    "Tanh": lambda h: 1 - h.square(),
    "ReLU": lambda h: (h > 0).to(h.dtype),
    "Identity": lambda h: torch.ones_like(h),
    "Softplus": lambda h: -torch.expm1(-h),  # sigmoid(z) = 1 - exp(-softplus(z)), beta=1
}


# d act(z) / dz from the pre-activation z, for activations whose slope is not a
# function of the output alone (or not cheaply); one extra matmul for z.
_DERIVATIVE_FROM_INPUT = {
    "GELU": lambda z, act: 0.5 * (1 + torch.erf(z * _SQRT_HALF)) + z * torch.exp(-0.5 * z.square()) * _INV_SQRT_2PI,
    "ELU": lambda z, act: torch.where(z > 0, torch.ones_like(z), act.alpha * torch.exp(z)),
    "LeakyReLU": lambda z, act: torch.where(z > 0, torch.ones_like(z), torch.full_like(z, act.negative_slope)),
    "Softplus": lambda z, act: torch.where(z * act.beta > act.threshold, torch.ones_like(z),
                                           torch.sigmoid(z * act.beta)),
}
_SQRT_HALF, _INV_SQRT_2PI = math.sqrt(0.5), 1 / math.sqrt(2 * math.pi)


def _single_layer(encoder):
    """``(linear, activation)`` if ``encoder`` is Linear + an activation with a closed-form slope, else None."""
    layers = list(encoder) if isinstance(encoder, nn.Sequential) else [encoder]
    if len(layers) != 2 or not isinstance(layers[0], nn.Linear):
        return None
    name = type(layers[1]).__name__
    if name not in _DERIVATIVE_FROM_OUTPUT and name not in _DERIVATIVE_FROM_INPUT:
        return None
    if name == "GELU" and layers[1].approximate != "none":
        return None
    return layers[0], layers[1]


def _slope(linear, act, x, code):
    """s'(z) at each code unit, from the code where it suffices, else from z = Wx + b."""
    name = type(act).__name__
    softplus_as_output = name == "Softplus" and act.beta == 1 and act.threshold >= 20
    if name in _DERIVATIVE_FROM_OUTPUT and (name != "Softplus" or softplus_as_output):
        return _DERIVATIVE_FROM_OUTPUT[name](act(linear(x)) if code is None else code)
    return _DERIVATIVE_FROM_INPUT[name](linear(x), act)


def jacobian_frobenius_sq(encoder, x, code=None):
    """Exact squared Frobenius norm of the encoder Jacobian at each row of ``x``.

    ‖J_f(x)‖²_F = Σ_{j,i} (∂f_j(x)/∂x_i)². For a one-layer encoder
    h = s(Wx + b) with an elementwise activation s, the closed form
    Σ_j s'(z_j)² ‖W_j‖² is used: from the code ``h`` alone for sigmoid
    (s' = h(1 − h)), tanh, ReLU, identity and softplus, and from the
    pre-activation z = Wx + b for GELU, ELU and LeakyReLU. Any other encoder gets the full per-sample Jacobian
    from ``torch.func`` (``vmap`` of ``jacrev``: one batched vector-Jacobian
    product per code unit). Both are differentiable with respect to the
    encoder's parameters.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps (B, D) to (B, H).
    x : torch.Tensor of shape (B, D)
    code : torch.Tensor of shape (B, H), default=None
        ``encoder(x)`` if already computed (used by the closed form).

    Returns
    -------
    norms : torch.Tensor of shape (B,)
    """
    single = _single_layer(encoder)
    if single is not None:
        linear, act = single
        slope = _slope(linear, act, x, code)  # (B, H)
        row_norms = linear.weight.square().sum(dim=1)  # (H,) = ‖W_j‖²
        return slope.square() @ row_norms
    from torch.func import jacrev, vmap

    J = vmap(jacrev(encoder))(x)  # (B, H, D)
    return J.square().sum(dim=(1, 2))
