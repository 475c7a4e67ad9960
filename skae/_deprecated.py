"""The module paths of skae before its layout in ``nn`` / ``engine`` / ``models`` / ``io``, as deprecated aliases.

``import skae.losses`` or ``from skae.dae import DenoisingAutoencoder`` keep
working: each old path is a small module object in ``sys.modules`` whose
attributes come from the new module(s), with a ``DeprecationWarning`` naming
them. The old private paths are there too, so that objects pickled before the
layout (which name, e.g., ``skae._net.SkaeNet``) still unpickle.
"""

import importlib
import sys
import types
import warnings

__all__ = ["MOVED", "install_aliases"]

#: Old module path -> new module path(s), searched in turn for a name.
MOVED = {
    "skae._net": "skae.engine.net",
    "skae._data": "skae.engine.data",
    "skae._callbacks": "skae.engine.callbacks",
    "skae._progress": "skae.engine.progress",
    "skae._weights": "skae.nn.init",
    "skae._modular": ("skae.nn.autoencoders", "skae.nn.conv", "skae.nn.layers"),
    "skae.corruption": "skae.nn.corruption",
    "skae.losses": "skae.nn.losses",
    "skae.dae": "skae.models.dae",
    "skae.stacked": "skae.models.stacked",
    "skae.stacked_classifier": "skae.models.classifier",
    "skae.contractive": "skae.models.contractive",
    "skae.sparse": "skae.models.sparse",
    "skae.vae": "skae.models.vae",
    "skae.dvae": "skae.models.dvae",
    "skae.impute": "skae.models.impute",
    "skae.outlier": "skae.models.outlier",
    "skae.parallel": "skae.engine.parallel",
    "skae.persistence": "skae.io.persistence",
    "skae.checkpoint": "skae.io.checkpoint",
}


class _MovedModule(types.ModuleType):
    """A module that forwards attribute access to its new home, with a DeprecationWarning."""

    def __init__(self, name, targets):
        self.__targets = (targets,) if isinstance(targets, str) else tuple(targets)
        super().__init__(name, f"Deprecated alias of {' and '.join(self.__targets)}.")

    def __getattr__(self, attr):
        if attr.startswith("__") and attr != "__all__":  # (inspect asks for __file__ and the like)
            raise AttributeError(attr)
        for target in self.__targets:
            module = importlib.import_module(target)
            if hasattr(module, attr):
                warnings.warn(f"{self.__name__} moved to {target}; import {attr} from there (or from skae). "
                              f"The old path will be removed in a future release.", DeprecationWarning,
                              stacklevel=2)
                if attr == "__all__":
                    return [name for t in self.__targets for name in importlib.import_module(t).__all__]
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} (moved to {' and '.join(self.__targets)}) has no "
                             f"attribute {attr!r}")


def install_aliases():
    """Register every old path in :data:`MOVED` (``import skae.losses`` then finds the alias)."""
    package = sys.modules["skae"]
    for old, new in MOVED.items():
        if old not in sys.modules:
            alias = _MovedModule(old, new)
            sys.modules[old] = alias
            if not old.rsplit(".", 1)[1].startswith("_"):
                setattr(package, old.rsplit(".", 1)[1], alias)
