"""Isotropic Gaussian mixtures whose smoothed score is known in closed form.

Data for checking score estimates (:meth:`skae.DenoisingAutoencoder.log_density_gradient`)
and samplers; exposed through :mod:`skae.datasets`.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_gaussian_mixture", "gaussian_mixture_score"]


def make_gaussian_mixture(n_samples, means, std, *, weights=None, random_state=None):
    """Rows from an isotropic Gaussian mixture: component k is N(means[k], std² I).

    With :func:`gaussian_mixture_score` it gives data whose (smoothed) score is
    known in closed form, e.g. a ring of modes:
    ``means = [(cos(a), sin(a)) for a in 2π k / 8]``.

    Parameters
    ----------
    n_samples : int
    means : array-like of shape (n_components, n_features)
    std : float
        Standard deviation of every component along every axis.
    weights : array-like of shape (n_components,) or None, default=None
        Mixing proportions (equal when None).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> from skae.datasets import make_gaussian_mixture
    >>> make_gaussian_mixture(5, [[0.0, 0.0], [3.0, 3.0]], 0.1, random_state=0).shape
    (5, 2)
    """
    means = np.asarray(means, dtype=np.float64)
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, dtype=np.float64)
    rng = check_random_state(random_state)
    component = rng.choice(len(means), size=n_samples, p=weights / weights.sum())
    return means[component] + std * rng.standard_normal((n_samples, means.shape[1]))


def gaussian_mixture_score(X, means, std, *, sigma=0.0, weights=None):
    """The exact score ∇ log q_σ(x) of the mixture of :func:`make_gaussian_mixture` smoothed by N(0, σ² I).

    Smoothing adds σ² to every component's variance, so
    ∇ log q_σ(x) = Σ_k r_k(x) (μ_k − x) / (std² + σ²), where r_k(x) is
    component k's responsibility for x under the smoothed mixture. This is what
    a denoising autoencoder trained with ``GaussianNoise(std=sigma)`` estimates
    (:meth:`skae.DenoisingAutoencoder.log_density_gradient`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    means, std, weights
        The mixture, as in :func:`make_gaussian_mixture`.
    sigma : float, default=0.0
        Standard deviation of the smoothing noise.

    Returns
    -------
    score : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> from skae.datasets import gaussian_mixture_score
    >>> gaussian_mixture_score([[1.0, 0.0]], [[0.0, 0.0]], 1.0, sigma=1.0)
    array([[-0.5,  0. ]])
    """
    X = np.asarray(X, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, dtype=np.float64)
    var = std**2 + sigma**2
    log_r = np.log(weights) - ((X[:, None, :] - means[None]) ** 2).sum(axis=2) / (2 * var)  # (n, K)
    log_r -= log_r.max(axis=1, keepdims=True)
    r = np.exp(log_r)
    r /= r.sum(axis=1, keepdims=True)
    return (r @ means - X) / var
