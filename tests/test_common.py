"""scikit-learn's estimator checks over every public estimator of skae."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from skae import (
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

# Fast settings: tiny data in the checks needs few epochs.
ESTIMATORS = [
    DenoisingAutoencoder(max_iter=10),
    StackedDAE(hidden_layer_sizes=(16,), n_components=8, max_iter=5, fine_tune_iter=2),
    StackedDAEClassifier(hidden_layer_sizes=(16,), n_components=8, max_iter=5),
    ContractiveAE(max_iter=10),
    ContractiveAE(hidden_layer_sizes=(6,), n_components=4, max_iter=5),  # the torch.func path
    SparseAE(max_iter=10),
    SparseAE(sparsity_penalty="kl", activation="sigmoid", max_iter=10),
    VAE(max_iter=10),
    DVAE(max_iter=10, objective="iwae", n_samples=3, n_corruptions=2),
    DenoisingImputer(max_iter=10),
    # lr=1e-3: sklearn's check_outliers_train wants at least one training row flagged on 300 clean blob
    # rows; with the DAE's default lr (3e-3) ten epochs fit the blobs well enough that contamination="auto"
    # (a threshold from cross-fitted scores) flags none of them, which is that rule's intent
    AutoencoderOutlierDetector(DenoisingAutoencoder(max_iter=10, lr=1e-3), random_state=0),
    AutoencoderOutlierDetector(contamination=0.1, random_state=0),
]

# check name -> reason, per estimator class.
EXPECTED_FAILED_CHECKS = {
    "StackedDAEClassifier": {
        "check_classifiers_classes": "-1 marks an unlabelled row (scikit-learn's semi-supervised convention); "
        "the check's binary problem labels a class -1, which scikit-learn's own check gives "
        "LabelSpreading and SelfTrainingClassifier as 0/1 instead (by name).",
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_param_validation,
    check_dataframe_column_names_consistency,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_set_output_transform_pandas,
]


TRANSFORMER_CHECKS = {
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_set_output_transform_pandas,
}


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_extra_sklearn_checks(estimator, check):
    if check in TRANSFORMER_CHECKS and not hasattr(estimator, "transform"):
        pytest.skip("not a transformer")
    check(type(estimator).__name__, estimator)


def test_check_estimator_defaults_pass_every_check():
    """The issue's bar: check_estimator(DenoisingAutoencoder()) with defaults."""
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(DenoisingAutoencoder(), on_fail=None)
    bad = [r for r in results if r["status"] == "failed"]
    assert not bad, [(r["check_name"], repr(r["exception"])) for r in bad]
    assert sum(r["status"] == "passed" for r in results) >= 45
