"""The one training path: phases, skorch's public hooks only, state the estimators own."""

import inspect

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNet

import skae
from skae import DenoisingAutoencoder, DivergenceError, GaussianNoise, StackedDAE, StackedDAEClassifier
from skae.engine.data import TensorData
from skae.engine.net import SkaeNet
from skae.modules import Autoencoder, StackedAutoencoder
from skae.nn.losses import ReconstructionLoss

FAST = dict(max_iter=3, batch_size=64, random_state=0, device="cpu")


def test_the_net_overrides_only_public_skorch_methods():
    own = {name for name, value in vars(SkaeNet).items() if callable(value) or isinstance(value, property)}
    overridden = {name for name in own if hasattr(NeuralNet, name)}
    private = sorted(n for n in overridden if n.startswith("_") and not n.startswith("__"))
    assert private == []  # no _set_training, _default_callbacks, ...
    assert "notify" not in own and "get_loss" not in own
    # train_step is overridden for speed only: it is skorch's own whenever a callback listens
    # (tests/test_net.py::test_steps_skip_on_grad_computed_only_when_no_callback_implements_it)
    # the objective is skorch's criterion: the classifier's is cross-entropy, not a special case
    assert SkaeNet.get_loss is NeuralNet.get_loss


def test_every_submodule_trains_in_train_mode_after_greedy_pretraining(small_digits):
    """The stacked layers come out of pretraining in eval mode (their codes were computed
    there); fine-tuning must switch every one of them back, not only the root."""
    X = torch.as_tensor(small_digits[0], dtype=torch.float32)
    layers = [Autoencoder(64, 16), Autoencoder(16, 8)]
    for layer in layers:
        layer.eval()
    module = StackedAutoencoder(layers)
    assert module.training and not layers[0].encoder.training
    seen = []
    hook = lambda m, inputs, output: seen.append(m.training)  # noqa: E731
    for layer in layers:
        layer.encoder.register_forward_hook(hook)
    net = SkaeNet(module, criterion__kind="cross_entropy", batch_size=128, max_epochs=1).initialize()
    net.partial_fit(TensorData(X), epochs=1)
    assert seen and all(seen)


def test_stack_fine_tunes_its_layers_in_train_mode(small_digits):
    modes = []
    original = SkaeNet.train_step_single

    def recording(self, batch, **kw):
        modes.append(all(m.training for m in self.module_.modules()))
        return original(self, batch, **kw)

    SkaeNet.train_step_single = recording
    try:
        StackedDAE(8, hidden_layer_sizes=(16,), fine_tune_iter=1, **FAST).fit(small_digits[0])
    finally:
        SkaeNet.train_step_single = original
    assert modes and all(modes)


def test_phases_declare_the_stack_and_fit_runs_them(small_digits):
    est = StackedDAE(8, hidden_layer_sizes=(16,), max_iter=2, fine_tune_iter=3, random_state=0)
    est.fit(small_digits[0])
    phases = est._phases()
    assert [p.name for p in phases] == ["layer 1/2 (64 -> 16)", "layer 2/2 (16 -> 8)", "fine-tuning"]
    assert [p.epochs for p in phases] == [2, 2, 3]
    assert [p.partial_epochs for p in phases] == [1, 1, 0]
    assert [len(c) for c in est.pretrain_loss_curves_] == [2, 2] and len(est.loss_curve_) == 3
    assert est.n_iter_ == 7
    # the fine-tuned module shares the pretrained layers' parameters: one model, not copies
    assert isinstance(est.net_.criterion_, ReconstructionLoss)
    clf = StackedDAEClassifier(8, hidden_layer_sizes=(16,), max_iter=1, fine_tune_iter=2, random_state=0)
    clf.fit(*small_digits)
    assert isinstance(clf.net_.criterion_, torch.nn.CrossEntropyLoss)


def test_a_failed_partial_fit_rolls_back_the_optimiser_and_generators(small_digits):
    """After a diverging partial_fit, the next one continues exactly as if it never happened."""
    X = StandardScaler().fit_transform(small_digits[0])
    make = lambda: DenoisingAutoencoder(8, activation="identity", **FAST).fit(X)  # noqa: E731
    failed, clean = make(), make()
    failed.set_params(lr=1e12)
    with pytest.raises(DivergenceError):
        failed.partial_fit(X * 1e3)
    failed.set_params(lr=clean.lr)
    failed.partial_fit(X)
    clean.partial_fit(X)
    np.testing.assert_array_equal(failed.transform(X), clean.transform(X))
    assert failed.loss_curve_ == clean.loss_curve_ and failed.n_iter_ == clean.n_iter_ == 4


def test_partial_fit_validates_parameters_on_every_call(small_digits):
    est = DenoisingAutoencoder(8, **FAST).partial_fit(small_digits[0])
    est.set_params(batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        est.partial_fit(small_digits[0])


def test_the_fitted_state_is_the_estimators_own(small_digits):
    X = (small_digits[0] > 0.5).astype(float)
    vae = skae.VAE(4, hidden_layer_sizes=(8,), **FAST).fit(X)
    state = vae._fitted_state()
    assert "net_" not in state and all(k.endswith("_") for k in state)
    assert {"likelihood_", "loss_", "_score_seed_", "n_features_in_", "loss_curve_"} <= set(state)
    with pytest.raises(ValueError, match="not fitted attributes"):
        vae._restore_fitted_state({"transform": None})


def test_a_loaded_early_stopping_model_trains_partial_fit_on_every_row(small_digits, tmp_path):
    """Bug: load rebuilt the net with early stopping, so a loaded model held out
    validation_fraction of every partial_fit chunk; the fitted one does not."""
    X = small_digits[0]
    est = DenoisingAutoencoder(8, early_stopping=True, n_iter_no_change=2, **FAST).fit(X)
    skae.save(est, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    for model in (est, loaded):
        model.partial_fit(X[:200])
        batches = model.net_.history[-1]["batches"]
        assert sum(b["train_batch_size"] for b in batches) == 200
        assert "valid_loss" not in model.net_.history[-1]
    assert loaded.n_iter_ == est.n_iter_


def test_modules_that_sample_get_the_nets_noise_generator():
    class Noisy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 3)

        def forward(self, x, generator=None):
            self.generator = generator
            return self.linear(x)

    module = Noisy()
    net = SkaeNet(module, max_epochs=1, batch_size=4).initialize()
    net.partial_fit(TensorData(torch.rand(8, 3)), epochs=1)
    assert module.generator is net.noise_generator_
    assert "generator" not in inspect.signature(Autoencoder.forward).parameters


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_early_stopping_does_not_count_a_worse_epoch_as_an_improvement(sign):
    """skorch's rel threshold (tol * score) lies above the best for a negative loss, so
    -99.995 'improved' on -100 there; the relative bar here is tol * |best| either way."""
    from types import SimpleNamespace

    from skorch.callbacks import EarlyStopping
    from skorch.history import History

    from skae.engine.net import RelativeEarlyStopping

    def best_epoch(callback, scores):
        net = SimpleNamespace(history=History(), verbose=0)
        callback.on_train_begin(net)
        for epoch, score in enumerate(scores, 1):
            net.history.new_epoch()
            net.history.record("epoch", epoch)
            net.history.record("valid_loss", score)
            try:
                callback.on_epoch_end(net)
            except KeyboardInterrupt:
                break
        return callback.best_epoch_

    base = 100.0 * sign
    worse = [base, base + 0.005, base + 0.006, base + 0.007]  # 0.005% worse each time
    assert best_epoch(RelativeEarlyStopping(tol=1e-4, patience=5), worse) == 1
    better = [base, base - 0.02, base - 0.04]  # 0.02% better: improvements whatever the sign
    assert best_epoch(RelativeEarlyStopping(tol=1e-4, patience=5), better) == 3
    skorch_best = best_epoch(EarlyStopping(threshold=1e-4, threshold_mode="rel", patience=5), worse)
    assert skorch_best == (1 if sign > 0 else 4)  # the defect this callback fixes


def test_a_fit_stops_when_the_training_loss_has_converged(small_digits):
    """Without early_stopping, training stops after n_iter_no_change epochs whose loss
    did not improve by a relative tol (MLPClassifier's rule); each stacked phase too."""
    X, _ = small_digits
    still = dict(lr=1e-9, max_iter=100, n_iter_no_change=4, tol=1e-3, random_state=0)
    dae = DenoisingAutoencoder(n_components=8, **still).fit(X)
    assert dae.n_iter_ == 5 == len(dae.loss_curve_)  # the first epoch, then 4 misses
    stack = StackedDAE(n_components=8, hidden_layer_sizes=(16,), fine_tune_iter=100, **still).fit(X)
    assert [len(c) for c in stack.pretrain_loss_curves_] == [5, 5] and stack.n_iter_ == 15
    learning = DenoisingAutoencoder(n_components=8, max_iter=12, n_iter_no_change=4, tol=1e-3,
                                    random_state=0).fit(X)
    assert learning.n_iter_ == 12  # a loss still falling by more than tol trains to max_iter


def test_a_noisy_fit_watches_its_objective_under_a_fixed_noise_draw(small_digits):
    """The stopping rule of a corrupted fit watches the objective on fixed rows under a fixed
    noise draw: it changes with the weights only, where the epoch's train_loss also changes with
    each epoch's fresh corruption. A noise-free fit keeps watching train_loss."""
    X, _ = small_digits
    dae = DenoisingAutoencoder(n_components=8, max_iter=3, random_state=0).fit(X)
    history = dae.net_.history
    assert all("fixed_noise_loss" in h and "smoothed_fixed_noise_loss" in h for h in history)
    assert dict(dae.net_.callbacks_)["convergence"].monitor == "smoothed_fixed_noise_loss"
    dataset = TensorData(torch.as_tensor(X, dtype=torch.float32))
    last = dae.net_._fixed_noise_loss(dataset)  # the same rows and draw, the final weights
    assert last == pytest.approx(history[-1, "fixed_noise_loss"], rel=1e-6)
    assert dae.net_._fixed_noise_loss(dataset) == last  # no fresh noise: the same number again
    assert history[-1, "smoothed_fixed_noise_loss"] == pytest.approx(np.mean(history[:, "fixed_noise_loss"]))
    plain = DenoisingAutoencoder(n_components=8, corruption=None, max_iter=3, random_state=0).fit(X)
    assert "fixed_noise_loss" not in plain.net_.history[-1]
    assert dict(plain.net_.callbacks_)["convergence"].monitor == "train_loss"


def test_a_converged_noisy_fit_stops_early_and_says_why(capsys):
    from sklearn.datasets import make_moons

    X = make_moons(300, noise=0.05, random_state=0)[0]
    dae = DenoisingAutoencoder(16, hidden_layer_sizes=(32,), corruption=GaussianNoise(0.1), loss="squared_error",
                               lr=1e-2, max_iter=400, random_state=0, verbose=1).fit(X)
    assert dae.n_iter_ < 200  # converged well before max_iter
    assert f"[DenoisingAutoencoder] stopped after {dae.n_iter_} epochs: converged" in capsys.readouterr().out
    DenoisingAutoencoder(16, max_iter=3, random_state=0, verbose=1).fit(X)
    assert "stopped after 3 epochs: max_iter=3 reached" in capsys.readouterr().out


@pytest.mark.slow  # about 30 s: 6,000 rows, up to 300 epochs
def test_the_corruption_noise_does_not_stop_a_denoising_fit_before_it_has_learnt():
    """Bug: the stopping rule watched the epoch's train_loss, which the corruption randomises:
    a DAE on two moons with GaussianNoise(0.1) stopped after 39 epochs, its sampler's precision
    0.71 (0.95 trained to 300 epochs). Watching the objective under a fixed draw, averaged over
    2 x n_iter_no_change epochs, it trains on through the stall near epoch 40 (236 epochs here)."""
    from sklearn.datasets import make_moons

    X = make_moons(6000, noise=0.05, random_state=0)[0]
    held_out = make_moons(2000, noise=0.05, random_state=1)[0]
    dae = DenoisingAutoencoder(64, hidden_layer_sizes=(128,), activation="gelu", loss="squared_error",
                               corruption=GaussianNoise(0.1), batch_size=128, max_iter=300, random_state=0).fit(X)
    assert dae.n_iter_ >= 150
    samples = dae.sample(2000, n_steps=100, random_state=0)
    distances = np.linalg.norm(samples[:, None] - held_out[None], axis=2)
    precision, recall = (distances.min(axis=1) <= 0.1).mean(), (distances.min(axis=0) <= 0.1).mean()
    assert precision >= 0.8 and recall >= 0.9  # the goal for the moons sampler


def test_batch_size_auto_is_scikit_learns_rule(small_digits):
    """batch_size="auto": min(200, n_samples) of the data of each fit or partial_fit, as MLPRegressor."""
    from sklearn.utils._param_validation import InvalidParameterError

    X, _ = small_digits  # 300 rows
    dae = DenoisingAutoencoder(n_components=4, batch_size="auto", max_iter=2, random_state=0).fit(X)
    assert [h["train_batch_count"] for h in dae.net_.history] == [2, 2]  # batches of 200 and 100 rows
    dae.partial_fit(X[:50])
    assert dae.net_.history[-1, "train_batch_count"] == 1  # one batch of the chunk's 50 rows
    assert dae.transform(X).shape == (300, 4)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        DenoisingAutoencoder(batch_size="big").fit(X)
