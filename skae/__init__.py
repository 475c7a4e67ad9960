"""skae: scikit-learn-compatible autoencoders on PyTorch, trained through skorch."""

from ._net import DivergenceError
from .corruption import GaussianNoise, MaskingNoise, SaltAndPepperNoise
from .dae import DenoisingAutoencoder
from .stacked import StackedDAE, StackedDAEClassifier

__version__ = "0.1.0.dev0"

__all__ = [
    "DenoisingAutoencoder",
    "DivergenceError",
    "GaussianNoise",
    "MaskingNoise",
    "SaltAndPepperNoise",
    "StackedDAE",
    "StackedDAEClassifier",
    "__version__",
]
