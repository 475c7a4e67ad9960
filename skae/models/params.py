"""Parameter declarations shared by the estimators: constraints, and the corruption parameter object."""

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, StrOptions

from ..nn.corruption import MaskingNoise
from ..nn.layers import ACTIVATIONS
from ..nn.losses import RECONSTRUCTION_LOSSES

__all__ = ["MLP_CONSTRAINTS", "CODE_SCALING", "CORRUPTION", "DEFAULT_MASKING", "copy_corruption", "copy_parameter_object",
           "is_parameter_object"]

#: Parameter constraints of the MLP autoencoders (DAE, stacks, CAE, SAE).
MLP_CONSTRAINTS = {
    "activation": [StrOptions(set(ACTIVATIONS))],
    "tied_weights": ["boolean"],
    "loss": [StrOptions({"auto", *RECONSTRUCTION_LOSSES})],
}

#: The constraint of the transformers' ``scale_codes`` (DAE, stacks, CAE, SAE).
CODE_SCALING = {"scale_codes": ["boolean"]}

#: The constraint of a ``corruption`` parameter.
CORRUPTION = [HasMethods(["__call__", "get_params", "set_params"]), None]

#: The default corruption of the DAE and the stacks, as the signatures show it. ``__init__``
#: stores a copy of it (:meth:`~skae.models.base.TorchEstimator._store_init_params`), never
#: the object itself, so that no two estimators share it.
DEFAULT_MASKING = MaskingNoise(rate=0.25)


def copy_corruption(corruption):
    """A validated copy of a corruption object (``None`` stays ``None``)."""
    if corruption is None:
        return None
    copied = copy_parameter_object(corruption)
    if hasattr(copied, "validate"):
        copied.validate()
    return copied


def copy_parameter_object(value):
    """A new object of ``value``'s class with its parameters (a corruption, say): ``type(v)(**v.get_params())``."""
    return type(value)(**value.get_params(deep=False))


def is_parameter_object(value):
    """Whether ``value`` is a parameter object (``get_params``, not an estimator or a class): a corruption."""
    return hasattr(value, "get_params") and not isinstance(value, (BaseEstimator, type))
