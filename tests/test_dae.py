"""DenoisingAutoencoder end to end: the design-card uses, faults, persistence."""

import pickle
import random
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skae import (
    DenoisingAutoencoder,
    DivergenceError,
    GaussianNoise,
    MaskingNoise,
    SaltAndPepperNoise,
)
from skae.engine.net import SkaeNet

from .conftest import masked

FAST = dict(max_iter=5, random_state=0)


# --------------------------------------------------------------- design card
def test_design_card_pipeline_and_grid_searches(digits):
    X, y = digits[0][:400], digits[1][:400]
    pipe = Pipeline([("dae", DenoisingAutoencoder(n_components=64, max_iter=20, random_state=0)), ("clf", SVC())])
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert pipe.named_steps["dae"].transform(X).shape == (400, 64)

    gs = GridSearchCV(pipe, {"dae__corruption__rate": [0.0, 0.25, 0.5]}, cv=3).fit(X, y)
    assert gs.best_params_["dae__corruption__rate"] in (0.0, 0.25, 0.5)
    assert np.all(np.isfinite(gs.cv_results_["mean_test_score"]))
    assert gs.best_score_ > 0.85

    gs = GridSearchCV(
        pipe, {"dae__corruption": [MaskingNoise(rate=0.3), GaussianNoise(std=0.2)]}, cv=3
    ).fit(X, y)
    assert type(gs.best_estimator_.named_steps["dae"].corruption_).__name__ in (
        "MaskingNoise",
        "GaussianNoise",
    )
    # The searches did not change the pipeline's own corruption object or the default.
    assert pipe.named_steps["dae"].corruption.rate == 0.25
    assert DenoisingAutoencoder().corruption.rate == 0.25


def test_fit_transform_twice_is_identical(small_digits):
    X, _ = small_digits
    Z1 = DenoisingAutoencoder(n_components=16, random_state=0, max_iter=10).fit_transform(X)
    Z2 = DenoisingAutoencoder(n_components=16, random_state=0, max_iter=10).fit_transform(X)
    assert np.array_equal(Z1, Z2)
    Z3 = DenoisingAutoencoder(n_components=16, random_state=1, max_iter=10).fit_transform(X)
    assert not np.allclose(Z1, Z3)


@pytest.mark.slow
def test_grid_search_n_jobs_2_scores_equal_n_jobs_1(small_digits):
    X, y = small_digits
    pipe = Pipeline(
        [("dae", DenoisingAutoencoder(n_components=16, max_iter=5, random_state=0)),
         ("clf", LogisticRegression(max_iter=500))]
    )
    grid = {"dae__corruption__rate": [0.0, 0.5]}
    one = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X, y)
    two = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )


# ------------------------------------------------------------ the parameter
def test_default_corruption_is_never_shared():
    a, b = DenoisingAutoencoder(), DenoisingAutoencoder()
    a.set_params(corruption__rate=0.5)
    assert a.corruption.rate == 0.5
    assert b.corruption.rate == 0.25
    assert DenoisingAutoencoder().corruption.rate == 0.25
    assert "dae" not in repr(b) and repr(b) == "DenoisingAutoencoder()"


def test_user_corruption_object_is_never_modified(small_digits):
    X, _ = small_digits
    noise = SaltAndPepperNoise(rate=0.2)
    a = DenoisingAutoencoder(corruption=noise, **FAST)
    b = DenoisingAutoencoder(corruption=noise, **FAST)
    a.set_params(corruption__rate=0.4)
    assert noise.rate == 0.2 and b.corruption is noise
    a.fit(X)
    assert a.corruption_ is not a.corruption and a.corruption_.rate == 0.4
    assert clone(a).get_params()["corruption__rate"] == 0.4


@pytest.mark.parametrize(
    "corruption",
    [MaskingNoise(rate=1.5), SaltAndPepperNoise(rate=-0.1), GaussianNoise(std=-1.0)],
    ids=repr,
)
def test_bad_noise_level_raises_at_fit(corruption, small_digits):
    est = DenoisingAutoencoder(corruption=corruption, **FAST)  # no error at construction
    with pytest.raises(ValueError, match="must be"):
        est.fit(small_digits[0])


@pytest.mark.parametrize("corruption", [None, MaskingNoise(0.0), GaussianNoise(0.0)], ids=repr)
def test_zero_noise_equals_no_corruption(corruption, small_digits):
    X = small_digits[0]
    ref = DenoisingAutoencoder(corruption=None, **FAST).fit(X)
    est = DenoisingAutoencoder(corruption=corruption, **FAST).fit(X)
    assert est.loss_curve_ == ref.loss_curve_


# --------------------------------------------------------------- the science
def test_corruption_is_used_in_training_only(small_digits):
    X = small_digits[0]
    plain = DenoisingAutoencoder(corruption=None, **FAST).fit(X)
    noisy = DenoisingAutoencoder(corruption=MaskingNoise(0.5), **FAST).fit(X)
    # the training loss is measured on corrupted inputs: it is higher
    assert noisy.loss_curve_[-1] > plain.loss_curve_[-1]
    # inference is deterministic: no corruption at transform/score time
    assert np.array_equal(noisy.transform(X), noisy.transform(X))
    assert np.array_equal(noisy.score_samples(X), noisy.score_samples(X))


def test_denoising_autoencoder_reconstructs_masked_inputs_better(digits):
    """Vincent et al.: trained on masked inputs, the DAE fills in missing pixels."""
    X = digits[0]
    X_train, X_test = X[:1200], X[1200:]
    X_test_masked = masked(X_test, 0.25)

    def denoising_error(rate):
        est = DenoisingAutoencoder(corruption=MaskingNoise(rate), random_state=0).fit(X_train)
        R = est.inverse_transform(est.transform(X_test_masked))
        return ((R - X_test) ** 2).sum(axis=1).mean()

    plain, dae = denoising_error(0.0), denoising_error(0.25)
    assert dae < 0.9 * plain  # measured: 1.60 vs 2.04


def test_dae_features_help_svc_on_masked_digits(digits):
    X, y = digits
    train, test = np.arange(0, 1797, 2), np.arange(1, 1797, 2)
    X_test_masked = masked(X[test], 0.25)
    raw = SVC().fit(X[train], y[train]).score(X_test_masked, y[test])
    pipe = Pipeline([("dae", DenoisingAutoencoder(random_state=0)), ("clf", SVC())])
    dae = pipe.fit(X[train], y[train]).score(X_test_masked, y[test])
    assert dae > raw + 0.015, (dae, raw)


def test_training_reduces_the_loss_and_score_is_higher_is_better(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(corruption=None, max_iter=30, random_state=0).fit(X)
    assert est.loss_curve_[-1] < 0.6 * est.loss_curve_[0]
    one_epoch = DenoisingAutoencoder(corruption=None, max_iter=1, random_state=0).fit(X)
    assert est.score(X) > one_epoch.score(X)
    assert est.score(X) == pytest.approx(est.score_samples(X).mean())
    # training loss (mean over samples of summed loss) matches -score on the same data
    assert -est.score(X) == pytest.approx(est.loss_curve_[-1], rel=0.05)


def test_loss_auto_picks_cross_entropy_for_unit_data_else_squared_error(small_digits):
    X = small_digits[0]
    assert DenoisingAutoencoder(**FAST).fit(X).loss_ == "cross_entropy"
    Xs = StandardScaler().fit_transform(X)
    est = DenoisingAutoencoder(**FAST).fit(Xs)
    assert est.loss_ == "squared_error"
    R = est.inverse_transform(est.transform(Xs))
    assert R.min() < 0  # a linear output, not a sigmoid
    ce = DenoisingAutoencoder(**FAST).fit(X)
    R = ce.inverse_transform(ce.transform(X))
    assert R.min() >= 0 and R.max() <= 1


def test_cross_entropy_rejects_data_outside_unit_interval(small_digits):
    X = small_digits[0]
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        DenoisingAutoencoder(loss="cross_entropy", **FAST).fit(X * 2)
    est = DenoisingAutoencoder(**FAST).fit(X)
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        est.score_samples(X - 1)
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        est.partial_fit(X + 1)


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity", "elu"])
def test_activations(activation, small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, activation=activation, **FAST).fit(X)
    Z = est.transform(X)
    assert np.isfinite(Z).all() and est.loss_curve_[-1] < est.loss_curve_[0]
    # scale_codes (the default): centred units, a pooled variance of 1 on the training rows
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-6)
    assert np.mean(Z.var(axis=0, ddof=1)) == pytest.approx(1, rel=1e-6)
    if activation == "relu":
        assert est.set_params(scale_codes=False).transform(X).min() >= 0


def test_tied_weights_and_deep_encoder(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(
        n_components=8, hidden_layer_sizes=(32,), tied_weights=True, **FAST
    ).fit(X)
    enc = [m for m in est.encoder_ if isinstance(m, torch.nn.Linear)]
    dec = list(est.decoder_.layers)
    assert dec[0].weight is enc[1].weight and dec[2].weight is enc[0].weight
    assert est.transform(X).shape == (300, 8)
    assert est.inverse_transform(est.transform(X)).shape == (300, 64)


def test_encoder_and_decoder_modules_match_transform(small_digits):
    X = small_digits[0].astype(np.float32)
    est = DenoisingAutoencoder(n_components=8, **FAST).fit(X)
    with torch.no_grad():
        codes = est.encoder_(torch.from_numpy(X)).numpy()
        recon = est.decoder_(torch.from_numpy(codes)).numpy()
    scaled = (codes - est.code_mean_) / est.code_scale_
    np.testing.assert_allclose(scaled, est.transform(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(recon, est.inverse_transform(scaled), rtol=1e-5, atol=1e-6)
    est.set_params(scale_codes=False)  # the encoder's activations, with no refit
    np.testing.assert_allclose(codes, est.transform(X), rtol=1e-6)
    np.testing.assert_allclose(recon, est.inverse_transform(codes), rtol=1e-6)
    assert est.device_ == torch.device("cpu")


# ---------------------------------------------------------------- the data
def test_dtypes_are_preserved_and_float64_rows_are_independent(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, **FAST).fit(X)
    assert est.transform(X).dtype == np.float64
    assert est.transform(X.astype(np.float32)).dtype == np.float32
    full = est.transform(X)
    np.testing.assert_allclose(full[:7], est.transform(X[:7]), rtol=1e-12)
    np.testing.assert_allclose(full[::-1], est.transform(X[::-1]), rtol=1e-12)
    np.testing.assert_allclose(
        est.score_samples(X)[5:9], est.score_samples(X[5:9]), rtol=1e-12
    )


def test_dataframe_feature_names_and_pandas_output(small_digits):
    pd = pytest.importorskip("pandas")
    X = small_digits[0]
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    est = DenoisingAutoencoder(n_components=4, **FAST).fit(df)
    assert list(est.feature_names_in_) == list(df.columns)
    assert list(est.get_feature_names_out()) == ["dae0", "dae1", "dae2", "dae3"]
    out = est.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["dae0", "dae1", "dae2", "dae3"]
    with pytest.raises(ValueError, match="feature names"):
        est.transform(df.rename(columns={"px0": "other"}))


def test_input_is_not_modified(small_digits):
    X = small_digits[0].astype(np.float32)
    before = X.copy()
    est = DenoisingAutoencoder(n_components=8, corruption=MaskingNoise(0.5), **FAST).fit(X)
    est.partial_fit(X)
    est.transform(X)
    est.score_samples(X)
    np.testing.assert_array_equal(X, before)


def test_accepts_lists_ints_fortran_readonly_and_few_rows(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=4, batch_size=512, **FAST)
    assert np.isfinite(est.fit_transform(X.tolist())).all()
    assert np.isfinite(est.fit_transform((X * 16).astype(np.int64))).all()
    assert np.isfinite(est.fit_transform(np.asfortranarray(X))).all()
    ro = X.copy()
    ro.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. torch's non-writable-array warning
        assert np.isfinite(est.fit_transform(ro)).all()
    assert np.isfinite(est.fit_transform(X[:, ::2])).all()  # non-contiguous
    assert np.isfinite(est.fit_transform(X[:3])).all()  # fewer rows than batch_size


@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((10, 3), np.nan), "NaN"),
        (np.full((10, 3), np.inf), "infinity"),
        (np.empty((0, 3)), "0 sample"),
        (np.empty((10, 0)), "0 feature"),
        (np.ones(10), "2D array"),
        (np.ones((1, 3)), "1 sample"),
        (np.full((10, 3), 1e300), "float32's range"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), "convert|could not"),
        (np.ones((10, 3)) + 1j, "Complex"),
    ],
    ids=["nan", "inf", "no-rows", "no-columns", "1d", "1-row", "beyond-float32", "strings", "complex"],
)
def test_bad_input_is_a_clear_error_and_keeps_the_previous_fit(X, match, small_digits):
    good = np.random.RandomState(0).rand(20, 3)
    est = DenoisingAutoencoder(n_components=2, **FAST).fit(good)
    before = est.transform(good)
    with pytest.raises(ValueError, match=match):
        est.fit(X)
    np.testing.assert_array_equal(est.transform(good), before)
    assert est.n_features_in_ == 3


def test_wrong_width_at_transform_and_inverse_transform(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, **FAST).fit(X)
    with pytest.raises(ValueError, match="64 features"):
        est.transform(X[:, :10])
    with pytest.raises(ValueError, match="n_components=8"):
        est.inverse_transform(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_components=0), "n_components"),
        (dict(lr=0.0), "lr"),
        (dict(batch_size=0), "batch_size"),
        (dict(max_iter=0), "max_iter"),
        (dict(activation="swish"), "activation"),
        (dict(loss="l1"), "loss"),
        (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes"),
        (dict(device="gpu-please"), "device"),
        (dict(corruption="masking"), "corruption"),
        (dict(validation_fraction=1.0), "validation_fraction"),
    ],
)
def test_bad_hyperparameters_are_value_errors_naming_them(params, match, small_digits):
    est = DenoisingAutoencoder(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(small_digits[0])


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_requested_without_cuda_is_a_clear_error(small_digits):
    with pytest.raises(ValueError, match="CUDA is not available"):
        DenoisingAutoencoder(device="cuda", **FAST).fit(small_digits[0])


# --------------------------------------------------------------- randomness
def test_fit_leaves_global_random_states_alone(small_digits):
    X = small_digits[0]
    torch_state, np_state, py_state = torch.random.get_rng_state(), np.random.get_state(), random.getstate()
    for random_state in (0, None, np.random.RandomState(3)):
        DenoisingAutoencoder(n_components=4, max_iter=2, random_state=random_state,
                             early_stopping=True).fit(X)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert py_state == random.getstate()


def test_random_state_none_gives_different_fits(small_digits):
    X = small_digits[0]
    a = DenoisingAutoencoder(n_components=4, max_iter=2).fit_transform(X)
    b = DenoisingAutoencoder(n_components=4, max_iter=2).fit_transform(X)
    assert not np.array_equal(a, b)


# ------------------------------------------------------------- partial_fit
def test_partial_fit_streams_chunks_and_continues_training(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, random_state=0)
    est.partial_fit(X[:150])
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 1
    first_score = est.score(X)
    for _ in range(20):
        est.partial_fit(X[150:])
        est.partial_fit(X[:150])
    assert est.n_iter_ == 41
    assert est.score(X) > first_score
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :5])
    assert est.n_iter_ == 41


def test_partial_fit_is_reproducible_and_equals_fit_for_one_epoch(small_digits):
    X = small_digits[0]
    a = DenoisingAutoencoder(n_components=8, random_state=0, max_iter=1).fit(X)
    b = DenoisingAutoencoder(n_components=8, random_state=0).partial_fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    a = DenoisingAutoencoder(n_components=8, random_state=0, max_iter=3).fit(X)
    b = DenoisingAutoencoder(n_components=8, random_state=0).partial_fit(X).partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


# ------------------------------------------------------------------ faults
def test_divergence_raises_naming_the_epoch_and_keeps_the_previous_state(small_digits):
    X = StandardScaler().fit_transform(small_digits[0])
    est = DenoisingAutoencoder(n_components=8, activation="identity", **FAST).fit(X)
    before = est.transform(X)
    est.set_params(lr=1e12)
    with pytest.raises(DivergenceError, match=r"epoch \d+"):
        est.partial_fit(X * 1e3)
    np.testing.assert_array_equal(est.transform(X), before)
    assert est.n_iter_ == 5
    with pytest.raises(DivergenceError, match=r"lr=1000000000000\.0"):
        est.fit(X * 1e3)
    np.testing.assert_array_equal(est.transform(X), before)


def test_keyboard_interrupt_keeps_a_usable_model_with_a_warning(small_digits, monkeypatch):
    X = small_digits[0]
    calls = {"n": 0}
    original = SkaeNet.train_step

    def interrupting(self, batch, **kw):
        calls["n"] += 1
        if calls["n"] == 12:  # 5 batches per epoch: stops in epoch 3
            raise KeyboardInterrupt
        return original(self, batch, **kw)

    monkeypatch.setattr(SkaeNet, "train_step", interrupting)
    est = DenoisingAutoencoder(n_components=8, batch_size=64, max_iter=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted during epoch 3"):
        est.fit(X)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    assert np.isfinite(est.transform(X)).all()


def test_early_stopping_stops_and_restores_the_best_weights(small_digits):
    from skae.engine.data import TensorData, TensorSplit
    from skae.engine.seeds import draw_seeds

    X = small_digits[0]
    est = DenoisingAutoencoder(
        n_components=32, corruption=None, early_stopping=True, n_iter_no_change=3,
        max_iter=500, lr=1e-2, validation_fraction=0.2, random_state=0,
    ).fit(X)
    assert est.n_iter_ < 500
    curve = est.validation_loss_curve_
    assert len(curve) == est.n_iter_
    # Stopped after 3 epochs that did not beat the best by a relative tol; the
    # restored epoch is the last one that did, within tol of the minimum.
    best = est.n_iter_ - 1 - 3
    assert curve[best] <= min(curve) * (1 + 1e-4)
    assert all(c > curve[best] * (1 - 1e-4) for c in curve[best + 1 :])
    # The held-out rows, as the fit drew them; their loss is the best epoch's.
    _, valid = TensorSplit(0.2, draw_seeds(0, 3)[2])(TensorData(torch.from_numpy(X.astype(np.float32))))
    held_out = valid.X.numpy().astype(np.float64)
    assert -est.score(held_out) == pytest.approx(curve[best], rel=1e-5)
    assert -est.score(held_out) != pytest.approx(curve[-1], rel=1e-7)
    assert DenoisingAutoencoder(**FAST).fit(X).validation_loss_curve_ is None


# ----------------------------------------------------------- persistence
def test_pickle_round_trip_gives_identical_outputs_and_training(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, **FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(est))
    for method in ("transform", "score_samples"):
        np.testing.assert_array_equal(getattr(est, method)(X), getattr(loaded, method)(X))
    Z = est.transform(X)
    np.testing.assert_array_equal(est.inverse_transform(Z), loaded.inverse_transform(Z))
    assert loaded.device_ == est.device_ and loaded.n_iter_ == est.n_iter_
    # optimiser and random streams come along: training continues identically
    est.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(est.transform(X), loaded.transform(X))


def test_unfitted_errors(small_digits):
    from sklearn.exceptions import NotFittedError

    est = DenoisingAutoencoder()
    for call in (est.transform, est.score_samples, est.inverse_transform):
        with pytest.raises(NotFittedError):
            call(small_digits[0])
    with pytest.raises(NotFittedError):
        est.encoder_


def test_verbose_1_shows_a_progress_bar_over_the_epochs_and_2_a_table(small_digits, capsys):
    DenoisingAutoencoder(n_components=4, max_iter=3, verbose=1, random_state=0).fit(small_digits[0])
    captured = capsys.readouterr()
    assert "DenoisingAutoencoder" in captured.err and "3/3" in captured.err and "train_loss=" in captured.err
    assert "train_loss" not in captured.out  # no table at verbose=1
    DenoisingAutoencoder(n_components=4, max_iter=3, verbose=2, random_state=0).fit(small_digits[0])
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "3/3" not in captured.err
    assert len(re.findall(r"^\s+[123]\s", captured.out, flags=re.M)) == 3  # a row per epoch


# --------------------------------------------------------------------- GPU
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@cuda
def test_cuda_fit_transform_and_auto_device(small_digits):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, **FAST).fit(X)
    assert est.device_.type == "cuda"
    cpu = DenoisingAutoencoder(n_components=8, device="cpu", **FAST).fit(X)
    np.testing.assert_allclose(est.transform(X), cpu.transform(X), atol=1e-3)


@cuda
def test_cuda_model_unpickles_on_cpu(small_digits, monkeypatch):
    X = small_digits[0]
    est = DenoisingAutoencoder(n_components=8, device="cuda", **FAST).fit(X)
    blob = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = pickle.loads(blob)
    assert loaded.device_.type == "cpu"
    np.testing.assert_allclose(loaded.transform(X), est.transform(X), atol=1e-5)
    loaded.partial_fit(X)  # and it trains on


def test_verbose_switched_on_between_partial_fits_prints(small_digits, capsys):
    est = DenoisingAutoencoder(n_components=4, random_state=0).partial_fit(small_digits[0])
    assert capsys.readouterr().out == ""
    est.set_params(verbose=2).partial_fit(small_digits[0])
    assert "train_loss" in capsys.readouterr().out
    est.set_params(verbose=1).partial_fit(small_digits[0])
    captured = capsys.readouterr()
    assert captured.out == "" and "1/1" in captured.err  # a bar for the one epoch, no table
    est.set_params(verbose=0).partial_fit(small_digits[0])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_collapsed_code_is_a_convergence_warning(small_digits):
    from sklearn.exceptions import ConvergenceWarning

    X = np.tile(small_digits[0][:1], (50, 1))  # every row the same: no code can vary
    with pytest.warns(ConvergenceWarning, match="the code collapsed.*Try a lower lr"):
        DenoisingAutoencoder(4, max_iter=2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DenoisingAutoencoder(4, max_iter=2, random_state=0).fit(small_digits[0])


def test_a_cached_pipeline_fits_the_autoencoder_once_per_setting(small_digits, tmp_path, monkeypatch):
    """Pipeline(memory=...): a grid over the classifier's C reuses the fitted autoencoder (joblib's
    cache keys on the estimator's parameters and the data), instead of refitting it for every C."""
    from sklearn.pipeline import Pipeline

    X, y = small_digits
    fits = []
    original = DenoisingAutoencoder.fit
    monkeypatch.setattr(DenoisingAutoencoder, "fit", lambda self, *a, **k: fits.append(1) or original(self, *a, **k))
    pipe = Pipeline([("dae", DenoisingAutoencoder(8, max_iter=2, random_state=0)),
                     ("clf", LogisticRegression(max_iter=200))], memory=str(tmp_path))
    grid = {"clf__C": [0.1, 1.0, 10.0]}
    GridSearchCV(pipe, grid, cv=2, refit=False).fit(X, y)
    assert len(fits) == 2  # one fit per fold, not one per (fold, C)
    uncached = GridSearchCV(pipe.set_params(memory=None), grid, cv=2, refit=False).fit(X, y)
    assert len(fits) == 2 + 6 and uncached.best_score_ > 0
