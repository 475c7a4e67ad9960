"""Model claims from the seed papers, checked on data."""

import numpy as np

from skae import DenoisingAutoencoder, GaussianNoise


def test_gaussian_dae_estimates_the_score_of_the_smoothed_density():
    """Vincent (2011): (r(x) - x) / sigma^2 estimates grad log p_sigma(x)."""
    rng = np.random.RandomState(0)
    scales = np.array([1.0, 2.0])  # data ~ N(0, diag(1, 4))
    X = rng.normal(size=(20_000, 2)) * scales
    sigma = 0.5
    dae = DenoisingAutoencoder(
        n_components=2, activation="identity", loss="squared_error", corruption=GaussianNoise(std=sigma),
        max_iter=20, batch_size=256, lr=1e-2, random_state=0,
    ).fit(X)
    # (r(x) - x) / sigma^2 divides the denoiser's error by sigma^2: anneal the step size
    # with partial_fit so that the fit converges tightly (measured: 17% error before, 1.8% after).
    for lr in (1e-3, 1e-4):
        dae.set_params(lr=lr, batch_size=1024)
        for _ in range(10):
            dae.partial_fit(X)
    X_test = rng.normal(size=(500, 2)) * scales
    estimate = (dae.inverse_transform(dae.transform(X_test)) - X_test) / sigma**2
    exact = -X_test / (scales**2 + sigma**2)  # the score of N(0, diag(s^2 + sigma^2))
    relative_error = np.linalg.norm(estimate - exact) / np.linalg.norm(exact)
    assert relative_error < 0.05, relative_error
    # and it is not the score of the unsmoothed density, -x / s^2
    unsmoothed = -X_test / scales**2
    assert np.linalg.norm(estimate - unsmoothed) / np.linalg.norm(unsmoothed) > 0.1
