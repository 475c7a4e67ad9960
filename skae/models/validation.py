"""Checks of the data an estimator is given (numpy only): ranges the training and the loss need."""

import numpy as np

__all__ = ["check_float32_range", "check_X_for_loss", "in_unit_interval", "refuse_fit_params"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X):
    """Raise ``ValueError`` if float64 ``X`` holds finite values float32 (training) cannot."""
    if X.dtype == np.float64 and X.size:
        largest = max(abs(X.min()), abs(X.max()))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"X holds finite values beyond float32's range (|x| up to {largest:.3g}); "
                f"training runs in float32. Rescale X first."
            )


def check_X_for_loss(X, loss):
    """Raise ``ValueError`` if ``X`` leaves [0, 1] under a cross-entropy (Bernoulli) loss."""
    if loss == "cross_entropy" and X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(
            "loss='cross_entropy' (a Bernoulli likelihood) needs X in [0, 1], but X spans "
            f"[{X.min():.4g}, {X.max():.4g}]. Scale X (e.g. MinMaxScaler) or use "
            "loss='squared_error'."
        )


def in_unit_interval(X):
    """Whether every entry of ``X`` lies in [0, 1] (what ``"auto"`` losses look at)."""
    return X.size == 0 or (X.min() >= 0 and X.max() <= 1)


def refuse_fit_params(estimator, fit_params):
    """A clear error for ``fit(..., sample_weight=...)`` and other fit parameters the estimator has none of.

    Every row counts once in skae's losses; a weight would have to scale each
    row's loss in every phase, which the models do not do.
    """
    fit_params = {k: v for k, v in fit_params.items() if not (k == "sample_weight" and v is None)}
    if not fit_params:  # (sample_weight=None, as meta-estimators pass it, is no weight)
        return
    name = type(estimator).__name__
    if "sample_weight" in fit_params:
        raise ValueError(
            f"{name} does not support sample_weight: every row counts once in its loss. To weight rows, "
            f"repeat them (np.repeat(X, counts, axis=0) for integer weights) or resample them with "
            f"probabilities proportional to the weights."
        )
    raise TypeError(f"{name}.fit() got unexpected keyword arguments {sorted(fit_params)}.")
