"""Checkpoint each epoch; a new process resumes to the same result as an uninterrupted fit."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skae import (  # noqa: F401  (the models in MODELS are eval-ed by name)
    DVAE,
    DenoisingAutoencoder,
    MaskingNoise,
    StackedDAE,
    StackedDAEClassifier,
    resumable_fit,
)

MODELS = {
    "dae": "DenoisingAutoencoder(8, corruption=MaskingNoise(0.3), max_iter=6, batch_size=64, random_state=0)",
    # 5 steps an epoch: layer 1 is steps 1-15, layer 2 steps 16-30, fine-tuning 31-40
    "stacked": "StackedDAE(8, hidden_layer_sizes=(16,), max_iter=3, fine_tune_iter=2, random_state=0)",
    "sdac": "StackedDAEClassifier(8, hidden_layer_sizes=(16,), max_iter=3, fine_tune_iter=2, random_state=0)",
}

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, torch
    from skae import DenoisingAutoencoder, MaskingNoise, StackedDAE, StackedDAEClassifier, resumable_fit
    from skae.engine.net import SkaeNet
    from skae.datasets import load_digits_unit
    X, y = load_digits_unit()
    X, y = X[:300], y[:300]
    directory, interrupt_at, out, model = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if interrupt_at:
        calls = {"n": 0}
        original = SkaeNet.train_step
        def interrupting(self, batch, **kw):
            calls["n"] += 1
            if calls["n"] == interrupt_at:
                raise KeyboardInterrupt
            return original(self, batch, **kw)
        SkaeNet.train_step = interrupting
    est = eval(model)
    if isinstance(est, StackedDAEClassifier):
        est = resumable_fit(est, X, directory, y=y)
        np.save(out, est.predict_proba(X))
    else:
        est = resumable_fit(est, X, directory)
        np.save(out, est.transform(X))
    print(est.n_iter_, len(est.loss_curve_))
""")


def _run(*args):
    return subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)],
                          capture_output=True, text=True, check=True, timeout=300)


@pytest.mark.slow
def test_a_new_process_resumes_to_the_uninterrupted_result(digits, tmp_path):
    X = digits[0][:300]
    reference = DenoisingAutoencoder(8, corruption=MaskingNoise(0.3), max_iter=6, batch_size=64,
                                     random_state=0).fit(X)
    directory = tmp_path / "ckpt"
    # process 1: interrupted in epoch 4 (5 batches per epoch: the 18th step)
    first = _run(directory, 18, tmp_path / "first.npy", MODELS["dae"])
    assert "interrupted during epoch 4" in first.stderr
    assert json.loads((directory / "checkpoint.json").read_text())["epochs_done"] == 3
    # process 2: resumes at epoch 4 and finishes
    second = _run(directory, 0, tmp_path / "second.npy", MODELS["dae"])
    assert second.stdout.split() == ["6", "6"]
    np.testing.assert_array_equal(np.load(tmp_path / "second.npy"), reference.transform(X))
    assert not np.array_equal(np.load(tmp_path / "first.npy"), reference.transform(X))


def test_resumable_fit_equals_fit_and_a_finished_checkpoint_is_reused(digits, tmp_path):
    X = (digits[0][:300] > 0.5).astype(float)
    make = lambda: DVAE(4, hidden_layer_sizes=(16,), max_iter=3, random_state=0)  # noqa: E731
    reference = make().fit(X)
    est = resumable_fit(make(), X, tmp_path)
    np.testing.assert_array_equal(est.transform(X), reference.transform(X))
    assert est.loss_curve_ == reference.loss_curve_
    again = resumable_fit(make(), X, tmp_path)  # nothing left to run
    np.testing.assert_array_equal(again.score_samples(X), reference.score_samples(X))
    assert again.n_iter_ == 3


def test_a_checkpoint_of_another_fit_is_refused(digits, tmp_path):
    X = digits[0][:200]
    resumable_fit(DenoisingAutoencoder(4, max_iter=1, random_state=0), X, tmp_path)
    with pytest.raises(ValueError, match="checkpoint of a different fit"):
        resumable_fit(DenoisingAutoencoder(5, max_iter=1, random_state=0), X, tmp_path)
    with pytest.raises(ValueError, match="checkpoint of a different fit"):
        resumable_fit(DenoisingAutoencoder(4, max_iter=1, random_state=0), X[:100], tmp_path)
    with pytest.raises(ValueError, match="checkpoint of a different fit"):
        resumable_fit(StackedDAE(4, max_iter=1, random_state=0), X, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["stacked", "sdac"])
def test_a_stack_interrupted_in_its_second_layer_resumes_in_a_new_process(digits, tmp_path, model):
    X, y = digits[0][:300], digits[1][:300]
    reference = eval(MODELS[model])
    if model == "sdac":
        reference = reference.fit(X, y).predict_proba(X)
    else:
        reference = reference.fit(X).transform(X)
    directory = tmp_path / "ckpt"
    first = _run(directory, 22, tmp_path / "first.npy", MODELS[model])  # layer 2, epoch 2
    assert "interrupted during epoch 2" in first.stderr
    meta = json.loads((directory / "checkpoint.json").read_text())
    assert meta["phases_done"] == 1 and meta["epochs_done"] == 3 + 1
    second = _run(directory, 0, tmp_path / "second.npy", MODELS[model])
    assert second.stdout.split() == ["8", "2"]  # 3 + 3 pretraining epochs, 2 fine-tuning
    np.testing.assert_array_equal(np.load(tmp_path / "second.npy"), reference)
    assert not np.array_equal(np.load(tmp_path / "first.npy"), reference)


def test_resumable_fit_of_the_imputer_is_its_fit(tmp_path):
    """Bug: resumable_fit(DenoisingImputer(...)) never set residual_std_, kept a copy of the training
    data on the object, and transform(sample_posterior=True) raised AttributeError."""
    from skae import DenoisingImputer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 6))
    X[rng.uniform(size=X.shape) < 0.2] = np.nan
    settings = dict(max_iter=3, sample_posterior=True, random_state=0, device="cpu")
    resumed = resumable_fit(DenoisingImputer(**settings), X, tmp_path)
    fitted = DenoisingImputer(**settings).fit(X)
    np.testing.assert_array_equal(resumed.residual_std_, fitted.residual_std_)
    assert np.all(resumed.residual_std_ > 0)
    def holds_rows(value):  # an array with a row per training row, or a tuple of them
        parts = value if isinstance(value, tuple) else (value,)
        return any(isinstance(v, np.ndarray) and v.shape[:1] == (len(X),) for v in parts)

    assert not any(holds_rows(v) for v in vars(resumed).values())  # no copy of the training data
    np.testing.assert_array_equal(resumed.transform(X), fitted.transform(X))
    assert not np.isnan(resumed.transform(X)).any()


def test_a_dataframe_with_bool_and_nullable_columns_resumes(tmp_path):
    """Bug: object arrays were fingerprinted by their pointers, so such a DataFrame never resumed."""
    pd = pytest.importorskip("pandas")

    def frame():  # a new object each time: new pointers, same contents
        return pd.DataFrame({"x": np.linspace(0, 1, 60),
                             "flag": np.arange(60) % 2 == 0,
                             "count": pd.array(np.arange(60) % 7, dtype="Int64")})

    first = resumable_fit(DenoisingAutoencoder(2, max_iter=3, random_state=0), frame(), tmp_path)
    written = (tmp_path / "checkpoint.pt").stat().st_mtime_ns
    again = resumable_fit(DenoisingAutoencoder(2, max_iter=3, random_state=0), frame(), tmp_path)
    np.testing.assert_array_equal(again.transform(frame()), first.transform(frame()))
    assert (tmp_path / "checkpoint.pt").stat().st_mtime_ns == written  # reused, not refit (a fit rewrites it)
    changed = frame()
    changed.loc[0, "flag"] = False
    with pytest.raises(ValueError, match="different fit"):
        resumable_fit(DenoisingAutoencoder(2, max_iter=3, random_state=0), changed, tmp_path)


def test_verbose_may_change_between_a_fit_and_its_resume(digits, tmp_path):
    X = digits[0][:200]
    first = resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=0), X, tmp_path)
    again = resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=0, verbose=2), X, tmp_path)
    np.testing.assert_array_equal(again.transform(X), first.transform(X))


def test_a_checkpoint_file_of_another_fit_or_a_corrupt_one_is_refused(digits, tmp_path):
    import shutil

    X = digits[0][:200]
    a, b = tmp_path / "a", tmp_path / "b"
    resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=0), X, a)
    resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=1), X, b)
    shutil.copy(a / "checkpoint.pt", b / "checkpoint.pt")  # b's checkpoint.json, a's weights
    with pytest.raises(ValueError, match="different fit"):
        resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=1), X, b)
    (a / "checkpoint.pt").write_bytes(b"\x00not a checkpoint")
    with pytest.raises(ValueError, match="unreadable checkpoint .*delete the folder"):
        resumable_fit(DenoisingAutoencoder(4, max_iter=2, random_state=0), X, a)
    assert not [p.name for p in a.iterdir() if p.name.endswith(".tmp")]


def test_concurrent_writers_of_one_checkpoint_never_share_a_temporary_file(tmp_path):
    """Bug: every writer used "<file>.tmp"; two processes resuming one folder crashed on each other's rename."""
    import threading

    from skae.io.persistence import replace_atomically

    path, errors = str(tmp_path / "checkpoint.json"), []

    def writer(i):
        for j in range(40):
            try:
                replace_atomically(path, lambda f: f.write(json.dumps({"writer": i, "round": j}).encode()))
            except Exception as exc:  # noqa: BLE001 - any failure is the bug
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(json.loads(open(path).read())) == {"writer", "round"}  # a whole file, from one writer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json"]


def test_sample_weight_through_resumable_fit_and_an_old_checkpoint_format(digits, tmp_path):
    import torch

    X = digits[0][:100]
    with pytest.raises(ValueError, match="does not support sample_weight"):
        resumable_fit(DenoisingAutoencoder(4, max_iter=1, random_state=0), X, tmp_path / "w",
                      sample_weight=np.ones(100))
    resumable_fit(DenoisingAutoencoder(4, max_iter=1, random_state=0), X, tmp_path / "o")
    state = torch.load(tmp_path / "o" / "checkpoint.pt", weights_only=True)
    del state["fingerprint"]  # as written before the fingerprint moved into checkpoint.pt
    torch.save(state, tmp_path / "o" / "checkpoint.pt")
    with pytest.raises(ValueError, match="older format"):
        resumable_fit(DenoisingAutoencoder(4, max_iter=1, random_state=0), X, tmp_path / "o")
