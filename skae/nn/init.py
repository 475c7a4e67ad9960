"""Seeded weight initialisation of skae's modules (torch only).

Modules are built without touching torch's global random state
(:func:`build_without_global_rng`) and initialised from an explicit
``torch.Generator``: Glorot-uniform for skae's MLPs (:func:`init_weights`),
torch's own defaults for a user's modules (:func:`seeded_reset_parameters`).
"""

import math

import torch
from torch import nn
from torch.nn.modules.conv import _ConvNd

from .layers import TiedLinear

__all__ = ["build_without_global_rng", "init_weights", "seeded_reset_parameters"]

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


#: Layers whose ``reset_parameters`` :func:`seeded_reset_parameters` reproduces with a generator.
_STOCK_RESETS = {nn.Linear: nn.Linear.reset_parameters, _ConvNd: _ConvNd.reset_parameters}


def _stock_reset(layer):
    """Whether ``layer`` resets as torch's Linear and convolutions do (kaiming-uniform weight, uniform bias)."""
    return any(isinstance(layer, base) and type(layer).reset_parameters is reset
               for base, reset in _STOCK_RESETS.items())


@torch.no_grad()
def seeded_reset_parameters(module, generator):
    """Call each submodule's ``reset_parameters`` (torch's default initialisation), drawing from ``generator``.

    Linear and convolution layers (the common case) are initialised as their
    ``reset_parameters`` does, from ``generator``: torch's global random state
    is never read or written. Any other layer with a ``reset_parameters`` of its
    own draws from torch's global CPU generator, so it runs with that generator
    set to ``generator``'s state, and the global state is restored afterwards
    (the CUDA generators are never touched). The draws are those of
    ``torch.manual_seed(s)`` followed by the layers' own resets, for
    ``generator = torch.Generator().manual_seed(s)``.

    Parameters
    ----------
    module : torch.nn.Module
        Its submodules (not ``module`` itself) are reset, in ``module.modules()`` order.
    generator : torch.Generator
        A CPU generator.

    Returns
    -------
    module : torch.nn.Module
    """
    for layer in module.modules():
        if layer is module or not hasattr(layer, "reset_parameters"):
            continue
        if _stock_reset(layer):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        else:
            with torch.random.fork_rng(devices=[]):
                torch.default_generator.set_state(generator.get_state())
                layer.reset_parameters()
                generator.set_state(torch.default_generator.get_state())
    return module
