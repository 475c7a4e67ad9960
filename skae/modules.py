"""The torch modules a user may build on or pass as ``encoder=`` / ``decoder=``.

They live in :mod:`skae.nn` (torch only); this module gathers the public ones
under the name users import them by.
"""

from .nn.autoencoders import (
    Autoencoder,
    Classifier,
    ContractiveAutoencoder,
    ContractiveModularAutoencoder,
    Decoder,
    GaussianEncoder,
    ModularAutoencoder,
    PosteriorEncoder,
    StackedAutoencoder,
    VariationalAutoencoder,
)
from .nn.conv import ConvDecoder, ConvEncoder
from .nn.layers import ACTIVATIONS, Reshape, Shift, TiedLinear, make_activation, mlp

__all__ = [
    "ACTIVATIONS", "make_activation", "mlp", "Shift", "TiedLinear", "Reshape", "Decoder", "Autoencoder",
    "ContractiveAutoencoder", "StackedAutoencoder", "Classifier", "GaussianEncoder", "VariationalAutoencoder",
    "ModularAutoencoder", "ContractiveModularAutoencoder", "PosteriorEncoder", "ConvEncoder", "ConvDecoder",
]
