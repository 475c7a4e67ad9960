"""The worked example of docs/contributing.md runs and is a scikit-learn estimator."""

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

import skae

PAGE = Path(__file__).resolve().parents[1] / "docs" / "contributing.md"


@pytest.fixture(scope="module")
def namespace():
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert len(blocks) == 2
    module = types.ModuleType("contributing_example")  # importable by name, so that it pickles
    sys.modules[module.__name__] = module
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), module.__dict__)
    yield module.__dict__
    del sys.modules[module.__name__]


def test_the_worked_example_trains_transforms_and_resumes(namespace, tmp_path):
    model, X = namespace["model"], namespace["X"]
    assert namespace["codes"].shape == (1797, 8)
    assert model.net_.criterion_.delta == 1.0 and model.n_iter_ == 5
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    # the base gives it partial_fit and checkpointed fits with no code of its own
    model.partial_fit(X[:500])
    assert model.n_iter_ == 6
    again = skae.resumable_fit(namespace["HuberAE"](n_components=8, max_iter=5, random_state=0), X, tmp_path)
    np.testing.assert_array_equal(again.transform(X), namespace["HuberAE"](
        n_components=8, max_iter=5, random_state=0).fit(X).transform(X))


def test_the_worked_example_saves_and_loads_with_no_edit_to_io(namespace, tmp_path):
    model, X = namespace["model"], namespace["X"]
    skae.save(model, tmp_path / "huber.skae")
    loaded = skae.load(tmp_path / "huber.skae")
    assert type(loaded) is namespace["HuberAE"] and loaded.delta == model.delta
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_the_worked_example_passes_scikit_learns_checks(namespace):
    est = namespace["HuberAE"](n_components=2, max_iter=2, batch_size=16, random_state=0, device="cpu")
    check_estimator(est)
