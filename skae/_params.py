"""Parameter helpers shared by the estimators: constraints and the corruption parameter."""

from sklearn.utils._param_validation import HasMethods, StrOptions

from .losses import RECONSTRUCTION_LOSSES
from .modules import ACTIVATIONS

__all__ = ["MLP_CONSTRAINTS", "CORRUPTION", "CorruptionParamMixin"]

#: Parameter constraints of the MLP autoencoders (DAE, stacks, CAE, SAE).
MLP_CONSTRAINTS = {
    "activation": [StrOptions(set(ACTIVATIONS))],
    "tied_weights": ["boolean"],
    "loss": [StrOptions({"auto", *RECONSTRUCTION_LOSSES})],
}

#: The constraint of a ``corruption`` parameter.
CORRUPTION = [HasMethods(["__call__", "get_params", "set_params"]), None]


def _in_unit_interval(X):
    """Whether every entry of ``X`` lies in [0, 1] (what ``"auto"`` losses look at)."""
    return X.size == 0 or (X.min() >= 0 and X.max() <= 1)


def _copy_corruption(corruption):
    """A validated copy of a corruption object (``None`` stays ``None``)."""
    if corruption is None:
        return None
    copied = type(corruption)(**corruption.get_params(deep=False))
    if hasattr(copied, "validate"):
        copied.validate()
    return copied


class CorruptionParamMixin:
    """A ``corruption`` parameter: a validated copy in ``corruption_``, applied to training batches.

    ``set_params(corruption__rate=...)`` first replaces ``corruption`` by a
    copy of itself, so the default instance in the signature, or an object the
    user passed to several estimators, is never modified.
    """

    def set_params(self, **params):
        nested = [k for k in params if k.startswith("corruption__")]
        if nested and "corruption" not in params:
            corruption = self.corruption
            if hasattr(corruption, "get_params"):
                self.corruption = _copy_corruption(corruption)
        return super().set_params(**params)

    def _check_params(self):
        super()._check_params()
        self.corruption_ = _copy_corruption(self.corruption)

    def _objective(self):
        return {**super()._objective(), "corruption": self.corruption_}
