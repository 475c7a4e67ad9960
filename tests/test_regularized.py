"""ContractiveAE and SparseAE: the penalties' effects, measured on digits."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skae import ContractiveAE, SparseAE
from skae.nn.losses import ContractivePenalty, SparsityPenalty

FAST = dict(max_iter=5, random_state=0)


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return X[:1200], y[:1200], X[1200:], y[1200:]


# ----------------------------------------------------------- ContractiveAE
def test_contraction_shrinks_the_encoder_jacobian(split):
    X, _, X_test, _ = split
    plain = ContractiveAE(contraction=0.0, random_state=0).fit(X)
    cae = ContractiveAE(random_state=0).fit(X)  # default contraction=0.1
    j_plain, j_cae = plain.jacobian_norm(X_test).mean(), cae.jacobian_norm(X_test).mean()
    assert j_cae < 0.6 * j_plain  # measured on all digits: 16.0 vs 36.9
    strong = ContractiveAE(contraction=0.5, random_state=0).fit(X)
    assert strong.jacobian_norm(X_test).mean() < 0.5 * j_cae  # measured 5.2 vs 16.3
    # reconstruction stays far better than predicting the mean image
    R = cae.inverse_transform(cae.transform(X_test))
    err = ((R - X_test) ** 2).sum(axis=1).mean()
    mean_err = ((X_test - X.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert err < 0.25 * mean_err


def test_contractive_training_adds_the_penalty_to_the_loss(split):
    X = split[0]
    cae = ContractiveAE(n_components=16, contraction=1.0, **FAST).fit(X)
    assert isinstance(cae.net_.criterion_.penalty, ContractivePenalty)
    # the training objective is above the pure reconstruction loss by the penalty
    recon = -cae.score(X)
    assert cae.loss_curve_[-1] > recon + 0.5 * cae.jacobian_norm(X).mean()


def test_deep_contractive_encoder_trains(split):
    X = split[0]
    cae = ContractiveAE(n_components=8, hidden_layer_sizes=(24,), tied_weights=False,
                        activation="tanh", contraction=0.1, **FAST).fit(X)
    assert cae.loss_curve_[-1] < cae.loss_curve_[0]
    assert np.isfinite(cae.jacobian_norm(X[:10])).all()


def test_contraction_set_between_partial_fits_takes_effect(split):
    X = split[0]
    cae = ContractiveAE(n_components=8, **FAST).partial_fit(X)
    cae.set_params(contraction=2.0)
    cae.partial_fit(X)
    assert cae.net_.criterion_.penalty.weight == 2.0


def test_contractive_pickles(split):
    X = split[0]
    cae = ContractiveAE(n_components=8, **FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(cae))
    np.testing.assert_array_equal(cae.transform(X), loaded.transform(X))
    np.testing.assert_array_equal(cae.jacobian_norm(X[:5]), loaded.jacobian_norm(X[:5]))


# ---------------------------------------------------------------- SparseAE
def near_zero(Z, eps=1e-2):
    return float((np.abs(Z) < eps).mean())


def test_l1_sparsity_gives_much_sparser_codes_that_still_classify(split):
    X, y, X_test, y_test = split
    plain = SparseAE(sparsity=0.0, scale_codes=False, random_state=0).fit(X)
    sae = SparseAE(scale_codes=False, random_state=0).fit(X)  # l1, relu, sparsity=0.05
    z_plain, z_sae = plain.transform(X_test), sae.transform(X_test)
    assert near_zero(z_sae) > near_zero(z_plain) + 0.4  # measured: 0.65 vs 0.08
    assert np.abs(z_sae).mean() < 0.3 * np.abs(z_plain).mean()
    clf = LogisticRegression(max_iter=3000).fit(sae.transform(X), y)
    assert clf.score(z_sae, y_test) > 0.9
    # scaled (the default), a sparse code is only divided by its scale: its exact zeros stay
    z_scaled = sae.set_params(scale_codes=True).transform(X_test)
    np.testing.assert_array_equal(z_scaled == 0, z_sae == 0)
    assert (z_sae == 0).mean() > 0.3


def test_kl_sparsity_drives_mean_activation_to_the_target(split):
    X, _, X_test, _ = split
    plain = SparseAE(sparsity=0.0, activation="sigmoid", scale_codes=False, random_state=0).fit(X)
    sae = SparseAE(sparsity=1.0, sparsity_penalty="kl", sparsity_target=0.05,
                   activation="sigmoid", scale_codes=False, random_state=0).fit(X)
    mean_act = sae.transform(X_test).mean()
    assert abs(mean_act - 0.05) < 0.03  # measured 0.067
    assert plain.transform(X_test).mean() > 0.3  # unregularised sigmoid codes sit near 0.5
    assert near_zero(sae.transform(X_test), 0.05) > near_zero(plain.transform(X_test), 0.05) + 0.3


def test_kl_needs_sigmoid_codes(split):
    with pytest.raises(ValueError, match="use activation='sigmoid'"):
        SparseAE(sparsity_penalty="kl", activation="relu").fit(split[0])
    with pytest.raises(ValueError, match="sparsity_target"):
        SparseAE(sparsity_penalty="kl", activation="sigmoid", sparsity_target=1.5).fit(split[0])


def test_sparse_regularizer_is_configured_and_synced(split):
    X = split[0]
    sae = SparseAE(n_components=8, **FAST).fit(X)
    assert isinstance(sae.net_.criterion_.penalty, SparsityPenalty) and sae.net_.criterion_.penalty.kind == "l1"
    sae.set_params(sparsity=0.5).partial_fit(X)
    assert sae.net_.criterion_.penalty.weight == 0.5


@pytest.mark.parametrize("kwargs", [
    dict(hidden_layer_sizes=(8,), activation="tanh"),  # torch.func path
    dict(activation="gelu"),  # closed form from the pre-activation
    dict(hidden_layer_sizes=(6,), activation="gelu"),
], ids=["deep-tanh", "gelu", "deep-gelu"])
def test_jacobian_norm_matches_autograd_for_deep_and_gelu_encoders(split, kwargs):
    """jacobian_norm runs outside inference_mode (where torch.func has returned zeros)."""
    X = split[0][:12]
    cae = ContractiveAE(4, max_iter=1, random_state=0, tied_weights=False, **kwargs).fit(split[0])
    encoder = cae.encoder_.double()
    x = torch.from_numpy(X)
    reference = torch.stack([torch.autograd.functional.jacobian(encoder, x[i]).square().sum()
                             for i in range(len(x))]).numpy()
    ours = cae.jacobian_norm(X)
    assert (ours > 0).all()
    np.testing.assert_allclose(ours, reference, rtol=1e-9)
