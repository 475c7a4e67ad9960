"""The module paths of skae before its layout in ``nn`` / ``engine`` / ``models`` / ``io``, as deprecated aliases.

``import skae.losses`` or ``from skae.dae import DenoisingAutoencoder`` keep
working: each old path is a small module object in ``sys.modules`` whose
attributes come from the new module, with a ``DeprecationWarning`` naming it.
"""

import importlib
import sys
import types
import warnings

__all__ = ["MOVED", "install_aliases"]

#: Old public module path -> new module path.
MOVED = {
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

    def __init__(self, name, target):
        super().__init__(name, f"Deprecated alias of {target}.")
        self.__target = target

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        warnings.warn(f"{self.__name__} moved to {self.__target}; import {attr} from there (or from skae). "
                      f"The old path will be removed in a future release.", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(self.__target), attr)


def install_aliases():
    """Register every old path in :data:`MOVED` (``import skae.losses`` then finds the alias)."""
    package = sys.modules["skae"]
    for old, new in MOVED.items():
        if old not in sys.modules:
            alias = _MovedModule(old, new)
            sys.modules[old] = alias
            setattr(package, old.rsplit(".", 1)[1], alias)
