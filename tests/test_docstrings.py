"""Docstrings of the public API document exactly the parameters of their signatures."""

import inspect

import pytest

import skae

pytest.importorskip("numpydoc")
from sklearn.utils._testing import check_docstring_parameters  # noqa: E402

PUBLIC = [name for name in skae.__all__ if inspect.isclass(getattr(skae, name))]


def _methods(cls):
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if (not name.startswith("_") or name == "__call__") and member.__module__.startswith("skae"):
            yield name, member


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_parameters_match_signatures(name):
    cls = getattr(skae, name)
    errors = list(check_docstring_parameters(cls))
    for method_name, method in _methods(cls):
        errors += [f"{method_name}: {e}" for e in check_docstring_parameters(method)]
    assert not errors, errors


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "DivergenceError"])
def test_public_classes_have_examples(name):
    assert "Examples\n    --------\n    >>>" in getattr(skae, name).__doc__


PUBLIC_FUNCTIONS = [getattr(skae, n) for n in ("save", "load", "resumable_fit")]


def _dataset_functions():
    import skae.datasets

    return [getattr(skae.datasets, n) for n in skae.datasets.__all__]


@pytest.mark.parametrize("func", PUBLIC_FUNCTIONS + _dataset_functions(), ids=lambda f: f.__name__)
def test_public_functions_are_documented_with_examples(func):
    assert not list(check_docstring_parameters(func)), func.__name__
    assert "Examples\n    --------\n" in func.__doc__


def test_every_public_name_has_an_examples_section():
    for name in skae.__all__:
        if name == "__version__":
            continue
        assert "Examples" in getattr(skae, name).__doc__, name
