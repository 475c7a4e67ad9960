"""ONNX export (``skae.onnx``, the ``[onnx]`` extra): onnxruntime gives what the estimator gives."""

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skae import (  # noqa: E402
    DVAE,
    VAE,
    AutoencoderOutlierDetector,
    ContractiveAE,
    DenoisingAutoencoder,
    DenoisingImputer,
    SparseAE,
    StackedDAE,
    StackedDAEClassifier,
)
from skae.modules import ConvDecoder, ConvEncoder  # noqa: E402
from skae.onnx import to_onnx  # noqa: E402

FAST = {"max_iter": 3, "random_state": 0, "device": "cpu"}

TRANSFORMERS = {
    "DenoisingAutoencoder": lambda: DenoisingAutoencoder(8, hidden_layer_sizes=(16,), **FAST),
    "DenoisingAutoencoder(scale_codes=False)": lambda: DenoisingAutoencoder(8, scale_codes=False, **FAST),
    "StackedDAE": lambda: StackedDAE(8, hidden_layer_sizes=(24,), fine_tune_iter=2, **FAST),
    "ContractiveAE": lambda: ContractiveAE(8, **FAST),
    "SparseAE": lambda: SparseAE(8, **FAST),
    "VAE": lambda: VAE(4, hidden_layer_sizes=(16,), **FAST),
    "DVAE": lambda: DVAE(4, hidden_layer_sizes=(16,), **FAST),
    "conv pair (encoder=)": lambda: DenoisingAutoencoder(
        8, encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 8, 8), **FAST),
}


def run(onx, X):
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.fixture(scope="module")
def X(digits):
    return digits[0].astype(np.float32)


@pytest.mark.parametrize("name", list(TRANSFORMERS))
def test_transform_matches_onnxruntime_at_batch_1_and_257(name, X):
    est = TRANSFORMERS[name]().fit(X[:400])
    onx = to_onnx(est, X[:1])
    # compared in the encoder's units: transform divides by code_scale_, which magnifies float32's
    # rounding along with the codes (a conv pair's convolutions differ from onnxruntime's by ~1e-6)
    unit = est.code_scale_ if getattr(est, "scale_codes", False) else 1.0
    for batch in (X[:1], X[:257]):
        (codes,) = run(onx, batch)
        np.testing.assert_allclose(codes * unit, est.transform(batch) * unit, rtol=1e-5, atol=1e-5)


def test_a_pipeline_with_a_classifier_gives_identical_labels(digits):
    X, y = digits[0].astype(np.float32), digits[1]
    pipe = Pipeline([("scaler", StandardScaler()), ("dae", DenoisingAutoencoder(16, **FAST)),
                     ("clf", LogisticRegression(max_iter=500))]).fit(X, y)
    onx = to_onnx(pipe, X[:1], options={id(pipe.named_steps["clf"]): {"zipmap": False}})
    labels, proba = run(onx, X)
    np.testing.assert_array_equal(labels, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), atol=1e-5)


def test_skl2onnx_own_to_onnx_converts_a_pipeline_once_skae_onnx_is_imported(digits):
    from skl2onnx import to_onnx as skl2onnx_to_onnx

    X = digits[0].astype(np.float32)
    pipe = Pipeline([("scaler", StandardScaler()), ("sdae", StackedDAE(8, hidden_layer_sizes=(16,), **FAST))]).fit(X)
    (codes,) = run(skl2onnx_to_onnx(pipe, X[:1]), X[:50])
    np.testing.assert_allclose(codes, pipe.transform(X[:50]), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("labels,weight", [("int", 0.0), ("str", 0.0), ("int", 1.0)])
def test_stacked_dae_classifier_labels_and_probabilities(digits, labels, weight):
    X, y = digits[0].astype(np.float32)[:400], digits[1][:400]
    y = y if labels == "int" else np.array([f"digit {d}" for d in y], dtype=object)
    clf = StackedDAEClassifier(hidden_layer_sizes=(32,), n_components=16, fine_tune_iter=3,
                               reconstruction_weight=weight, **FAST).fit(X, y)  # 1.0: a decoder left out
    onx = to_onnx(clf, X[:1], options={id(clf): {"zipmap": False}})
    for batch in (X[:1], X[:257]):
        predicted, proba = run(onx, batch)
        np.testing.assert_array_equal(predicted, clf.predict(batch))
        np.testing.assert_allclose(proba, clf.predict_proba(batch), rtol=1e-5, atol=1e-5)


def test_float64_input_exports_a_double_graph(X):
    est = DenoisingAutoencoder(8, **FAST).fit(X[:300])
    X64 = X[:20].astype(np.float64)
    (codes,) = run(to_onnx(est, X64[:1]), X64)
    assert codes.dtype == np.float64
    np.testing.assert_allclose(codes, est.transform(X64), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("options", [{}, {"keep_empty_features": True, "add_indicator": True}])
def test_the_imputer_keeps_observed_entries_and_fills_missing_ones_as_transform_does(X, options):
    rng = np.random.RandomState(0)
    X_missing = np.where(rng.uniform(size=X.shape) < 0.2, np.nan, X).astype(np.float32)
    X_missing[:, 0] = np.nan  # a column empty at fit: dropped, or kept and filled with 0
    with pytest.warns(UserWarning) if not options else _no_warning():
        imputer = DenoisingImputer(max_iter=3, random_state=0, **options).fit(X_missing[:400])
    onx = to_onnx(imputer, X_missing[:1])
    for batch in (X_missing[:1], X_missing[:257]):
        (filled,) = run(onx, batch)
        expected = imputer.transform(batch)
        assert filled.shape == expected.shape
        np.testing.assert_allclose(filled, expected, rtol=1e-5, atol=1e-5)


def _no_warning():
    import contextlib
    import warnings

    @contextlib.contextmanager
    def guard():
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            yield
    return guard()


@pytest.mark.parametrize("contamination", ["auto", 0.1])
def test_the_detector_gives_predict_decision_function_and_score_samples(X, contamination):
    detector = AutoencoderOutlierDetector(DenoisingAutoencoder(8, **FAST), contamination=contamination,
                                          random_state=0).fit(X[:400])
    onx = to_onnx(detector, X[:1], options={id(detector): {"score_samples": True}})
    for batch in (X[:1], X[:257]):
        labels, decision, scores = run(onx, batch)
        np.testing.assert_array_equal(labels[:, 0], detector.predict(batch))
        np.testing.assert_allclose(decision[:, 0], detector.decision_function(batch), rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(scores[:, 0], detector.score_samples(batch), rtol=1e-5, atol=1e-4)
    if contamination == 0.1:  # a tenth of the training rows are flagged: both labels are exercised
        assert set(np.unique(run(onx, X[:400])[0])) == {-1, 1}


@pytest.mark.parametrize("make, what", [
    (lambda: DenoisingImputer(max_iter=2, sample_posterior=True, random_state=0), "sample_posterior=True"),
    (lambda: AutoencoderOutlierDetector(VAE(2, max_iter=2), random_state=0), "around a VAE"),
], ids=["imputer drawing fills", "detector around a VAE"])
def test_what_draws_noise_is_a_clear_error_naming_it(make, what, X):
    est = make().fit(X[:100])
    with pytest.raises(TypeError, match=f"cannot export.*{what}"):
        to_onnx(est, X[:1])
    with pytest.raises(TypeError, match=f"cannot export.*{what}"):  # inside a pipeline too
        to_onnx(Pipeline([("scale", StandardScaler()), ("model", est)]).fit(X[:100]), X[:1])


def test_a_column_transformer_with_a_skae_step_exports(X):
    """skl2onnx's ColumnTransformer converter with a skae step on some columns and a scaler on the others."""
    from sklearn.compose import ColumnTransformer

    columns = ColumnTransformer([("dae", DenoisingAutoencoder(6, **FAST), list(range(32))),
                                 ("scale", StandardScaler(), list(range(32, 64)))])
    pipe = Pipeline([("columns", columns), ("clf", LogisticRegression(max_iter=300))]).fit(X[:400], np.arange(400) % 3)
    onx = to_onnx(pipe, X[:1], options={id(pipe.named_steps["clf"]): {"zipmap": False}})
    labels, proba = run(onx, X[:257])
    np.testing.assert_array_equal(labels, pipe.predict(X[:257]))
    np.testing.assert_allclose(proba, pipe.predict_proba(X[:257]), atol=1e-5)
