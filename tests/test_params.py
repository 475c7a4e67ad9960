"""The parameter contract: defaults never shared, unknown names refused, nothing the user passed modified."""

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import skae
from skae import (
    DVAE,
    VAE,
    ContractiveAE,
    DenoisingAutoencoder,
    DenoisingImputer,
    MaskingNoise,
    SparseAE,
    StackedDAE,
    StackedDAEClassifier,
)

WITH_DEFAULT_CORRUPTION = [DenoisingAutoencoder, StackedDAE, StackedDAEClassifier, DenoisingImputer, DVAE]
ALL = [*WITH_DEFAULT_CORRUPTION, ContractiveAE, SparseAE, VAE, skae.AutoencoderOutlierDetector]


@pytest.mark.parametrize("cls", WITH_DEFAULT_CORRUPTION)
def test_the_default_corruption_is_never_shared(cls):
    """Bug: every default-constructed estimator held the signature's one object, so
    ``a.corruption.rate = 0.9`` changed the class default for every later estimator."""
    default = inspect.signature(cls).parameters["corruption"].default
    rate = default.rate
    a, b = cls(), cls()
    assert a.corruption is not b.corruption and a.corruption is not default
    assert a.corruption == default and repr(a) == f"{cls.__name__}()"  # still shown as the default
    a.corruption.rate = 0.9
    assert b.corruption.rate == rate and cls().corruption.rate == rate and default.rate == rate
    a.set_params(corruption__rate=0.7)
    assert cls().corruption.rate == rate and default.rate == rate


def test_a_grid_search_over_the_default_corruption_rate(small_digits):
    X = small_digits[0]
    dae = DenoisingAutoencoder(4, max_iter=2, random_state=0, device="cpu")
    default = dae.corruption
    search = GridSearchCV(dae, {"corruption__rate": [0.1, 0.4]}, cv=2).fit(X)
    assert search.best_estimator_.corruption.rate in (0.1, 0.4)
    assert sorted(search.cv_results_["param_corruption__rate"]) == [0.1, 0.4]
    assert dae.corruption is default and default.rate == 0.25  # the searched estimator is untouched
    assert clone(dae).corruption is not default and clone(dae).corruption == default


def test_set_params_on_a_passed_corruption_leaves_the_users_object_alone():
    mine = MaskingNoise(0.3)
    a, b = DenoisingAutoencoder(corruption=mine), DenoisingAutoencoder(corruption=mine)
    assert a.corruption is mine  # stored as given, as clone requires
    a.set_params(corruption__rate=0.6)
    assert mine.rate == 0.3 and b.corruption.rate == 0.3 and a.corruption.rate == 0.6


@pytest.mark.parametrize("cls", ALL)
def test_set_params_refuses_misspelt_names(cls):
    """Bug: ``set_params(n_component=3)`` was stored and fit failed later with a TypeError."""
    est = cls()
    with pytest.raises(ValueError, match="Invalid parameter 'n_component'"):
        est.set_params(n_component=3)
    assert "n_component" not in est.get_params() and not hasattr(est, "n_component")


@pytest.mark.parametrize("cls", [DenoisingAutoencoder, ContractiveAE, SparseAE, VAE, DVAE])
def test_set_params_routes_module_arguments_and_refuses_other_nested_names(cls):
    est = cls().set_params(encoder__channels=(4,))
    assert est.get_params()["encoder__channels"] == (4,)
    with pytest.raises(ValueError):
        est.set_params(encodr__channels=(4,))


def test_a_misspelt_constructor_argument_is_a_clear_error_at_fit(small_digits):
    est = DenoisingAutoencoder(n_component=3)  # scikit-learn's checks ask __init__ not to raise
    assert clone(est).get_params()["n_component"] == 3  # kept, so that it is not silently dropped
    with pytest.raises(TypeError, match=r"unexpected parameters \['n_component'\]"):
        est.fit(small_digits[0])
    assert not hasattr(est, "net_")


def test_the_signature_defaults_still_pass_sklearns_default_check():
    from sklearn.utils.estimator_checks import check_parameters_default_constructible

    for cls in WITH_DEFAULT_CORRUPTION:
        check_parameters_default_constructible(cls.__name__, cls())
    assert np.all([cls().corruption == inspect.signature(cls).parameters["corruption"].default
                   for cls in WITH_DEFAULT_CORRUPTION])


def test_set_params_with_an_object_and_its_parameter_changes_a_copy():
    mine = MaskingNoise(0.3)
    est = DenoisingAutoencoder().set_params(corruption=mine, corruption__rate=0.6)
    assert mine.rate == 0.3 and est.corruption.rate == 0.6 and est.corruption is not mine


def test_a_subclass_with_its_own_init_stores_every_parameter(small_digits):
    class Wider(DenoisingAutoencoder):
        def __init__(self, n_components=8, *, extra=2, max_iter=2):
            super().__init__(n_components * extra, max_iter=max_iter, random_state=0, device="cpu")
            self.extra = extra

    est = Wider()
    assert est.n_components == 16 and est.max_iter == 2 and est.extra == 2
    assert est.corruption == MaskingNoise(rate=0.25)
    assert est.fit(small_digits[0]).transform(small_digits[0]).shape == (300, 16)
