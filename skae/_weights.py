"""Seeded weight initialisation of skae's modules (torch only).

Modules are built without touching torch's global random state
(:func:`build_without_global_rng`) and initialised from an explicit
``torch.Generator`` (:func:`init_weights`).
"""

import torch
from torch import nn

from .modules import TiedLinear

__all__ = ["build_without_global_rng", "init_weights"]

# Gain for Glorot-uniform initialisation of a layer followed by this activation.
_GAINS = {
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": 2.0**0.5,
    "leaky_relu": nn.init.calculate_gain("leaky_relu", 0.01),
    "elu": 2.0**0.5,
    "gelu": 2.0**0.5,
    "softplus": 1.0,
    "identity": 1.0,
}


def build_without_global_rng(factory, *args, **kwargs):
    """Call ``factory(*args, **kwargs)`` leaving torch's global CPU RNG as it was.

    ``nn.Linear`` draws its default initialisation from the global generator;
    building inside ``torch.random.fork_rng`` restores that state afterwards.
    Call :func:`init_weights` on the result to initialise it reproducibly.
    """
    with torch.random.fork_rng(devices=[]):
        return factory(*args, **kwargs)


@torch.no_grad()
def init_weights(module, generator, activation="sigmoid"):
    """Glorot-uniform weights and zero biases for every linear layer of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        Module whose ``nn.Linear`` layers are (re)initialised in place; tied
        layers share their weight with an encoder layer and only get a zero bias.
    generator : torch.Generator
        Source of randomness (CPU).
    activation : str, default="sigmoid"
        The hidden activation, which sets the Glorot gain.

    Returns
    -------
    module : torch.nn.Module
    """
    gain = _GAINS.get(activation, 1.0)
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, gain=gain, generator=generator)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, TiedLinear):
            nn.init.zeros_(layer.bias)
    return module
