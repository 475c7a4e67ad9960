"""skae: scikit-learn-compatible autoencoders on PyTorch, trained through skorch."""

from ._net import DivergenceError
from .corruption import GaussianNoise, MaskingNoise, SaltAndPepperNoise
from .dae import DenoisingAutoencoder

__version__ = "0.1.0.dev0"

__all__ = [
    "DenoisingAutoencoder",
    "DivergenceError",
    "GaussianNoise",
    "MaskingNoise",
    "SaltAndPepperNoise",
    "__version__",
]
