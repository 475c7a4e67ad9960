"""The DAE as a score estimator (Vincent 2011) and a sampler (Bengio et al. 2013)."""

import numpy as np
import pytest

from skae import DenoisingAutoencoder, GaussianNoise, MaskingNoise, SaltAndPepperNoise


def gaussian_dae(sigma=0.5, seed=0):
    rng = np.random.RandomState(seed)
    scales = np.array([1.0, 2.0])
    X = rng.normal(size=(20_000, 2)) * scales
    dae = DenoisingAutoencoder(n_components=2, activation="identity", loss="squared_error",
                               corruption=GaussianNoise(std=sigma), max_iter=20, batch_size=256, lr=1e-2,
                               random_state=0).fit(X)
    for lr in (1e-3, 1e-4):  # anneal: the score divides the denoiser's error by sigma^2
        dae.set_params(lr=lr, batch_size=1024)
        for _ in range(10):
            dae.partial_fit(X)
    return dae, X, scales, rng


def test_log_density_gradient_is_the_score_of_the_smoothed_gaussian():
    sigma = 0.5
    dae, _, scales, rng = gaussian_dae(sigma)
    X_test = rng.normal(size=(500, 2)) * scales
    score = dae.log_density_gradient(X_test)
    np.testing.assert_allclose(score, (dae.inverse_transform(dae.transform(X_test)) - X_test) / sigma**2)
    exact = -X_test / (scales**2 + sigma**2)
    assert np.linalg.norm(score - exact) / np.linalg.norm(exact) < 0.05


@pytest.mark.parametrize("kwargs", [dict(corruption=MaskingNoise(0.25)), dict(corruption=GaussianNoise(0.1),
                                    loss="cross_entropy"), dict(corruption=None)])
def test_log_density_gradient_needs_gaussian_noise_and_squared_error(small_digits, kwargs):
    dae = DenoisingAutoencoder(8, max_iter=1, random_state=0, **kwargs).fit(small_digits[0])
    with pytest.raises(ValueError, match="GaussianNoise\\(std > 0\\) and loss='squared_error'"):
        dae.log_density_gradient(small_digits[0])


def test_the_gaussian_chain_samples_the_data_distribution():
    """On N(0, diag(1, 4)) the chain's stationary rows have the data's mean and spread."""
    dae, X, scales, _ = gaussian_dae(0.5)
    assert dae.reconstruction_variance_.shape == (2,) and np.all(dae.reconstruction_variance_ > 0)
    samples, path = dae.sample(2000, n_steps=30, random_state=0, return_path=True)
    assert path.shape == (31, 2000, 2) and np.array_equal(path[-1], samples)
    assert np.all(np.abs(samples.mean(axis=0)) < 0.15 * scales)
    np.testing.assert_allclose(samples.std(axis=0), scales, rtol=0.15)
    np.testing.assert_array_equal(dae.sample(5, n_steps=3, random_state=1), dae.sample(5, n_steps=3, random_state=1))
    from_rows = dae.sample(n_steps=2, init=X[:7], random_state=0)
    assert from_rows.shape == (7, 2)


def test_the_bernoulli_chain_on_binary_digits_works_with_any_corruption(digits):
    X = (digits[0] > 0.5).astype(np.float64)
    for corruption in (MaskingNoise(0.3), SaltAndPepperNoise(0.1), GaussianNoise(0.3)):
        dae = DenoisingAutoencoder(32, corruption=corruption, max_iter=5, random_state=0).fit(X)
        samples = dae.sample(10, n_steps=5, random_state=0)
        assert samples.shape == (10, 64) and set(np.unique(samples)) <= {0.0, 1.0}
        assert dae.reconstruction_variance_ is None


def test_bad_sample_arguments(small_digits):
    dae = DenoisingAutoencoder(8, max_iter=1, random_state=0).fit(small_digits[0])
    with pytest.raises(ValueError, match="n_steps"):
        dae.sample(2, n_steps=0)
    with pytest.raises(ValueError, match="init must be 'noise'"):
        dae.sample(2, init="data")
    with pytest.raises(ValueError, match="init has 3 features"):
        dae.sample(init=np.zeros((2, 3)))
