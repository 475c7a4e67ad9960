"""skae: scikit-learn-compatible autoencoders on PyTorch, trained through skorch.

The package is layered, each layer importing only those before it:
:mod:`skae.nn` (torch modules, losses, corruption), :mod:`skae.engine` (the
skorch net that trains them), :mod:`skae.models` (the scikit-learn estimators)
and :mod:`skae.io` (persistence and checkpoints).
"""

from ._deprecated import install_aliases
from ._version import __version__
from .engine.callbacks import DivergenceError
from .engine.parallel import data_parallel
from .io.checkpoint import resumable_fit
from .io.persistence import load, save
from .models.classifier import StackedDAEClassifier
from .models.contractive import ContractiveAE
from .models.dae import DenoisingAutoencoder
from .models.dvae import DVAE
from .models.impute import DenoisingImputer
from .models.outlier import AutoencoderOutlierDetector
from .models.sparse import SparseAE
from .models.stacked import StackedDAE
from .models.vae import VAE
from .nn.corruption import GaussianNoise, MaskingNoise, SaltAndPepperNoise

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

install_aliases()
