"""AutoencoderOutlierDetector: scikit-learn's outlier API over any skae model."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils._param_validation import InvalidParameterError

from skae import VAE, AutoencoderOutlierDetector, DenoisingAutoencoder

FAST_DAE = DenoisingAutoencoder(4, max_iter=40, loss="squared_error", random_state=0)


def data(n=400, n_out=20, d=10, seed=0):
    """Inliers near a 3-D subspace; outliers uniform in the same box. Labels: +1 inlier, -1 outlier."""
    rng = np.random.RandomState(seed)
    inliers = rng.normal(size=(n, 3)) @ rng.normal(size=(3, d)) + 0.1 * rng.normal(size=(n, d))
    scale = inliers.std(axis=0)
    X = np.vstack([inliers, rng.uniform(-3, 3, size=(n_out, d)) * scale]) / scale
    return X, np.r_[np.ones(n), -np.ones(n_out)]


def test_scores_separate_outliers_and_follow_the_outlier_conventions():
    X, y = data()
    detector = AutoencoderOutlierDetector(FAST_DAE, contamination=0.05).fit(X)
    scores = detector.score_samples(X)
    assert roc_auc_score(y, scores) > 0.95  # higher is more normal
    np.testing.assert_allclose(detector.decision_function(X), scores - detector.offset_)
    labels = detector.predict(X)
    assert set(labels) <= {-1, 1}
    assert abs(np.mean(labels == -1) - 0.05) <= 1 / len(X)  # the training quantile
    assert np.array_equal(detector.fit_predict(X), labels)
    np.testing.assert_array_equal(scores, detector.estimator_.score_samples(X))


def test_auto_contamination_is_a_robust_z_rule_on_the_cross_fitted_scores():
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    from skae.engine.seeds import purpose_seed

    X, y = data()
    detector = AutoencoderOutlierDetector(FAST_DAE, random_state=0).fit(X)
    scores = np.empty(len(X))  # each row scored by a model fitted without it
    folds = KFold(3, shuffle=True, random_state=purpose_seed(0, "detector-folds"))
    for train, held_out in folds.split(X):
        model = clone(FAST_DAE).set_params(random_state=0).fit(X[train])
        scores[held_out] = model.score_samples(X[held_out])
    median = np.median(scores)
    assert detector.offset_ == pytest.approx(median - 3 * 1.4826 * np.median(np.abs(scores - median)))
    flagged = detector.predict(X) == -1
    assert flagged[y == -1].mean() > 0.7 and flagged[y == 1].mean() < 0.1
    on_training = AutoencoderOutlierDetector(FAST_DAE, cv=None, random_state=0).fit(X)
    train = on_training.estimator_.score_samples(X)
    median = np.median(train)
    assert on_training.offset_ == pytest.approx(median - 3 * 1.4826 * np.median(np.abs(train - median)))


def test_auto_flags_new_inliers_at_the_rate_it_was_set_for():
    """Bug: the threshold was set on training scores, which a model fits too well: it flagged 16%
    of held-out benign breast-cancer rows (5 splits), against about 6% of the clean rows it was
    meant for. Cross-fitted scores give 6% there."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    rates = {3: [], None: []}
    for seed in range(3):
        rows = np.random.RandomState(seed).permutation(np.flatnonzero(y == 1))  # benign: the inliers
        scaler = StandardScaler().fit(X[rows[:200]])
        train, new = scaler.transform(X[rows[:200]]), scaler.transform(X[rows[200:]])
        for cv in rates:
            detector = AutoencoderOutlierDetector(cv=cv, random_state=seed).fit(train)
            rates[cv].append(np.mean(detector.predict(new) == -1))
    # per split, the two rates differed by 8-11 points over 5 splits (157 new rows: binomial sd ~2 points)
    assert np.mean(rates[None]) - np.mean(rates[3]) > 0.05, rates
    assert np.mean(rates[3]) < 0.11, rates


def test_scores_are_reproducible_and_rows_are_scored_independently():
    X, _ = data()
    a = AutoencoderOutlierDetector(FAST_DAE, random_state=3).fit(X)
    b = AutoencoderOutlierDetector(FAST_DAE, random_state=3).fit(X)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    c = AutoencoderOutlierDetector(FAST_DAE, random_state=4).fit(X)
    assert not np.array_equal(a.score_samples(X), c.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X[:7]), a.score_samples(X)[:7])
    vae = AutoencoderOutlierDetector(VAE(2, hidden_layer_sizes=(16,), max_iter=30), random_state=0).fit(X)
    np.testing.assert_array_equal(vae.score_samples(X[5:9]), vae.score_samples(X)[5:9])  # per-row noise
    assert roc_auc_score(data()[1], vae.score_samples(X)) > 0.9


def test_grid_search_with_a_scorer_on_labelled_data():
    X, y = data()
    search = GridSearchCV(AutoencoderOutlierDetector(FAST_DAE, random_state=0),
                          {"estimator__n_components": [2, 6]}, scoring="roc_auc",
                          cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X, y)
    assert search.best_params_["estimator__n_components"] in (2, 6) and search.best_score_ > 0.8


def test_the_default_model_and_bad_parameters():
    X, y = data()
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    assert detector.estimator_.n_components == 5 and detector.estimator_.hidden_layer_sizes == (64,)
    assert roc_auc_score(y, detector.score_samples(X)) > 0.95
    with pytest.raises(InvalidParameterError, match="contamination"):
        AutoencoderOutlierDetector(contamination=0.7).fit(X)
    with pytest.raises(InvalidParameterError, match="estimator"):
        AutoencoderOutlierDetector(estimator="dae").fit(X)
    with pytest.raises(ValueError, match="features"):
        detector.score_samples(X[:, :3])


def test_save_and_load_give_the_same_scores(tmp_path):
    import skae

    X, _ = data()
    for detector in (AutoencoderOutlierDetector(FAST_DAE, contamination=0.1, random_state=0),
                     AutoencoderOutlierDetector(VAE(2, hidden_layer_sizes=(16,), max_iter=5), random_state=0)):
        detector.fit(X)
        skae.save(detector, tmp_path / "detector.skae")
        loaded = skae.load(tmp_path / "detector.skae")
        np.testing.assert_array_equal(loaded.decision_function(X), detector.decision_function(X))
        assert loaded.offset_ == detector.offset_ and loaded.get_params()["contamination"] == detector.contamination


def test_load_puts_the_detectors_model_on_the_device_asked_for(tmp_path):
    """Bug: skae.load(path, device=...) was silently ignored for the detector (its model's device)."""
    import torch

    import skae

    X, _ = data()
    detector = AutoencoderOutlierDetector(FAST_DAE.set_params(device="cpu", max_iter=3), random_state=0).fit(X)
    skae.save(detector, tmp_path / "detector.skae")
    if torch.cuda.is_available():
        loaded = skae.load(tmp_path / "detector.skae", device="cuda")
        assert loaded.device_.type == "cuda" and loaded.estimator_.get_params()["device"] == "cuda"
        np.testing.assert_allclose(loaded.score_samples(X), detector.score_samples(X), rtol=1e-4, atol=1e-4)
    else:  # as for any model: asking for a device this machine lacks is a clear error, not ignored
        with pytest.raises(ValueError, match="CUDA is not available"):
            skae.load(tmp_path / "detector.skae", device="cuda")
    loaded = skae.load(tmp_path / "detector.skae", device="cpu")
    assert loaded.device_.type == "cpu"
    np.testing.assert_array_equal(loaded.score_samples(X), detector.score_samples(X))


def test_feature_scores_sum_to_the_score_and_point_at_the_corrupted_column():
    """Issue 32: which features made a row anomalous. A row with one column pushed far off must have that
    column's term the largest; the terms are the reconstruction loss's, so they sum to -score_samples."""
    rng = np.random.RandomState(0)
    latent = rng.normal(size=(400, 3))
    X = latent @ rng.normal(size=(3, 8)) + 0.1 * rng.normal(size=(400, 8))  # correlated columns
    detector = AutoencoderOutlierDetector(DenoisingAutoencoder(4, max_iter=30), random_state=0).fit(X)
    scores = detector.feature_scores(X)
    assert scores.shape == X.shape and (scores >= 0).all()
    np.testing.assert_allclose(scores.sum(axis=1), -detector.score_samples(X), rtol=1e-5, atol=1e-6)
    odd = X[:20].copy()
    for i in range(len(odd)):
        odd[i, i % 8] += 10 * X[:, i % 8].std()  # each row: one column far off
    assert (np.argmax(detector.feature_scores(odd), axis=1) == np.arange(20) % 8).all()


def test_feature_scores_of_a_variational_detector_is_a_clear_error():
    X = np.random.RandomState(0).uniform(size=(100, 6))
    detector = AutoencoderOutlierDetector(VAE(2, max_iter=2), random_state=0).fit(X)
    with pytest.raises(TypeError, match="feature_scores needs a reconstruction score"):
        detector.feature_scores(X)
