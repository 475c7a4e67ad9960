"""Scaling out: streaming partial_fit, and Dask for data and searches (loopback only)."""

import numpy as np
import pytest

from skae import VAE, DenoisingAutoencoder

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(2000, 20))


def test_streaming_from_a_memmap_in_chunks(tmp_path):
    """Data larger than memory: read chunks of an np.memmap, one partial_fit per chunk."""
    path = tmp_path / "X.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    data = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)

    def chunks(array, size):
        for start in range(0, len(array), size):
            yield np.asarray(array[start : start + size])

    est = DenoisingAutoencoder(4, random_state=0)
    for _ in range(3):  # three passes over the data
        for chunk in chunks(data, 500):
            est.partial_fit(chunk)
    assert est.n_iter_ == 12 and est.n_features_in_ == 20
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(np.zeros((10, 7)))
    # the same chunks in memory give the same model
    ref = DenoisingAutoencoder(4, random_state=0)
    for _ in range(3):
        for chunk in chunks(X.astype(np.float32), 500):
            ref.partial_fit(chunk)
    np.testing.assert_array_equal(ref.transform(X), est.transform(X))


def test_dask_incremental_trains_one_pass_per_block():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    dX = da.from_array(X, chunks=(500, 20))
    inc = wrappers.Incremental(DenoisingAutoencoder(4, random_state=0), shuffle_blocks=False).fit(dX)
    assert inc.estimator_.n_iter_ == 4
    manual = DenoisingAutoencoder(4, random_state=0)
    for start in range(0, 2000, 500):
        manual.partial_fit(X[start : start + 500])
    np.testing.assert_array_equal(inc.estimator_.transform(X), manual.transform(X))


def test_dask_parallel_post_fit_transform_and_score():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    dX = da.from_array(X, chunks=(300, 20))
    ppf = wrappers.ParallelPostFit(VAE(2, hidden_layer_sizes=(8,), max_iter=2, random_state=0)).fit(X)
    Z = ppf.transform(dX)
    assert isinstance(Z, da.Array)
    np.testing.assert_allclose(Z.compute(), ppf.estimator.transform(X), rtol=1e-12)
    # per-row Monte Carlo noise: block-wise scores equal whole-array scores
    scores = dX.map_blocks(lambda b: ppf.estimator.score_samples(b), drop_axis=1, dtype=float)
    np.testing.assert_allclose(scores.compute(), ppf.estimator.score_samples(X), rtol=1e-12)


@pytest.mark.slow
def test_grid_search_on_a_local_dask_cluster_matches_n_jobs_1():
    pytest.importorskip("dask_ml")
    distributed = pytest.importorskip("distributed")
    import joblib
    from sklearn.model_selection import GridSearchCV

    grid = {"corruption__rate": [0.0, 0.3], "n_components": [3, 5]}
    one = GridSearchCV(DenoisingAutoencoder(4, max_iter=3, random_state=0), grid, cv=2, n_jobs=1).fit(X)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            with joblib.parallel_backend("dask"):
                two = GridSearchCV(DenoisingAutoencoder(4, max_iter=3, random_state=0), grid, cv=2,
                                   n_jobs=-1).fit(X)
    np.testing.assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    assert one.best_params_ == two.best_params_
