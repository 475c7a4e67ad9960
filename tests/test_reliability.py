"""Every estimator x every bad input x every method: a clear error, the previous fit intact.
And every accepted input kind gives finite output."""

import numpy as np
import pytest
import scipy.sparse as sp

import skae
from skae import (
    DVAE,
    VAE,
    ContractiveAE,
    DenoisingAutoencoder,
    SparseAE,
    StackedDAE,
    StackedDAEClassifier,
)

FAST = dict(max_iter=1, batch_size=16, random_state=0)
FACTORIES = {
    "DenoisingAutoencoder": lambda: DenoisingAutoencoder(3, **FAST),
    "StackedDAE": lambda: StackedDAE(3, hidden_layer_sizes=(4,), fine_tune_iter=1, **FAST),
    "ContractiveAE": lambda: ContractiveAE(3, **FAST),
    "SparseAE": lambda: SparseAE(3, **FAST),
    "VAE": lambda: VAE(2, hidden_layer_sizes=(4,), **FAST),
    "DVAE": lambda: DVAE(2, hidden_layer_sizes=(4,), **FAST),
}
RNG = np.random.RandomState(0)
GOOD = RNG.uniform(size=(30, 5))

BAD_INPUTS = {
    "nan": (np.where(RNG.uniform(size=(30, 5)) < 0.1, np.nan, GOOD), ValueError, "NaN"),
    "inf": (np.where(RNG.uniform(size=(30, 5)) < 0.1, np.inf, GOOD), ValueError, "infinity"),
    "no rows": (np.empty((0, 5)), ValueError, "0 sample"),
    "no columns": (np.empty((30, 0)), ValueError, "0 feature"),
    "1-D": (GOOD[:, 0], ValueError, "2D array"),
    "3-D": (GOOD[:, :, None], ValueError, "dim 3"),
    "scalar": (np.float64(0.5), ValueError, "2D array"),
    "None": (None, (ValueError, TypeError), "2D array|None"),
    "complex": (GOOD + 1j, ValueError, "Complex"),
    "strings": (np.array([["a"] * 5] * 30, dtype=object), ValueError, "convert|could not"),
    "sparse": (sp.csr_matrix(GOOD), TypeError, "[Ss]parse"),
    "wrong width": (GOOD[:, :3], ValueError, "features"),
}
FIT_ONLY = {
    "beyond float32": (np.full((30, 5), 1e300), ValueError, "float32's range"),
    "one row": (GOOD[:1], ValueError, "1 sample"),
}


def _fitted(name):
    return FACTORIES[name]().fit(GOOD)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("case", list(BAD_INPUTS) + list(FIT_ONLY))
@pytest.mark.parametrize("method", ["fit", "partial_fit", "transform", "score_samples"])
def test_bad_input_is_a_clear_error_and_keeps_the_fit(name, case, method):
    X, error, match = {**BAD_INPUTS, **FIT_ONLY}[case]
    if case in FIT_ONLY and method not in ("fit",):
        pytest.skip("accepted outside fit (e.g. one row to transform)")
    if case == "wrong width" and method == "fit":
        pytest.skip("any width is fine for a fresh fit")
    est = _fitted(name)
    before = est.transform(GOOD)
    n_iter = est.n_iter_
    with pytest.raises(error, match=match):
        getattr(est, method)(X)
    np.testing.assert_array_equal(est.transform(GOOD), before)
    assert est.n_iter_ == n_iter and est.n_features_in_ == 5


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("Z, match", [
    (np.zeros((4, 7)), "n_components"),
    (np.full((4, 2), np.nan), "NaN"),
    (np.zeros(4), "2D array"),
])
def test_bad_codes_for_inverse_transform(name, Z, match):
    est = _fitted(name)
    if Z.ndim == 2 and Z.shape[1] == 7:
        Z = np.zeros((4, est.n_components + 3))
    with pytest.raises(ValueError, match=match):
        est.inverse_transform(Z)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("params, match", [
    (dict(n_components=0), "n_components"),
    (dict(lr=0.0), "lr"),
    (dict(batch_size=0), "batch_size"),
    (dict(max_iter=-1), "max_iter"),
    (dict(device="quantum"), "device"),
    (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
])
def test_bad_hyperparameters(name, params, match):
    est = FACTORIES[name]().set_params(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(GOOD)


@pytest.mark.parametrize("name, params, match", [
    ("DenoisingAutoencoder", dict(activation="swish"), "activation"),
    ("DenoisingAutoencoder", dict(loss="hinge"), "loss"),
    ("StackedDAE", dict(corruption=[None]), "list of 1 processes"),
    ("ContractiveAE", dict(contraction=-1), "contraction"),
    ("SparseAE", dict(sparsity_penalty="kl", activation="relu"), "activation='sigmoid'"),
    ("VAE", dict(beta=-0.5), "beta"),
    ("VAE", dict(likelihood="poisson"), "likelihood"),
    ("VAE", dict(objective="vimco"), "objective"),
    ("DVAE", dict(n_corruptions=0), "n_corruptions"),
])
def test_model_specific_bad_hyperparameters(name, params, match):
    with pytest.raises(ValueError, match=match):
        FACTORIES[name]().set_params(**params).fit(GOOD)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("kind", [
    "float32", "int", "bool", "list", "fortran", "non-contiguous", "read-only memmap", "dataframe",
    "fewer rows than batch_size", "constant column",
])
def test_accepted_inputs_give_finite_output(name, kind, tmp_path):
    X = GOOD
    if kind == "float32":
        X = GOOD.astype(np.float32)
    elif kind == "int":
        X = (GOOD > 0.5).astype(np.int64)
    elif kind == "bool":
        X = GOOD > 0.5
    elif kind == "list":
        X = GOOD.tolist()
    elif kind == "fortran":
        X = np.asfortranarray(GOOD)
    elif kind == "non-contiguous":
        X = np.random.RandomState(1).uniform(size=(30, 10))[:, ::2]
    elif kind == "read-only memmap":
        path = tmp_path / "X.f64"
        mm = np.memmap(path, dtype=np.float64, mode="w+", shape=GOOD.shape)
        mm[:] = GOOD
        mm.flush()
        X = np.memmap(path, dtype=np.float64, mode="r", shape=GOOD.shape)
    elif kind == "dataframe":
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(GOOD, columns=list("abcde"))
    elif kind == "fewer rows than batch_size":
        X = GOOD[:5]
    elif kind == "constant column":
        X = GOOD.copy()
        X[:, 2] = 0.7
    est = FACTORIES[name]()
    Z = est.fit_transform(X)
    assert np.isfinite(Z).all() and Z.shape[0] == len(X)
    assert np.isfinite(est.score_samples(X)).all()
    assert np.isfinite(est.inverse_transform(Z)).all()


@pytest.mark.parametrize("X, error, match", [
    (BAD_INPUTS["nan"][0], ValueError, "NaN"),
    (BAD_INPUTS["sparse"][0], TypeError, "[Ss]parse"),
    (BAD_INPUTS["wrong width"][0], ValueError, "features"),
])
def test_classifier_bad_inputs(X, error, match):
    y = np.arange(30) % 3
    clf = StackedDAEClassifier(3, hidden_layer_sizes=(4,), fine_tune_iter=1, **FAST).fit(GOOD, y)
    before = clf.predict_proba(GOOD)
    for method in ("predict", "predict_proba"):
        with pytest.raises(error, match=match):
            getattr(clf, method)(X)
    if X.shape[1] == 5:
        with pytest.raises(error, match=match):
            clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(GOOD), before)


class ThreadProbe(DenoisingAutoencoder):
    """Records torch's thread count inside fit (in whichever process fits it)."""

    def fit(self, X, y=None):
        import torch

        super().fit(X)
        self.torch_threads_ = torch.get_num_threads()
        return self


def test_parallel_workers_do_not_oversubscribe_threads():
    import os

    from sklearn.model_selection import cross_validate

    result = cross_validate(ThreadProbe(3, max_iter=1), GOOD, cv=2, n_jobs=2, return_estimator=True)
    threads = [est.torch_threads_ for est in result["estimator"]]
    assert 2 * max(threads) <= max(os.cpu_count(), 2), threads


@pytest.mark.parametrize("name", ["StackedDAE", "VAE", "DVAE", "ContractiveAE", "SparseAE"])
def test_grid_search_scores_identical_with_one_or_two_jobs(name):
    from sklearn.model_selection import GridSearchCV

    grid = {"lr": [1e-3, 1e-2]}
    one = GridSearchCV(FACTORIES[name](), grid, cv=2, n_jobs=1).fit(GOOD)
    two = GridSearchCV(FACTORIES[name](), grid, cv=2, n_jobs=2).fit(GOOD)
    np.testing.assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])


# ----------------------------------------------- loud failures (issue 27)
def test_the_imputer_refuses_to_fill_with_nan_next_to_a_huge_finite_value():
    """Bug: a row holding 3e38 (float32) or 1e300 (float64) got NaN fills, with only a numpy warning."""
    import warnings

    from skae import DenoisingImputer

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 5))
    X[rng.uniform(size=X.shape) < 0.2] = np.nan
    imputer = DenoisingImputer(max_iter=3, random_state=0, device="cpu").fit(X)
    for dtype, huge in ((np.float32, 3e38), (np.float64, 1e300)):
        rows = X[:4].astype(dtype)
        rows[2, 0], rows[2, 1] = huge, np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy overflow warning either
            with pytest.raises(ValueError, match=r"cannot fill the missing entries of 1 rows \(\[2\]\)"):
                imputer.transform(rows)
        assert np.isfinite(imputer.transform(np.delete(rows, 2, axis=0))).all()
    # finite once standardised, but whose fill overflows float32 on the way back to a column of
    # huge scale: refused after the network
    wide = X.copy()
    wide[:, 1] *= 1e20
    imputer = DenoisingImputer(max_iter=3, random_state=0, device="cpu").fit(wide)
    rows = wide[:4].astype(np.float32)
    rows[1, 0], rows[1, 1] = 1e37, np.nan
    with np.errstate(over="ignore"):
        assert np.isfinite(imputer._standardised_input(rows, np.isnan(rows))).all()
    with pytest.raises(ValueError, match=r"cannot fill the missing entries of 1 rows \(\[1\]\)"):
        imputer.transform(rows)


@pytest.mark.parametrize("make, fit_args", [
    (lambda: skae.DenoisingImputer(lr=1e3, max_iter=5, random_state=0, device="cpu"), "missing"),
    (lambda: skae.StackedDAEClassifier(8, hidden_layer_sizes=(16,), lr=1e3, max_iter=2, fine_tune_iter=5,
                                       random_state=0, device="cpu"), "labels"),
])
def test_a_finite_loss_that_explodes_is_divergence(small_digits, make, fit_args):
    """Bug: DenoisingImputer(lr=1e3) reached a loss of 9e34 and StackedDAEClassifier(lr=1e3)
    predicted one class, silently."""
    X, y = small_digits
    args = (np.where(np.random.RandomState(0).uniform(size=X.shape) < 0.2, np.nan, X),) if fit_args == "missing" \
        else (X, y)
    est = make()
    with pytest.raises(skae.DivergenceError, match="Training diverged"):
        est.fit(*args)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize("cls", [skae.DenoisingAutoencoder, skae.VAE])
def test_a_partial_fit_that_explodes_keeps_the_good_model(small_digits, cls):
    """Bug: after a good fit, set_params(lr=1e3).partial_fit(X) collapsed DAE codes and blew VAE codes up."""
    X = small_digits[0]
    est = cls(8, max_iter=10, random_state=0, device="cpu").fit(X)
    codes, n_iter = est.transform(X), est.n_iter_
    with pytest.raises(skae.DivergenceError, match="Training diverged"):
        est.set_params(lr=1e3).partial_fit(X)
    np.testing.assert_array_equal(est.transform(X), codes)
    assert est.n_iter_ == n_iter


def test_a_partial_fit_that_collapses_the_code_says_so(small_digits):
    """Bug: SparseAE's codes collapsed silently. Its lowest batch loss stays low (dead ReLU codes
    reconstruct the mean), so this is the collapsed-code warning rather than divergence."""
    from sklearn.exceptions import ConvergenceWarning

    X = small_digits[0]
    est = skae.SparseAE(8, max_iter=10, random_state=0, device="cpu").fit(X)
    with pytest.warns(ConvergenceWarning, match="the code collapsed"):
        est.set_params(lr=1e3).partial_fit(X)


def test_heavy_tailed_data_is_not_divergence():
    """1% of rows scaled by 1,000: batches holding one have losses 1,000s of times the others'."""
    for seed in range(5):
        rng = np.random.RandomState(seed)
        X = rng.normal(size=(1000, 10))
        X[rng.uniform(size=1000) < 0.01] *= 1e3
        skae.AutoencoderOutlierDetector(random_state=seed).fit(X)  # no DivergenceError


def test_the_explosion_rule_starts_afresh_for_each_training_call(small_digits):
    """A partial_fit chunk from another distribution has a higher loss than the last chunk's: not divergence."""
    rng = np.random.RandomState(0)
    dae = skae.DenoisingAutoencoder(4, loss="squared_error", random_state=0, device="cpu")
    for centre in (0.0, 100.0):
        dae.partial_fit(rng.normal(loc=centre, size=(200, 3)))
    assert dae.loss_curve_[1] > 1e3 * max(abs(dae.loss_curve_[0]), 1.0)  # the rise a single rule would refuse


@pytest.mark.parametrize("make, args", [
    (lambda: skae.DenoisingAutoencoder(2, max_iter=1), "X"),
    (lambda: skae.StackedDAEClassifier(2, hidden_layer_sizes=(3,), max_iter=1, fine_tune_iter=1), "Xy"),
    (lambda: skae.DenoisingImputer(max_iter=1), "X"),
    (lambda: skae.AutoencoderOutlierDetector(), "X"),
])
def test_sample_weight_is_a_clear_error(make, args):
    X = np.random.RandomState(0).uniform(size=(40, 4))
    fit_args = (X,) if args == "X" else (X, np.arange(40) % 2)
    est = make()
    with pytest.raises(ValueError, match="does not support sample_weight: every row counts once.*repeat them"):
        est.fit(*fit_args, sample_weight=np.ones(40))
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['weights'\]"):
        est.fit(*fit_args, weights=np.ones(40))
    assert not hasattr(est, "n_features_in_")
    est.fit(*fit_args, sample_weight=None)  # no weight, as meta-estimators pass it


def test_sample_weight_through_a_pipeline_is_a_clear_error():
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    X, y = np.random.RandomState(0).uniform(size=(40, 4)), np.arange(40) % 2
    pipe = Pipeline([("dae", skae.DenoisingAutoencoder(2, max_iter=1)), ("svc", SVC())])
    with pytest.raises(ValueError, match="DenoisingAutoencoder does not support sample_weight"):
        pipe.fit(X, y, dae__sample_weight=np.ones(40))
