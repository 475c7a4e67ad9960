"""VAE and DVAE: the bounds against hand computations, sampling, and the estimators."""

import math
import pickle

import numpy as np
import pytest
import torch

from skae import DVAE, VAE, GaussianNoise, MaskingNoise, SaltAndPepperNoise
from skae.modules import VariationalAutoencoder
from skae.nn.losses import gaussian_kl, log_likelihood, variational_bound

FAST = dict(n_components=4, hidden_layer_sizes=(32,), max_iter=5, random_state=0)


@pytest.fixture(scope="module")
def binary_digits(digits):
    X = (digits[0] > 0.5).astype(np.float64)
    return X[:1200], X[1200:]


@pytest.fixture(scope="module")
def fitted_vae(binary_digits):
    return VAE(n_components=8, hidden_layer_sizes=(64,), max_iter=30, random_state=0).fit(binary_digits[0])


# ------------------------------------------------------------ the bounds
def test_gaussian_kl_hand_computed():
    mu = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    log_var = torch.tensor([[0.0, math.log(4.0)]], dtype=torch.float64)
    # ½ [(1 + 1 − 1 − 0) + (0 + 4 − 1 − log 4)]
    expected = 0.5 * (1.0 + 3.0 - math.log(4.0))
    assert gaussian_kl(mu, log_var).item() == pytest.approx(expected, rel=1e-12)
    assert gaussian_kl(torch.zeros(3, 5), torch.zeros(3, 5)).abs().max() == 0


def _identity_vae(likelihood):
    """A 2-d VAE whose decoder is the identity map (no hidden layer)."""
    # a negligible variance floor, so that the hand computations below use log_var as set
    vae = VariationalAutoencoder(2, 2, hidden_layer_sizes=(), likelihood=likelihood, min_variance=1e-300).double()
    with torch.no_grad():
        linear = vae.decoder.layers[0]
        linear.weight.copy_(torch.eye(2))
        linear.bias.zero_()
        if likelihood == "gaussian":
            vae.log_var.copy_(torch.tensor([0.0, math.log(0.25)]))
    return vae


def test_elbo_hand_computed_bernoulli():
    vae = _identity_vae("bernoulli")
    mu = torch.tensor([[0.5, -1.0]], dtype=torch.float64)
    log_var = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
    eps = torch.tensor([[[1.0, 2.0]]], dtype=torch.float64)  # K=1: z = mu + eps = (1.5, 1.0)
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    sig = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
    log_px = math.log(sig(1.5)) + math.log(1 - sig(1.0))
    kl = 0.5 * (0.25 + 1.0)  # ½ Σ μ² with σ = 1
    bound = variational_bound(vae.decode_samples(mu, log_var, eps=eps), x, vae.likelihood)
    assert bound.item() == pytest.approx(log_px - kl, rel=1e-12)
    # β weights the KL
    half = variational_bound(vae.decode_samples(mu, log_var, eps=eps), x, vae.likelihood, beta=0.5)
    assert half.item() == pytest.approx(log_px - 0.5 * kl)


def test_elbo_hand_computed_gaussian_and_iwae_with_one_sample():
    vae = _identity_vae("gaussian")
    mu = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    log_var = torch.tensor([[math.log(4.0), 0.0]], dtype=torch.float64)
    eps = torch.tensor([[[0.5, -1.0]]], dtype=torch.float64)  # z = (0 + 2·0.5, 1 − 1) = (1, 0)
    x = torch.tensor([[2.0, 0.5]], dtype=torch.float64)
    var = [1.0, 0.25]
    log_px = sum(-0.5 * ((xi - zi) ** 2 / v + math.log(v) + math.log(2 * math.pi))
                 for xi, zi, v in zip([2.0, 0.5], [1.0, 0.0], var))
    kl = 0.5 * ((0 + 4 - 1 - math.log(4)) + (1 + 1 - 1 - 0))
    bound = variational_bound(vae.decode_samples(mu, log_var, eps=eps), x, vae.likelihood)
    assert bound.item() == pytest.approx(log_px - kl, rel=1e-12)
    # IWAE with K=1: log p(x|z) + log p(z) − log q(z|x), a one-sample ELBO with MC KL
    log_pz = -0.5 * (1.0 + 0.0 + 2 * math.log(2 * math.pi))
    log_qz = -0.5 * (0.25 + 1.0 + math.log(4.0) + 0.0 + 2 * math.log(2 * math.pi))
    iwae = variational_bound(vae.decode_samples(mu, log_var, eps=eps), x, vae.likelihood, objective="iwae")
    assert iwae.item() == pytest.approx(log_px + log_pz - log_qz, rel=1e-12)


def test_bernoulli_log_likelihood_is_stable_for_large_logits():
    out = torch.tensor([[300.0, -300.0]])
    assert torch.isfinite(log_likelihood(out, torch.tensor([[0.0, 1.0]]), "bernoulli")).all()


def test_iwae_bound_is_above_the_elbo_and_rises_with_k(fitted_vae, binary_digits):
    X_test = binary_digits[1][:200]
    elbo = fitted_vae.score_samples(X_test).mean()
    bounds = [fitted_vae.log_likelihood(X_test, n_samples=k).mean() for k in (1, 5, 50, 500)]
    assert bounds[0] == pytest.approx(elbo, abs=1.0)  # K=1 is a one-sample ELBO
    assert all(b2 > b1 for b1, b2 in zip(bounds, bounds[1:])), bounds
    assert bounds[-1] > elbo + 0.3


# -------------------------------------------------------------- the VAE
def test_vae_beats_independent_pixels_and_scores_reproducibly(fitted_vae, binary_digits):
    X_train, X_test = binary_digits
    p = X_train.mean(axis=0).clip(1e-3, 1 - 1e-3)
    baseline = (X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(axis=1).mean()
    assert fitted_vae.score(X_test) > baseline + 2  # measured -21.9 vs -24.6 (defaults: -19.0 vs -24.2)
    a = fitted_vae.score_samples(X_test)
    np.testing.assert_array_equal(a, fitted_vae.score_samples(X_test))
    np.testing.assert_allclose(a[10:20], fitted_vae.score_samples(X_test[10:20]), rtol=1e-7)
    np.testing.assert_allclose(a[::-1], fitted_vae.score_samples(X_test[::-1]), rtol=1e-7)
    refit = VAE(n_components=8, hidden_layer_sizes=(64,), max_iter=30, random_state=0).fit(X_train)
    np.testing.assert_array_equal(a, refit.score_samples(X_test))


def test_transform_is_the_posterior_mean(fitted_vae, binary_digits):
    X = binary_digits[1][:10].astype(np.float32)
    with torch.no_grad():
        mu, log_var = fitted_vae.encoder_(torch.from_numpy(X))
    np.testing.assert_allclose(fitted_vae.transform(X), mu.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(fitted_vae.transform(X), fitted_vae.transform(X))
    R = fitted_vae.inverse_transform(fitted_vae.transform(X))
    assert R.shape == (10, 64) and R.min() >= 0 and R.max() <= 1


def test_samples_are_binary_reproducible_and_leave_global_rng_alone(fitted_vae):
    state = torch.random.get_rng_state()
    S = fitted_vae.sample(500, random_state=0)
    assert torch.equal(state, torch.random.get_rng_state())
    assert S.shape == (500, 64) and set(np.unique(S)) <= {0.0, 1.0}
    np.testing.assert_array_equal(S, fitted_vae.sample(500, random_state=0))
    assert not np.array_equal(S, fitted_vae.sample(500, random_state=1))
    # samples look like the data: similar mean pixel intensity
    assert abs(S.mean() - 0.3) < 0.1
    with pytest.raises(ValueError, match="positive integer"):
        fitted_vae.sample(0)


def test_gaussian_decoder_variance_has_a_floor_on_constant_columns(digits):
    """Standardized digits have constant columns: the unfloored variance fell without bound
    and the bound rose with it (-72.9 -> -26.1 'nats' from 20 to 300 epochs)."""
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(digits[0][:300])
    constant = X.std(axis=0) == 0
    assert constant.sum() >= 3
    vae = VAE(4, hidden_layer_sizes=(16,), lr=1e-2, max_iter=100, batch_size=32, random_state=0,
              min_variance=1e-2).fit(X)
    module = vae.net_.module_
    with torch.no_grad():
        raw, floored = module.log_var[torch.from_numpy(constant)], module.decoder_log_var()
    assert raw.min() < math.log(1e-2) - 0.5  # the raw parameter has run past the floor ...
    assert floored.exp().min() >= 1e-2 * (1 - 1e-6)  # ... the variance has not
    # each feature's log-density is at most -0.5 log(2 pi min_variance), so the bound is too
    bound = 0.5 * X.shape[1] * -math.log(2 * math.pi * 1e-2)
    assert vae.score(X) < bound
    with pytest.raises(ValueError, match="min_variance"):
        VAE(min_variance=0).fit(X)


def test_gaussian_likelihood_on_real_data_learns_the_variance(digits):
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(digits[0][:600])
    vae = VAE(**{**FAST, "max_iter": 20}).fit(X)
    assert vae.likelihood_ == "gaussian" and vae.loss_ == "squared_error"
    log_var = vae.net_.module_.log_var.detach()
    assert not torch.allclose(log_var, torch.zeros_like(log_var))  # learned, not fixed
    S = vae.sample(50, random_state=0)
    assert np.isfinite(S).all() and S.std() > 0.1
    assert np.isfinite(vae.score_samples(X[:5])).all()


def test_bernoulli_rejects_data_outside_unit_interval(binary_digits):
    with pytest.raises(ValueError, match=r"Bernoulli likelihood\) needs X in \[0, 1\]"):
        VAE(likelihood="bernoulli", **FAST).fit(binary_digits[0] * 2)
    vae = VAE(**FAST).fit(binary_digits[0])
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        vae.score_samples(binary_digits[1] - 1)


def test_iwae_objective_trains_and_beta_is_passed(binary_digits):
    X = binary_digits[0]
    vae = VAE(objective="iwae", n_samples=5, beta=0.5, **FAST).fit(X)
    criterion = vae.net_.criterion_
    assert criterion.objective == "iwae" and criterion.beta == 0.5
    assert vae.net_.forward_params == {"n_samples": 5}
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]


# ------------------------------------------------------------- the DVAE
class SpyNoise(SaltAndPepperNoise):
    def __init__(self, rate=0.1, log=None):
        self.rate = rate
        self.low = 0.0
        self.high = 1.0
        self.log = log

    def get_params(self, deep=True):
        return {"rate": self.rate, "log": self.log}

    def _corrupt(self, X, generator):
        self.log.append(len(X))
        return super()._corrupt(X, generator)


def test_dvae_corrupts_m_copies_of_each_batch(binary_digits):
    X = binary_digits[0][:256]
    log = []
    DVAE(corruption=SpyNoise(0.1, log), n_corruptions=3, batch_size=64, **{**FAST, "max_iter": 1}).fit(X)
    # 4 batches of 64 rows, each replicated M=3 times; then the stopping rule's fixed draw on all 256 rows, x3
    assert log == [192, 192, 192, 192, 768]


def test_dvae_without_noise_is_exactly_the_vae(binary_digits):
    X = binary_digits[0]
    vae = VAE(**FAST).fit(X)
    for corruption in (None, SaltAndPepperNoise(0.0)):
        dvae = DVAE(corruption=corruption, n_corruptions=3, **FAST).fit(X)
        assert dvae.loss_curve_ == vae.loss_curve_


def test_dvae_trains_on_the_denoising_bound_and_scores_clean_inputs(binary_digits):
    X_train, X_test = binary_digits
    vae = VAE(**FAST).fit(X_train)
    dvae = DVAE(corruption=SaltAndPepperNoise(0.3), **FAST).fit(X_train)
    # the denoising bound is harder than the clean one: higher training loss
    assert dvae.loss_curve_[-1] > vae.loss_curve_[-1]
    # evaluation is on clean inputs, with the same bound: comparable, finite numbers
    assert np.isfinite(dvae.score(X_test)) and abs(dvae.score(X_test) - vae.score(X_test)) < 10
    diwae = DVAE(corruption=GaussianNoise(0.1), objective="iwae", n_samples=5, **FAST).fit(X_train)
    assert diwae.net_.criterion_.objective == "iwae"


def test_dvae_corruption_is_grid_searchable_and_never_shared():
    a, b = DVAE(), DVAE()
    a.set_params(corruption__rate=0.3)
    assert b.corruption.rate == 0.1 and DVAE().corruption.rate == 0.1
    with pytest.raises(ValueError, match="must be a number in"):
        DVAE(corruption=MaskingNoise(2.0), **FAST).fit(np.random.rand(20, 3))


def test_vae_pickles_with_identical_scores(fitted_vae, binary_digits):
    X = binary_digits[1][:50]
    loaded = pickle.loads(pickle.dumps(fitted_vae))
    np.testing.assert_array_equal(fitted_vae.score_samples(X), loaded.score_samples(X))
    np.testing.assert_array_equal(fitted_vae.sample(5, random_state=3), loaded.sample(5, random_state=3))
