"""skae transformers swapped in where scikit-learn's gallery has PCA, TruncatedSVD or BernoulliRBM.

Each test builds a gallery-style pipeline around the classical reducer and the same pipeline with a skae
transformer in its place, as a user swapping would, and scores both on a held-out split of digits. A
chance-level score (0.1) is the bug this guards against: raw sigmoid codes in (0, 1), with a spread of
about 0.3 per unit, made ``LogisticRegression(tol=0.1)`` of the PCA gallery example stop at its first
step and predict one class (``scale_codes`` fixes it).

The margin: the skae steps are trained for 20 epochs on 1,347 rows, untuned. Measured at this commit,
the largest shortfall of a swap against the original was 0.18 (SparseAE under GaussianNB); a swap
must stay within 0.25 of the original and above 0.6 (six times chance).
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC

from skae import DVAE, VAE, ContractiveAE, DenoisingAutoencoder, SparseAE, StackedDAE

TRANSFORMERS = [DenoisingAutoencoder, StackedDAE, ContractiveAE, SparseAE, VAE, DVAE]
MARGIN, FLOOR = 0.25, 0.6

#: The classifiers users put after PCA (the gallery's LogisticRegression at its loose tol first).
AFTER_PCA = {
    "LogisticRegression(tol=0.1)": lambda: LogisticRegression(max_iter=10000, tol=0.1),
    "LinearSVC": LinearSVC,
    "SVC": SVC,
    "KNeighborsClassifier": KNeighborsClassifier,
    "GaussianNB": GaussianNB,
}


@pytest.fixture(scope="module")
def split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0, stratify=y)


def _skae(cls, n_components):
    return cls(n_components, max_iter=20, random_state=0, device="cpu")


def _score(steps, split, memory=None):
    X_train, X_test, y_train, y_test = split
    return Pipeline(steps, memory=memory).fit(X_train, y_train).score(X_test, y_test)


@pytest.mark.slow  # 6 x 5 pipelines: about 30 s
@pytest.mark.parametrize("cls", TRANSFORMERS, ids=lambda c: c.__name__)
def test_swapped_for_pca_before_every_classifier_users_put_there(cls, split, tmp_path):
    """"Pipelining: chaining a PCA and a logistic regression": StandardScaler -> PCA(30) -> classifier."""
    for name, classifier in AFTER_PCA.items():
        original = _score([("scaler", StandardScaler()), ("reduce", PCA(30)), ("clf", classifier())], split)
        # memory: the autoencoder is fitted once and reused for every classifier
        swapped = _score([("scaler", StandardScaler()), ("reduce", _skae(cls, 30)), ("clf", classifier())],
                         split, memory=str(tmp_path))
        assert swapped > FLOOR and swapped > original - MARGIN, (name, swapped, original)


@pytest.mark.slow  # about 60 s
@pytest.mark.parametrize("cls", TRANSFORMERS, ids=lambda c: c.__name__)
def test_swapped_for_truncated_svd_and_for_an_rbm(cls, split):
    """TruncatedSVD on [0, 1] features (as on tf-idf) before LinearSVC; the RBM gallery example's pipeline
    (MinMaxScaler -> BernoulliRBM(100) -> LogisticRegression(C=6000))."""
    X_train, X_test, y_train, y_test = split
    unit = (X_train / 16, X_test / 16, y_train, y_test)
    original = _score([("reduce", TruncatedSVD(30, random_state=0)), ("clf", LinearSVC())], unit)
    swapped = _score([("reduce", _skae(cls, 30)), ("clf", LinearSVC())], unit)
    assert swapped > FLOOR and swapped > original - MARGIN, ("TruncatedSVD", swapped, original)

    rbm = BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=10, random_state=0)
    logistic = LogisticRegression(C=6000, max_iter=1000)
    original = _score([("scaler", MinMaxScaler()), ("reduce", rbm), ("clf", logistic)], split)
    swapped = _score([("scaler", MinMaxScaler()), ("reduce", _skae(cls, 100)), ("clf", logistic)], split)
    assert swapped > FLOOR and swapped > original - MARGIN, ("BernoulliRBM", swapped, original)


def test_raw_sigmoid_codes_are_what_left_the_gallery_example_at_chance(split):
    """The failure scale_codes fixes, shown on one fit: the same codes, raw and scaled."""
    X_train, X_test, y_train, y_test = split
    scaler = StandardScaler().fit(X_train)
    dae = _skae(DenoisingAutoencoder, 30).fit(scaler.transform(X_train))
    logistic = LogisticRegression(max_iter=10000, tol=0.1)

    def accuracy():
        return logistic.fit(dae.transform(scaler.transform(X_train)), y_train).score(
            dae.transform(scaler.transform(X_test)), y_test)

    scaled = accuracy()
    raw = accuracy() if dae.set_params(scale_codes=False) else None
    assert raw < 0.2 < FLOOR < scaled  # measured: 0.10 and 0.87


@pytest.mark.parametrize("cls", [DenoisingAutoencoder, ContractiveAE], ids=lambda c: c.__name__)
def test_a_saturated_code_on_unscaled_features_warns(cls, split):
    """Digits' raw 0-16 features saturate a sigmoid code in 20 epochs: LinearSVC on it scores near chance,
    which must not pass silently. The same fit on features in [0, 1] does not warn."""
    X_train, X_test, y_train, y_test = split
    with pytest.warns(ConvergenceWarning, match="code saturated.*StandardScaler or MinMaxScaler"):
        est = _skae(cls, 30).fit(X_train)
    assert LinearSVC().fit(est.transform(X_train), y_train).score(est.transform(X_test), y_test) < FLOOR
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _skae(cls, 30).fit(X_train / 16)


def test_scale_codes_statistics_follow_partial_fit_and_a_one_row_chunk_keeps_them(split):
    X = split[0] / 16
    dae = DenoisingAutoencoder(16, random_state=0, device="cpu").partial_fit(X[:500])
    first = dae.code_mean_.copy(), dae.code_scale_
    Z = dae.transform(X[:500])
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-5)
    dae.partial_fit(X[500:1000])  # the encoder changed: measured again on this chunk
    assert not np.allclose(dae.code_mean_, first[0])
    np.testing.assert_allclose(dae.transform(X[500:1000]).mean(axis=0), 0, atol=1e-5)
    second = dae.code_mean_.copy(), dae.code_scale_
    dae.partial_fit(X[:1])  # one row has no spread: the previous statistics stay
    np.testing.assert_array_equal(dae.code_mean_, second[0])
    assert dae.code_scale_ == second[1]


def test_inverse_transform_undoes_the_scaling_without_modifying_its_input(split):
    X = split[0][:200] / 16
    dae = DenoisingAutoencoder(16, max_iter=5, random_state=0, device="cpu").fit(X)
    Z = dae.transform(X)
    kept = Z.copy()
    scaled = dae.inverse_transform(Z)
    np.testing.assert_array_equal(Z, kept)
    raw = dae.set_params(scale_codes=False)
    np.testing.assert_allclose(scaled, raw.inverse_transform(raw.transform(X)), rtol=1e-6, atol=1e-9)
