"""Building blocks of skae's modules (torch only): activations, MLP stacks, tied and reshaping layers."""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ACTIVATIONS", "make_activation", "mlp", "Shift", "TiedLinear", "Reshape", "FlattenTrailing"]

#: Hidden activations by name.
ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}

def make_activation(name):
    """Return a new activation module for ``name`` (a key of :data:`ACTIVATIONS`)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        ) from None


def mlp(sizes, activation, final_activation=True):
    """``Linear`` layers through ``sizes`` with ``activation`` between them
    (and after the last one when ``final_activation``)."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if final_activation or i < len(sizes) - 2:
            layers.append(make_activation(activation))
    return nn.Sequential(*layers)


class Shift(nn.Module):
    """``x - offset``, the offset a buffer: saved with the weights, never trained."""

    def __init__(self, offset):
        super().__init__()
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32).clone())

    def forward(self, x):  # (B, D) -> (B, D)
        return x - self.offset


class TiedLinear(nn.Module):
    """A decoder layer tied to an encoder layer: with that layer's weight W (out × in), y = x W + b'.

    The weight is the *same* ``nn.Parameter`` as ``linear.weight`` (W' = Wᵀ, as
    in Vincent et al.); only the bias is its own.
    """

    def __init__(self, linear):
        super().__init__()
        self.weight = linear.weight  # shared parameter, shape (out, in) of `linear`
        self.bias = nn.Parameter(torch.zeros(linear.in_features))

    def forward(self, x):  # (B, out) -> (B, in)
        return F.linear(x, self.weight.t(), self.bias)

    def extra_repr(self):
        out_features, in_features = self.weight.shape
        return f"in_features={out_features}, out_features={in_features}, tied=True"


class Reshape(nn.Module):
    """Reshape the last dimension into ``shape``: ``(..., prod(shape)) -> (..., *shape)``."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x):
        return x.unflatten(-1, self.shape)


class FlattenTrailing(nn.Module):
    """Flatten the last ``n_dims`` dimensions: ``(..., *shape) -> (..., prod(shape))``."""

    def __init__(self, n_dims):
        super().__init__()
        self.n_dims = int(n_dims)

    def forward(self, x):
        return x.flatten(-self.n_dims)
