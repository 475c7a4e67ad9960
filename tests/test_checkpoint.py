"""Checkpoint each epoch; a new process resumes to the same result as an uninterrupted fit."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skae import DVAE, DenoisingAutoencoder, MaskingNoise, StackedDAE, resumable_fit

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, torch
    from skae import DenoisingAutoencoder, MaskingNoise, resumable_fit
    from skae._net import AutoencoderNet
    from skae.datasets import load_digits_unit
    X = load_digits_unit()[0][:300]
    directory, interrupt_at, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if interrupt_at:
        calls = {"n": 0}
        original = AutoencoderNet.train_step
        def interrupting(self, batch, **kw):
            calls["n"] += 1
            if calls["n"] == interrupt_at:
                raise KeyboardInterrupt
            return original(self, batch, **kw)
        AutoencoderNet.train_step = interrupting
    est = DenoisingAutoencoder(8, corruption=MaskingNoise(0.3), max_iter=6, batch_size=64, random_state=0)
    est = resumable_fit(est, X, directory)
    np.save(out, est.transform(X))
    print(est.n_iter_, len(est.loss_curve_))
""")


def _run(*args):
    return subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)],
                          capture_output=True, text=True, check=True, timeout=300)


def test_a_new_process_resumes_to_the_uninterrupted_result(digits, tmp_path):
    X = digits[0][:300]
    reference = DenoisingAutoencoder(8, corruption=MaskingNoise(0.3), max_iter=6, batch_size=64,
                                     random_state=0).fit(X)
    directory = tmp_path / "ckpt"
    # process 1: interrupted in epoch 4 (5 batches per epoch: the 18th step)
    first = _run(directory, 18, tmp_path / "first.npy")
    assert "interrupted during epoch 4" in first.stderr
    assert json.loads((directory / "checkpoint.json").read_text())["epochs_done"] == 3
    # process 2: resumes at epoch 4 and finishes
    second = _run(directory, 0, tmp_path / "second.npy")
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
    with pytest.raises(ValueError, match="single-phase models"):
        resumable_fit(StackedDAE(), X, tmp_path / "other")
