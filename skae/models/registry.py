"""The registry of estimator classes, by the name a model file stores: what :mod:`skae.io` may rebuild."""

__all__ = ["Registered", "registered_estimators", "registry_name"]

#: Every estimator class, by the name a model file stores (see :func:`registered_estimators`).
_REGISTRY = {}


def registered_estimators():
    """``{name: class}`` of every estimator class defined so far: skae's by their name, others by import path.

    Classes register themselves when they are defined (``__init_subclass__``),
    so :mod:`skae.io` saves and loads a new model with no edit of its own.
    """
    return dict(_REGISTRY)


def registry_name(cls):
    """The name a model file stores for ``cls``: ``DenoisingAutoencoder``, or ``package.module.Class``."""
    return cls.__name__ if cls.__module__.startswith("skae.") else f"{cls.__module__}.{cls.__qualname__}"


class Registered:
    """Classes derived from this one register themselves for :mod:`skae.io`.

    Private names (a leading ``_``) and base classes that set ``_abstract = True``
    in their own body are left out.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_") and not cls.__dict__.get("_abstract", False):
            _REGISTRY[registry_name(cls)] = cls
