"""Parameter declarations shared by the estimators: constraints, and the corruption parameter object."""

from sklearn.utils._param_validation import HasMethods, StrOptions

from ..nn.corruption import MaskingNoise
from ..nn.layers import ACTIVATIONS
from ..nn.losses import RECONSTRUCTION_LOSSES

__all__ = ["MLP_CONSTRAINTS", "CORRUPTION", "DEFAULT_MASKING", "copy_corruption", "own_default"]

#: Parameter constraints of the MLP autoencoders (DAE, stacks, CAE, SAE).
MLP_CONSTRAINTS = {
    "activation": [StrOptions(set(ACTIVATIONS))],
    "tied_weights": ["boolean"],
    "loss": [StrOptions({"auto", *RECONSTRUCTION_LOSSES})],
}

#: The constraint of a ``corruption`` parameter.
CORRUPTION = [HasMethods(["__call__", "get_params", "set_params"]), None]

#: The default corruption of the DAE and the stacks, as the signatures show it.
#: ``__init__`` stores a copy of it (:func:`own_default`), never the object itself.
DEFAULT_MASKING = MaskingNoise(rate=0.25)


def own_default(value, default):
    """``value``, or this estimator's own copy of ``default`` when ``value`` is the signature's object.

    A default parameter object in a signature is one object for every call; an
    estimator that stored it would share it with every other (``a.corruption.rate
    = 0.9`` would change the class default). A value the user passed is stored as
    it is, as ``clone`` requires; ``fit`` works on a validated copy of either.
    """
    return default.copy() if value is default else value


def copy_corruption(corruption):
    """A validated copy of a corruption object (``None`` stays ``None``)."""
    if corruption is None:
        return None
    copied = type(corruption)(**corruption.get_params(deep=False))
    if hasattr(copied, "validate"):
        copied.validate()
    return copied
