"""StackedDAE and StackedDAEClassifier: greedy pretraining, fine-tuning, the SdA."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skae import MaskingNoise, StackedDAE, StackedDAEClassifier

SMALL = dict(hidden_layer_sizes=(32,), n_components=16, max_iter=5, fine_tune_iter=0,
             lr=1e-2, random_state=0)


class SpyNoise(MaskingNoise):
    """Masking noise that records every batch it is asked to corrupt."""

    def __init__(self, rate=0.5, log=None):
        super().__init__(rate)
        self.log = log

    def _corrupt(self, X, generator):
        self.log.append(X.detach().clone())
        return super()._corrupt(X, generator)


def test_each_layer_trains_on_the_clean_codes_of_the_layers_below(small_digits):
    X = small_digits[0]
    logs = [[], []]
    sdae = StackedDAE(
        hidden_layer_sizes=(32,), n_components=16, max_iter=2, fine_tune_iter=0, batch_size=50,
        random_state=0,
        corruption=[SpyNoise(0.5, logs[0]), SpyNoise(0.5, logs[1])],
    ).fit(X)
    # layer 1 saw the data itself
    seen1 = torch.cat(logs[0][:6]).double()
    assert seen1.shape == (300, 64)
    assert sorted(map(tuple, seen1.numpy().round(6))) == sorted(map(tuple, X.round(6)))
    # layer 2 saw layer 1's codes of the *clean* data, not of corrupted data
    with torch.no_grad():
        clean_codes = sdae.encoder_[0](torch.from_numpy(X.astype(np.float32)))
    seen2 = torch.cat(logs[1][:6])
    assert seen2.shape == (300, 32)
    def nearest(a, b):  # exact max-abs distance from each row of a to its nearest row of b
        return (a[:, None, :] - b[None, :, :]).abs().amax(dim=-1).min(dim=1).values

    assert nearest(seen2, clean_codes).max() < 1e-6
    # a corrupted input would give visibly different codes
    with torch.no_grad():
        noisy_codes = sdae.encoder_[0](torch.from_numpy((X * (np.random.rand(*X.shape) > 0.5)).astype(np.float32)))
    assert nearest(noisy_codes, clean_codes).max() > 1e-2


def test_transform_is_the_clean_deterministic_top_code(small_digits):
    X = small_digits[0].astype(np.float32)
    sdae = StackedDAE(**{**SMALL, "corruption": MaskingNoise(0.5)}).fit(X)
    Z = sdae.transform(X)
    assert Z.shape == (300, 16)
    np.testing.assert_array_equal(Z, sdae.transform(X))
    with torch.no_grad():
        manual = sdae.encoder_[1](sdae.encoder_[0](torch.from_numpy(X))).numpy()
    np.testing.assert_allclose(Z, (manual - sdae.code_mean_) / sdae.code_scale_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sdae.set_params(scale_codes=False).transform(X), manual, rtol=1e-6)


def test_inverse_transform_decodes_through_the_whole_stack(digits):
    X = digits[0]
    sdae = StackedDAE(hidden_layer_sizes=(64,), n_components=32, max_iter=10, fine_tune_iter=10,
                      random_state=0).fit(X)
    R = sdae.inverse_transform(sdae.transform(X))
    assert R.shape == X.shape and R.min() >= 0 and R.max() <= 1
    mean_error = ((X - X.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert ((X - R) ** 2).sum(axis=1).mean() < 0.6 * mean_error


def test_one_corruption_is_copied_per_layer_and_a_list_must_match(small_digits):
    X = small_digits[0]
    noise = MaskingNoise(0.3)
    sdae = StackedDAE(hidden_layer_sizes=(32, 24), n_components=16, max_iter=1, corruption=noise).fit(X)
    assert len(sdae.corruption_) == 3
    assert len({id(c) for c in sdae.corruption_}) == 3 and all(c is not noise for c in sdae.corruption_)
    assert all(c.rate == 0.3 for c in sdae.corruption_)
    with pytest.raises(ValueError, match="list of 2 processes but the stack"):
        StackedDAE(hidden_layer_sizes=(32, 24), corruption=[noise, noise]).fit(X)
    with pytest.raises(ValueError, match="must be a number in"):
        StackedDAE(corruption=[MaskingNoise(0.1), MaskingNoise(2.0)], max_iter=1).fit(X)


def test_fine_tuning_runs_end_to_end_and_counts_epochs(small_digits):
    X = small_digits[0]
    plain = StackedDAE(**SMALL).fit(X)
    tuned = StackedDAE(**{**SMALL, "fine_tune_iter": 4}).fit(X)
    assert plain.loss_curve_ == [] and len(tuned.loss_curve_) == 4
    assert plain.n_iter_ == 10 and tuned.n_iter_ == 14
    assert plain.pretrain_loss_curves_ == tuned.pretrain_loss_curves_  # same pretraining
    assert not np.allclose(plain.transform(X), tuned.transform(X))  # the first layer moved too
    assert tuned.loss_curve_[-1] < tuned.loss_curve_[0]


def test_partial_fit_pretrains_then_trains_end_to_end(small_digits):
    X = small_digits[0]
    sdae = StackedDAE(**SMALL).partial_fit(X)
    assert sdae.n_iter_ == 2 and [len(c) for c in sdae.pretrain_loss_curves_] == [1, 1]
    sdae.partial_fit(X).partial_fit(X)
    assert sdae.n_iter_ == 4 and len(sdae.loss_curve_) == 2


def test_grid_search_over_the_noise_level_in_a_pipeline(small_digits):
    X, y = small_digits
    pipe = Pipeline([("dae", StackedDAE(**{**SMALL, "max_iter": 10, "fine_tune_iter": 10})),
                     ("clf", SVC())])
    gs = GridSearchCV(pipe, {"dae__corruption__rate": [0.0, 0.3]}, cv=2).fit(X, y)
    assert gs.best_score_ > 0.5
    assert pipe.named_steps["dae"].corruption.rate == 0.25


def test_reproducible_and_pickles(small_digits):
    X = small_digits[0]
    a = StackedDAE(**{**SMALL, "fine_tune_iter": 2}).fit(X)
    b = StackedDAE(**{**SMALL, "fine_tune_iter": 2}).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.transform(X), loaded.transform(X))
    np.testing.assert_array_equal(a.score_samples(X), loaded.score_samples(X))


# ----------------------------------------------------------------- the SdA
def test_classifier_fits_predicts_and_keeps_labels(digits):
    X, y = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = StackedDAEClassifier(hidden_layer_sizes=(64,), n_components=32, max_iter=5,
                               fine_tune_iter=40, lr=3e-3, random_state=0)
    clf.fit(X[:1200], labels[y[:1200]])
    assert list(clf.classes_) == sorted(labels)
    proba = clf.predict_proba(X[1200:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    pred = clf.predict(X[1200:])
    assert set(pred) <= set(labels)
    assert clf.score(X[1200:], labels[y[1200:]]) > 0.9
    assert len(clf.loss_curve_) == 40 and clf.n_iter_ == 50
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])


def test_classifier_pretrains_with_unlabeled_rows(small_digits, digits):
    X, y = small_digits
    U = digits[0][1000:1400]
    log = []
    clf = StackedDAEClassifier(
        hidden_layer_sizes=(16,), n_components=8, max_iter=1, fine_tune_iter=1,
        corruption=[SpyNoise(0.2, log), None], batch_size=1000, random_state=0,
    ).fit(X, y, X_unlabeled=U)
    # one epoch over 300 labelled + 400 unlabelled rows, then the stopping rule's fixed draw on the same 700
    assert [len(b) for b in log] == [700, 700]
    with pytest.raises(ValueError, match="X_unlabeled has 10 features but X has 64"):
        clf.fit(X, y, X_unlabeled=U[:, :10])


def test_classifier_fine_tuning_beats_pretrained_features_alone(digits):
    X, y = digits
    clf_0 = StackedDAEClassifier(hidden_layer_sizes=(64,), n_components=32, max_iter=10,
                                 fine_tune_iter=1, random_state=0).fit(X[:1200], y[:1200])
    clf = StackedDAEClassifier(hidden_layer_sizes=(64,), n_components=32, max_iter=10,
                               fine_tune_iter=40, random_state=0).fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > clf_0.score(X[1200:], y[1200:]) + 0.05


def test_classifier_rejects_continuous_targets_and_is_reproducible(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="Unknown label type"):
        StackedDAEClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))
    a = StackedDAEClassifier(**{**SMALL, "fine_tune_iter": 3}).fit(X, y)
    b = pickle.loads(pickle.dumps(StackedDAEClassifier(**{**SMALL, "fine_tune_iter": 3}).fit(X, y)))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_design_card_pipeline_with_defaults_on_digits(digits):
    """Pipeline([("dae", StackedDAE()), ("clf", SVC())]) with the defaults (about 1 s).

    Bounds: seeds 0 and 1 both measured 0.953 clean and 0.884-0.888 masked; raw pixels 0.976 and 0.837. (The
    defaults before the tuning suite's choice, 3x slower, measured 0.971 clean.)"""
    from .conftest import masked

    X, y = digits
    train, test = np.arange(0, 1797, 2), np.arange(1, 1797, 2)
    pipe = Pipeline([("dae", StackedDAE(random_state=0)), ("clf", SVC())]).fit(X[train], y[train])
    raw = SVC().fit(X[train], y[train])
    X_masked = masked(X[test], 0.25)
    assert pipe.score(X[test], y[test]) > 0.94
    assert pipe.score(X_masked, y[test]) > raw.score(X_masked, y[test]) + 0.03


@pytest.mark.parametrize("lr", [1e-4, 1e-3, 1e-2])
@pytest.mark.parametrize("n_components", [2, 8])
def test_no_collapsed_code_across_learning_rates(digits, lr, n_components):
    """lr=1e-2 collapsed every code unit to a constant (std 0.0000) before the codes fed to
    higher layers were centred; the fit now must not warn, and every unit must vary."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X = digits[0][:500]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = StackedDAE(n_components=n_components, max_iter=20, lr=lr, batch_size=32, random_state=0).fit(X)
    assert est.transform(X).std(axis=0).min() > 0.05


def test_higher_layers_see_centred_codes(small_digits):
    X = small_digits[0]
    est = StackedDAE(8, hidden_layer_sizes=(16,), max_iter=2, fine_tune_iter=0, random_state=0).fit(X)
    first, second = est.net_.module_.encoder
    H = first(torch.as_tensor(X, dtype=torch.float32)).detach()
    torch.testing.assert_close(second[0].offset, H.mean(dim=0), rtol=1e-5, atol=1e-6)
    assert not hasattr(first[0], "offset")  # the data itself goes in as given


def test_max_iter_zero_skips_pretraining_and_trains_the_same_network_from_scratch(digits):
    """The no-pretraining baseline of the benchmarks: pretraining phases run no epoch, so
    the fine-tuned network starts from the seed's random initialisation."""
    X, y = digits
    kw = dict(hidden_layer_sizes=(32,), n_components=16, fine_tune_iter=0, random_state=0)
    untrained = StackedDAEClassifier(max_iter=0, **kw).fit(X[:300], y[:300])
    pretrained = StackedDAEClassifier(max_iter=3, **kw).fit(X[:300], y[:300])
    assert untrained.pretrain_loss_curves_ == [[], []] and untrained.n_iter_ == 0
    first = [m.net_.module_.encoder[0][0].weight for m in (untrained, pretrained)]
    again = StackedDAEClassifier(max_iter=0, **kw).fit(X[300:600], y[300:600]).net_.module_.encoder[0][0].weight
    assert torch.equal(first[0], again)  # the seed's initialisation, untouched by data
    assert not torch.equal(first[0], first[1])
    trained = StackedDAEClassifier(max_iter=0, **{**kw, "fine_tune_iter": 30, "lr": 3e-3}).fit(X[:1000], y[:1000])
    assert trained.score(X[1000:], y[1000:]) > 0.85 and trained.n_iter_ == 30
    StackedDAE(max_iter=0, **kw).fit(X[:300])  # the transformer accepts it too


def test_a_stack_s_progress_bars_name_the_layer_in_training(small_digits, capsys):
    StackedDAE(n_components=4, hidden_layer_sizes=(8,), max_iter=2, fine_tune_iter=3, verbose=1,
               random_state=0).fit(small_digits[0])
    err = capsys.readouterr().err
    assert "layer 1/2 (64 -> 8)" in err and "layer 2/2 (8 -> 4)" in err and "fine-tuning" in err
    assert err.count("2/2 [") == 2 and "3/3 [" in err  # each bar counts its own phase's epochs


SEMI = dict(hidden_layer_sizes=(16,), n_components=8, max_iter=1, fine_tune_iter=1, batch_size=1000, random_state=0)


def test_rows_labelled_minus_one_are_pretraining_rows_only(small_digits, digits):
    """Bug: scikit-learn marks unlabelled rows with y = -1 (LabelSpreading, SelfTrainingClassifier);
    the classifier trained on them as an eleventh class. They now pretrain the stack and nothing else."""
    X, y = small_digits  # 300 rows
    y_semi = y.copy()
    y_semi[100:] = -1
    log = []
    clf = StackedDAEClassifier(**{**SEMI, "corruption": [SpyNoise(0.2, log), None]}).fit(X, y_semi)
    assert -1 not in clf.classes_ and list(clf.classes_) == sorted(set(y[:100]))
    assert [len(b) for b in log] == [300, 300]  # pretraining: every row (one epoch, then the stopping rule's draw)
    assert clf.net_.history[-1, "train_batch_count"] == 1 and len(clf.net_.module_.output.weight) == 10
    assert set(clf.predict(X)) <= set(clf.classes_)
    # string labels in an object array, -1 for the unlabelled rows, as SelfTrainingClassifier takes them
    names = np.array([f"digit {v}" for v in y], dtype=object)
    names[100:] = -1
    named = StackedDAEClassifier(**SEMI).fit(X, names)
    assert list(named.classes_) == sorted({f"digit {v}" for v in y[:100]})
    assert named.predict(X[:5]).dtype == object


def test_semi_supervised_refusals_and_score(small_digits, tmp_path):
    import skae

    X, y = small_digits
    with pytest.raises(ValueError, match="needs labelled rows: every label in y is -1"):
        StackedDAEClassifier(**SEMI).fit(X, np.full(len(y), -1))
    one_class = np.where(np.arange(len(y)) < 50, 3, -1)
    with pytest.raises(ValueError, match="at least 2 classes among the labelled rows; got 1: \\[3\\]"):
        StackedDAEClassifier(**SEMI).fit(X, one_class)
    y_semi = np.where(np.arange(len(y)) < 150, y, -1)
    clf = StackedDAEClassifier(**{**SEMI, "fine_tune_iter": 30}).fit(X, y_semi)
    labelled = y_semi != -1
    assert clf.score(X, y_semi) == pytest.approx(np.mean(clf.predict(X[labelled]) == y[labelled]))
    skae.save(clf, tmp_path / "semi.skae")
    loaded = skae.load(tmp_path / "semi.skae")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert list(loaded.classes_) == list(clf.classes_)


def test_semi_supervised_in_a_grid_search_is_scored_on_labelled_rows(small_digits):
    X, y = small_digits
    y_semi = np.where(np.arange(len(y)) % 3 == 0, y, -1)  # a third labelled
    search = GridSearchCV(StackedDAEClassifier(**{**SEMI, "fine_tune_iter": 20}), {"lr": [1e-3, 1e-2]}, cv=2)
    search.fit(X, y_semi)
    assert -1 not in search.best_estimator_.classes_
    assert 0.1 < search.best_score_ <= 1.0  # accuracy on labelled rows: an unlabelled row scored would cap it


def test_the_transformer_route_a_frozen_stack_fitted_on_every_row(small_digits, digits):
    """Few labels: fit the stack on every row, freeze it, and train a classifier on the labelled rows only.
    A frozen step is not refitted by the Pipeline, GridSearchCV or clone."""
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.semi_supervised import SelfTrainingClassifier

    X, y = small_digits
    U = digits[0][1000:1400]
    stack = StackedDAE(hidden_layer_sizes=(32,), n_components=16, max_iter=5, fine_tune_iter=5,
                       random_state=0).fit(np.vstack([X, U]))
    codes = stack.transform(X)
    pipe = Pipeline([("dae", FrozenEstimator(stack)), ("clf", SVC())])
    search = GridSearchCV(pipe, {"clf__C": [1.0, 10.0]}, cv=2).fit(X[:150], y[:150])
    np.testing.assert_array_equal(search.best_estimator_["dae"].transform(X), codes)  # not refitted
    np.testing.assert_array_equal(clone(pipe)["dae"].transform(X), codes)
    assert search.score(X[150:], y[150:]) > 0.5
    # skae codes inside scikit-learn's semi-supervised classifiers: -1 marks the unlabelled rows
    y_semi = np.where(np.arange(len(y)) < 100, y, -1)
    self_training = Pipeline([("dae", FrozenEstimator(stack)),
                              ("clf", SelfTrainingClassifier(KNeighborsClassifier()))])
    assert self_training.fit(X, y_semi).score(X[100:], y[100:]) > 0.5


# --- the joint semi-supervised objective (reconstruction_weight > 0) --------------------------------


def test_semi_supervised_loss_is_labelled_cross_entropy_plus_weighted_reconstruction():
    from skae.nn.losses import SemiSupervisedLoss

    g = torch.Generator().manual_seed(0)
    logits, pre, x = torch.randn(6, 3, generator=g), torch.randn(6, 4, generator=g), torch.rand(6, 4, generator=g)
    target = torch.tensor([2, -1, 0, -1, -1, 1])
    labelled = target >= 0
    expected_ce = torch.nn.functional.cross_entropy(logits[labelled], target[labelled])
    expected_rec = torch.nn.functional.binary_cross_entropy_with_logits(pre, x, reduction="sum") / 6
    loss = SemiSupervisedLoss("cross_entropy", weight=0.3)((logits, pre, x), target)
    torch.testing.assert_close(loss, expected_ce + 0.3 * expected_rec)
    # a batch with no labelled row: the reconstruction alone, not 0/0
    none = SemiSupervisedLoss("squared_error", weight=2.0)((logits, pre, x), torch.full((6,), -1))
    torch.testing.assert_close(none, 2.0 * ((pre - x) ** 2).sum() / 6)


def test_denoising_classifier_corrupts_only_the_reconstruction_branch():
    from skae.nn.autoencoders import Autoencoder, Classifier, DenoisingClassifier, StackedAutoencoder

    layer = Autoencoder(n_features=10, n_components=4, activation="sigmoid", output_activation="sigmoid")
    classifier = Classifier(layer.encoder, 4, 3)
    module = DenoisingClassifier(classifier, StackedAutoencoder([layer]).decoder, MaskingNoise(1.0))
    x = torch.rand(5, 10)
    torch.testing.assert_close(module(x), classifier(x))  # inference: the logits alone
    logits, pre, target = module(x, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(logits, classifier(x))  # the clean rows' logits
    assert target is x
    # every entry masked: the decoder sees the code of a zero row
    torch.testing.assert_close(pre, layer.decoder.preactivation(layer.encoder(torch.zeros(1, 10))).expand(5, -1))


def test_joint_fine_tuning_trains_on_every_row_and_keeps_the_classifier_interface(small_digits, tmp_path):
    """reconstruction_weight > 0: fine-tuning passes over every row (labelled or not), its decoder keeps
    learning, and predict, save/load and the refusals are those of the plain classifier."""
    import skae

    X, y = small_digits  # 300 rows
    y_semi = np.where(np.arange(len(y)) < 60, y, -1)
    params = dict(hidden_layer_sizes=(32,), n_components=16, max_iter=3, fine_tune_iter=4, batch_size=50,
                  lr=1e-2, random_state=0)
    plain = StackedDAEClassifier(**params).fit(X, y_semi)
    joint = StackedDAEClassifier(**params, reconstruction_weight=1.0).fit(X, y_semi)
    assert plain.net_.history[-1, "train_batch_count"] == 2  # 60 labelled rows
    assert joint.net_.history[-1, "train_batch_count"] == 6  # all 300 rows
    assert len(joint.loss_curve_) == 4 and np.all(np.isfinite(joint.loss_curve_))
    # the same pretraining draw without fine-tuning: the joint fit moved the decoders too
    untuned = StackedDAEClassifier(**{**params, "fine_tune_iter": 0}, reconstruction_weight=1.0).fit(X, y_semi)
    before, after = untuned.net_.module_.decoder.state_dict(), joint.net_.module_.decoder.state_dict()
    assert before.keys() == after.keys()
    assert all(not torch.equal(before[k], after[k]) for k in before)
    assert set(joint.classes_) == set(y[:60]) and -1 not in joint.classes_
    proba = joint.predict_proba(X)
    assert proba.shape == (300, len(joint.classes_)) and np.allclose(proba.sum(1), 1)
    assert not np.allclose(proba, plain.predict_proba(X))
    skae.save(joint, tmp_path / "joint.skae")
    loaded = skae.load(tmp_path / "joint.skae")
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    with pytest.raises(ValueError, match="reconstruction_weight"):
        StackedDAEClassifier(**params, reconstruction_weight=-1.0).fit(X, y_semi)


@pytest.mark.slow
def test_joint_objective_beats_pretrain_then_fine_tune_with_five_percent_labels():
    """benchmarks/bench_semisupervised.py, digits at 5% labels: the joint objective minus pretrain-then-fine-tune
    was +4.9 points [+3.0, +6.8] over 5 draws, the smallest draw +3.1. Two draws here (the benchmark's first two,
    same split and labels); their mean must stay above +1 point, 2.5 draw standard deviations below the mean."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from bench_semisupervised import labelled_rows, load
    finally:
        sys.path.pop(0)
    X_train, y_train, X_test, y_test = load("digits", quick=False)
    gains = []
    for seed in (0, 1):
        labelled = labelled_rows(y_train, 0.05, seed)
        y_semi = np.full(len(y_train), -1)
        y_semi[labelled] = y_train[labelled]
        plain = StackedDAEClassifier(random_state=seed, device="cpu").fit(X_train, y_semi)
        joint = StackedDAEClassifier(reconstruction_weight=1.0, random_state=seed, device="cpu").fit(X_train, y_semi)
        gains.append(joint.score(X_test, y_test) - plain.score(X_test, y_test))
    assert np.mean(gains) > 0.01, gains
