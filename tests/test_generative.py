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
    with pytest.raises(ValueError, match="init must be 'noise', 'data'"):
        dae.sample(2, init="training")
    with pytest.raises(ValueError, match="method must be 'chain' or 'langevin'"):
        dae.sample(2, method="gibbs")
    with pytest.raises(ValueError, match="step_size applies only to method='langevin'"):
        dae.sample(2, step_size=0.1)
    with pytest.raises(ValueError, match="sample\\(method='langevin'\\) needs a model trained with GaussianNoise"):
        dae.sample(2, method="langevin")
    with pytest.raises(ValueError, match="init has 3 features"):
        dae.sample(init=np.zeros((2, 3)))


def test_bad_langevin_step_size():
    dae, *_ = gaussian_dae_small()
    for bad in (0.0, -1.0, np.inf, "big"):
        with pytest.raises(ValueError, match="step_size must be a positive number"):
            dae.sample(2, method="langevin", step_size=bad)


def gaussian_dae_small():
    X = np.random.RandomState(0).normal(size=(500, 2))
    dae = DenoisingAutoencoder(4, activation="identity", loss="squared_error", corruption=GaussianNoise(0.5),
                               max_iter=2, random_state=0).fit(X)
    return dae, X


def test_chains_start_from_the_training_rows_the_model_keeps(small_digits):
    X = small_digits[0]
    dae = DenoisingAutoencoder(8, max_iter=1, random_state=0).fit(X)
    kept = dae.training_sample_
    assert kept.shape == (min(len(X), 1000), X.shape[1])
    rows = {tuple(r) for r in X.astype(np.float32).astype(np.float64)}
    assert all(tuple(r) in rows for r in kept)  # training rows, not made-up ones
    _, path = dae.sample(50, n_steps=1, init="data", random_state=0, return_path=True)
    assert all(tuple(r) in {tuple(k) for k in kept} for r in path[0])
    assert len({tuple(r) for r in path[0]}) > 25  # drawn at random, not the first row repeated
    del dae.training_sample_  # e.g. before sharing a model trained on private rows
    with pytest.raises(ValueError, match="init='data' needs the training rows"):
        dae.sample(2, init="data")
    assert dae.sample(2, init=X[:2], n_steps=1).shape == (2, X.shape[1])
    big = np.random.RandomState(0).normal(size=(3000, 3))
    kept = DenoisingAutoencoder(2, max_iter=1, random_state=0).fit(big).training_sample_
    assert kept.shape == (1000, 3) and not np.array_equal(kept, big[:1000].astype(np.float32))


def test_langevin_samples_the_smoothed_gaussian():
    """Langevin on the estimated score samples q_sigma = N(0, diag(1, 4) + sigma^2 I); denoising the
    last state is Tweedie's r(x), the model's reconstruction."""
    sigma = 0.5
    dae, X, scales, _ = gaussian_dae(sigma)
    samples, path = dae.sample(2000, n_steps=200, method="langevin", random_state=0, return_path=True)
    assert np.all(np.abs(samples.mean(axis=0)) < 0.15 * scales)
    # 2,000 rows estimate a std within ~2% (3 seeds: -2.2% to +1.8%); the unsmoothed 1.0 is 10.6% off
    np.testing.assert_allclose(samples.std(axis=0), np.sqrt(scales**2 + sigma**2), rtol=0.05)
    denoised = dae.sample(2000, n_steps=200, method="langevin", denoise_last=True, random_state=0)
    np.testing.assert_allclose(denoised, dae.inverse_transform(dae.transform(path[-1].astype(np.float32))),
                               rtol=1e-5, atol=1e-5)
    chain = dae.sample(3, n_steps=4, denoise_last=True, random_state=0)  # the mean of p(x | x~): no draw
    assert chain.shape == (3, 2) and np.isfinite(chain).all()


def test_the_score_of_a_10d_mixture_beats_kernel_density():
    """On a 4-component mixture in 10-D, the DAE's score is close to the exact smoothed score and closer
    than the score of a Gaussian KDE with bandwidth sigma on the same rows (the empirical q_sigma the DAE
    is fitted to). Over 3 seeds: DAE 0.127-0.143 relative error, KDE 0.211-0.222, unsmoothed score 1.01."""
    from skae.datasets import gaussian_mixture_score, make_gaussian_mixture

    sigma, std = 0.5, 0.5
    means = np.random.RandomState(0).normal(size=(4, 10))
    means *= 3 / np.linalg.norm(means, axis=1, keepdims=True)
    X = make_gaussian_mixture(10_000, means, std, random_state=0)
    dae = DenoisingAutoencoder(64, hidden_layer_sizes=(64,), activation="gelu", loss="squared_error",
                               corruption=GaussianNoise(sigma), max_iter=40, n_iter_no_change=40, batch_size=128,
                               lr=2e-3, random_state=0).fit(X)
    dae.set_params(lr=2e-4, batch_size=1000)
    for _ in range(10):
        dae.partial_fit(X)
    rng = np.random.RandomState(1)
    X_test = make_gaussian_mixture(2000, means, std, random_state=rng) + sigma * rng.normal(size=(2000, 10))
    exact = gaussian_mixture_score(X_test, means, std, sigma=sigma)

    def error(score):
        return np.linalg.norm(score - exact) / np.linalg.norm(exact)

    dae_error = error(dae.log_density_gradient(X_test))
    assert dae_error < 0.18  # mean 0.134, sd 0.008 over seeds
    assert dae_error < error(gaussian_mixture_score(X_test, X, sigma)) - 0.05
    assert error(gaussian_mixture_score(X_test, means, std)) > 0.9  # the unsmoothed score is another target


def test_gaussian_mixture_score_is_the_gradient_of_the_log_density():
    from scipy.stats import multivariate_normal

    from skae.datasets import gaussian_mixture_score

    means, std, sigma, weights = np.array([[0.0, 0.0], [2.0, 1.0]]), 0.7, 0.3, np.array([0.3, 0.7])
    var = std**2 + sigma**2

    def log_q(x):
        return np.log(sum(w * multivariate_normal(m, var * np.eye(2)).pdf(x) for w, m in zip(weights, means)))

    x, h = np.array([0.8, 0.4]), 1e-5
    numeric = [(log_q(x + h * e) - log_q(x - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(gaussian_mixture_score([x], means, std, sigma=sigma, weights=weights)[0], numeric,
                               rtol=1e-6)


@pytest.mark.slow
def test_chains_on_moons_land_on_the_data():
    """The 2-D goal: precision >= 0.8 and recall >= 0.9 at twice the noise scale (radius 0.1), where a
    2-component GaussianMixture gets about 0.5 precision. Over seeds 0-2: chain precision 0.875-0.908,
    recall 0.897-0.985; Langevin with denoise_last 0.932-0.950 and 0.919-0.991."""
    from sklearn.datasets import make_moons
    from sklearn.metrics import pairwise_distances
    from sklearn.mixture import GaussianMixture

    X = make_moons(5000, noise=0.05, random_state=0)[0]
    X_train, X_test = X[:3000], X[3000:]

    def precision_recall(samples):
        distances = pairwise_distances(samples, X_test)
        return (distances.min(axis=1) <= 0.1).mean(), (distances.min(axis=0) <= 0.1).mean()

    dae = DenoisingAutoencoder(64, hidden_layer_sizes=(128,), activation="gelu", loss="squared_error",
                               corruption=GaussianNoise(std=0.1), max_iter=150, n_iter_no_change=150, lr=3e-3,
                               batch_size=128, random_state=0).fit(X_train)
    precision, recall = precision_recall(dae.sample(2000, n_steps=100, init="data", random_state=0))
    assert precision >= 0.8 and recall >= 0.85
    langevin = dae.sample(2000, n_steps=300, init="data", method="langevin", denoise_last=True, random_state=0)
    assert min(precision_recall(langevin)) >= 0.9
    mixture = GaussianMixture(2, random_state=0).fit(X_train).sample(2000)[0]
    assert precision_recall(mixture)[0] < 0.65


@pytest.mark.slow
def test_the_chain_on_binarized_digits_is_closer_to_the_data_than_an_rbm_gibbs_chain(digits):
    """bench_sampling's digits claim, one seed: energy distance to held-out digits, DAE chain 0.020 +- 0.007
    against BernoulliRBM Gibbs 0.460 +- 0.079 over 3 seeds."""
    from sklearn.metrics import pairwise_distances
    from sklearn.neural_network import BernoulliRBM

    X = (digits[0] > 0.5).astype(np.float64)
    X = X[np.random.RandomState(0).permutation(len(X))]
    X_train, X_test = X[:1200], X[1200:]

    def energy_distance(A, B):
        within = [pairwise_distances(Z).sum() / (len(Z) * (len(Z) - 1)) for Z in (A, B)]
        return 2 * pairwise_distances(A, B).mean() - sum(within)

    dae = DenoisingAutoencoder(256, corruption=SaltAndPepperNoise(0.4), max_iter=100, lr=1e-3,  # as recorded
                               random_state=0).fit(X_train)
    chain = dae.sample(len(X_test), n_steps=100, random_state=0)
    rbm = BernoulliRBM(64, learning_rate=0.05, n_iter=50, random_state=0).fit(X_train)
    v = (np.random.RandomState(0).uniform(size=X_test.shape) < 0.5).astype(np.float64)
    for _ in range(1000):
        v = rbm.gibbs(v).astype(np.float64)
    assert energy_distance(chain, X_test) < 0.05 < 0.2 < energy_distance(v, X_test)


def test_a_diverging_chain_raises_instead_of_returning_nan():
    """A model whose reconstruction doubles its input (r(x) = 2x) sends every chain to infinity; sample
    names the step instead of returning inf/NaN rows (seen on moons with a 3-layer DAE)."""
    import torch

    dae, X = gaussian_dae_small()
    encoder, decoder = dae.net_.module_.encoder[0], dae.net_.module_.decoder.layers[0]
    with torch.no_grad():
        encoder.weight.copy_(2 * torch.eye(4, 2))  # 4 code units, 2 features
        decoder.weight.copy_(torch.eye(2, 4))
        encoder.bias.zero_()
        decoder.bias.zero_()
    np.testing.assert_allclose(dae.inverse_transform(dae.transform(X[:3])), 2 * X[:3], rtol=1e-6)
    assert np.isfinite(dae.sample(4, n_steps=20, random_state=0)).all()  # 2**20: large, still finite
    with pytest.raises(FloatingPointError, match="The chain diverged: its rows became non-finite at step"):
        dae.sample(4, n_steps=500, random_state=0)
    with pytest.raises(FloatingPointError, match="The langevin diverged.*a smaller step_size"):
        dae.sample(4, n_steps=5000, method="langevin", random_state=0)


def test_partial_fit_keeps_the_sampling_statistics_of_every_chunk_seen():
    """Bug: after chunks centred at 0, 10 and 20, data_mean_ was still the first chunk's (about 0),
    and training_sample_ and reconstruction_variance_ were the first chunk's too."""
    rng = np.random.RandomState(0)
    chunks = [rng.normal(loc=centre, size=(400, 2)) for centre in (0.0, 10.0, 20.0)]
    dae = DenoisingAutoencoder(8, corruption=GaussianNoise(0.3), loss="squared_error", activation="tanh",
                               random_state=0, device="cpu")
    variances = []
    for chunk in chunks:
        dae.partial_fit(chunk)
        variances.append(dae.reconstruction_variance_.copy())
    everything = np.vstack(chunks)
    assert dae.n_samples_seen_ == 1200
    np.testing.assert_allclose(dae.data_mean_, everything.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(dae.data_std_, everything.std(axis=0, ddof=1), rtol=1e-5)
    # a uniform sample of all rows: about a third from each chunk (binomial sd of a count: ~15 of 1000)
    sample = dae.training_sample_
    assert sample.shape == (1000, 2)
    counts = [int(np.sum(np.abs(sample[:, 0] - centre) < 5)) for centre in (0.0, 10.0, 20.0)]
    assert sum(counts) == 1000 and all(abs(c - 1000 / 3) < 6 * 15 for c in counts), counts
    assert not np.array_equal(variances[0], variances[-1])  # measured on the model after each chunk


def test_a_deleted_training_sample_stays_deleted_after_partial_fit(small_digits):
    dae = DenoisingAutoencoder(8, max_iter=2, random_state=0, device="cpu").fit(small_digits[0])
    del dae.training_sample_
    dae.partial_fit(small_digits[0][:50])
    assert not hasattr(dae, "training_sample_") and dae.n_samples_seen_ == 350
