"""skae: scikit-learn-compatible autoencoders on PyTorch, trained through skorch."""

from ._net import DivergenceError
from .checkpoint import resumable_fit
from .contractive import ContractiveAE
from .corruption import GaussianNoise, MaskingNoise, SaltAndPepperNoise
from .dae import DenoisingAutoencoder
from .dvae import DVAE
from .impute import DenoisingImputer
from .outlier import AutoencoderOutlierDetector
from .parallel import data_parallel
from .persistence import load, save
from .sparse import SparseAE
from .stacked import StackedDAE
from .stacked_classifier import StackedDAEClassifier
from .vae import VAE

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderOutlierDetector",
    "ContractiveAE",
    "DVAE",
    "DenoisingAutoencoder",
    "DenoisingImputer",
    "DivergenceError",
    "GaussianNoise",
    "MaskingNoise",
    "SaltAndPepperNoise",
    "SparseAE",
    "StackedDAE",
    "StackedDAEClassifier",
    "VAE",
    "load",
    "resumable_fit",
    "save",
    "data_parallel",
    "__version__",
]
