"""The corruption processes, on tensors alone."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skae import GaussianNoise, MaskingNoise, SaltAndPepperNoise

N = 200_000  # entries for statistical checks: binomial sd of a rate <= 0.0012


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("rate", [0.1, 0.25, 0.5, 0.9])
def test_masking_rate_honoured(rate):
    X = torch.rand(N // 100, 100, generator=gen(1)) + 0.5  # no zeros in the input
    out = MaskingNoise(rate=rate)(X, gen())
    zeroed = out == 0
    assert abs(zeroed.float().mean().item() - rate) < 0.005
    # untouched entries keep their value exactly
    assert torch.equal(out[~zeroed], X[~zeroed])


@pytest.mark.parametrize("rate", [0.1, 0.25, 0.5, 0.9])
def test_exact_masking_destroys_exactly_round_rate_d_entries_per_row_uniformly(rate):
    """Vincent et al.'s nu*d: every row loses the same count; every position equally often."""
    rows, d = N // 100, 100
    X = torch.rand(rows, d, generator=gen(1)) + 0.5
    out = MaskingNoise(rate=rate, exact=True)(X, gen())
    zeroed = out == 0
    assert (zeroed.sum(dim=1) == round(rate * d)).all()
    assert torch.equal(out[~zeroed], X[~zeroed])
    # each column is masked with probability rate: 5 binomial standard deviations over the rows
    per_column = zeroed.float().mean(dim=0)
    assert (per_column - rate).abs().max() < 5 * (rate * (1 - rate) / rows) ** 0.5
    # the default (independent entries) has a binomial count per row, not a fixed one
    assert MaskingNoise(rate=rate)(X, gen()).eq(0).sum(dim=1).unique().numel() > 1


def test_exact_masking_rounds_small_counts_and_validates_its_flag():
    X = torch.ones(3, 10)
    assert torch.equal(MaskingNoise(rate=0.04, exact=True)(X, gen()), X)  # round(0.4) = 0
    assert (MaskingNoise(rate=1.0, exact=True)(X, gen()) == 0).all()
    with pytest.raises(ValueError, match="exact must be True or False"):
        MaskingNoise(rate=0.1, exact=1).validate()


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.8])
def test_salt_and_pepper_rate_and_balance(rate):
    X = torch.full((N // 100, 100), 0.5)
    out = SaltAndPepperNoise(rate=rate)(X, gen())
    salt = (out == 1.0).float().mean().item()
    pepper = (out == 0.0).float().mean().item()
    assert abs(salt + pepper - rate) < 0.005
    assert abs(salt - pepper) < 0.006
    kept = (out == 0.5).float().mean().item()
    assert abs(kept - (1 - rate)) < 0.005


def test_salt_and_pepper_custom_range():
    X = torch.zeros(1000, 50)
    out = SaltAndPepperNoise(rate=0.5, low=-2.0, high=3.0)(X, gen())
    assert set(torch.unique(out).tolist()) == {-2.0, 0.0, 3.0}


@pytest.mark.parametrize("std", [0.05, 0.5, 2.0])
def test_gaussian_std_and_mean(std):
    X = torch.ones(N // 100, 100, dtype=torch.float64)
    out = GaussianNoise(std=std)(X, gen())
    noise = out - X
    assert out.dtype == torch.float64
    assert abs(noise.mean().item()) < 4 * std / np.sqrt(N)
    assert abs(noise.std().item() / std - 1) < 0.01


@pytest.mark.parametrize(
    "corruption", [MaskingNoise(0.3), SaltAndPepperNoise(0.3), GaussianNoise(0.3)], ids=repr
)
def test_deterministic_under_seed_and_input_untouched(corruption):
    X = torch.rand(64, 32, generator=gen(5))
    before = X.clone()
    a = corruption(X, gen(7))
    b = corruption(X, gen(7))
    c = corruption(X, gen(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert torch.equal(X, before)  # input not modified
    assert a.data_ptr() != X.data_ptr()
    assert a.shape == X.shape and a.dtype == X.dtype


@pytest.mark.parametrize(
    "corruption", [MaskingNoise(0), SaltAndPepperNoise(0), GaussianNoise(0)], ids=repr
)
def test_zero_level_is_identity_but_a_new_tensor(corruption):
    X = torch.rand(10, 5, generator=gen())
    out = corruption(X, gen())
    assert corruption.is_identity
    assert torch.equal(out, X) and out.data_ptr() != X.data_ptr()


def test_does_not_touch_global_rng_when_given_a_generator():
    state = torch.random.get_rng_state()
    MaskingNoise(0.5)(torch.ones(10, 10), gen())
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize(
    "bad",
    [
        MaskingNoise(rate=-0.1),
        MaskingNoise(rate=1.5),
        MaskingNoise(rate=float("nan")),
        MaskingNoise(rate="0.3"),
        MaskingNoise(rate=True),
        SaltAndPepperNoise(rate=2),
        SaltAndPepperNoise(rate=0.1, low=1.0, high=0.0),
        SaltAndPepperNoise(rate=0.1, high=float("inf")),
        GaussianNoise(std=-1.0),
        GaussianNoise(std=float("inf")),
        GaussianNoise(std=None),
    ],
    ids=repr,
)
def test_bad_values_raise_value_error(bad):
    with pytest.raises(ValueError, match="must"):
        bad.validate()
    with pytest.raises(ValueError):
        bad(torch.ones(2, 2), gen())


def test_params_repr_clone_and_pickle():
    c = SaltAndPepperNoise(rate=0.2, low=-1.0)
    assert c.get_params() == {"rate": 0.2, "low": -1.0, "high": 1.0}
    assert repr(c) == "SaltAndPepperNoise(high=1.0, low=-1.0, rate=0.2)"
    c2 = clone(c)
    assert c2 is not c and c2.get_params() == c.get_params()
    c2.set_params(rate=0.4)
    assert c.rate == 0.2 and c2.rate == 0.4
    c3 = pickle.loads(pickle.dumps(c))
    assert c3.get_params() == c.get_params()
    with pytest.raises(ValueError, match="Invalid parameter 'std'"):
        c.set_params(std=1.0)


def test_rejects_non_tensor_input():
    with pytest.raises(TypeError, match="torch.Tensor"):
        MaskingNoise(0.2)(np.ones((2, 2)), gen())


def test_runs_on_integer_tensors_for_masking():
    X = torch.ones(100, 100, dtype=torch.int64)
    out = MaskingNoise(0.5)(X, gen())
    assert out.dtype == torch.int64 and 0.45 < (out == 0).float().mean().item() < 0.55
