"""Training as phases: the one fit path of every skae estimator.

An estimator declares its training as a list of :class:`Phase` objects (which
module, which objective, which data, how many epochs): one phase for the
DAE/CAE/SAE/VAE, one per layer plus fine-tuning for the stacks.
:class:`TrainingMixin` runs them, the same way for ``fit``, the first
``partial_fit``, :func:`~skae.resumable_fit` (which resumes them) and
:func:`~skae.load` (which rebuilds their modules without training). It also
owns what every estimator shares around training: validation helpers, the
skorch net's settings, divergence and interruption handling, rolling back a
failed ``partial_fit``, and the fitted state that persistence saves.
"""

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Callable, Optional

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._data import TensorData, TensorSplit, training_tensor
from ._net import DivergenceError, RelativeEarlyStopping, SkaeNet
from ._utils import (
    check_float32_range,
    check_X_for_loss,
    draw_seeds,
    fused_optimizer_supported,
    resolve_device,
)
from ._weights import build_without_global_rng
from .parallel import data_parallel_active

__all__ = ["Phase", "TrainingMixin"]


@dataclass(frozen=True)
class Phase:
    """One stage of training.

    Parameters
    ----------
    name : str
        Shown in progress messages (``verbose``).
    epochs : int
        Epochs in ``fit`` (0: build the net, train nothing).
    module : callable
        ``module(trained) -> torch.nn.Module``: a new module, given the modules
        trained by the earlier phases (whose parameters it may share).
    objective : dict
        The net's training objective: ``criterion`` and ``criterion__*``,
        ``corruption``, ``n_corruptions``.
    data : callable
        ``data(trained) -> TensorData``: the training data, given the earlier
        phases' trained modules.
    initialise : callable or None
        ``initialise(module, generator)`` seeds the new module's weights; ``None``
        for a module built only of trained parts.
    partial_epochs : int, default=1
        Epochs in the first ``partial_fit``.
    """

    name: str
    epochs: int
    module: Callable
    objective: dict
    data: Optional[Callable] = None
    initialise: Optional[Callable] = None
    partial_epochs: int = 1


class TrainingMixin:
    """Runs an estimator's phases and keeps the state they produce.

    A subclass defines ``_phases(X=None, y=None)`` (``X``, ``y``: training
    tensors, ``None`` when only the modules' architecture is needed),
    ``_validate_training_data(X, y, **fit_params) -> (X, y)`` and
    ``_check_params()`` (model-specific checks and fitted copies of object
    parameters).
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _check_params(self):
        """Model-specific checks and fitted copies of object parameters (before any training)."""

    # ---------------------------------------------------------------- checks
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
                )
        return tuple(int(s) for s in sizes)

    def _validate_X(self, X, *, reset, min_samples=1):
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=min_samples
        )

    def _check_training_X(self, X):
        check_float32_range(X)
        check_X_for_loss(X, getattr(self, "loss_", None))

    # ------------------------------------------------------------- the net
    def _make_net(self, module, *, device, seed, split_seed, epochs, objective, early_stopping, label=None):
        """An initialised :class:`SkaeNet` around ``module`` with this estimator's settings."""
        train_split = None
        if early_stopping:  # on a held-out split, restoring the best epoch's weights
            train_split = TensorSplit(self.validation_fraction, split_seed)
            callbacks = [("early_stopping", RelativeEarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change, tol=self.tol, load_best=True,
            ))]
        else:  # on the training loss, as MLPClassifier does without early_stopping
            callbacks = [("convergence", RelativeEarlyStopping(
                monitor="train_loss", patience=self.n_iter_no_change, tol=self.tol, load_best=False,
            ))]
        return SkaeNet(
            module, lr=self.lr, optimizer__fused=fused_optimizer_supported(device),
            max_epochs=max(int(epochs), 1), batch_size=self.batch_size, train_split=train_split,
            callbacks=callbacks, verbose=int(self.verbose), device=str(device), seed=seed,
            distributed=data_parallel_active(), progress_label=label or type(self).__name__, **objective,
        ).initialize()

    @staticmethod
    def _stop_early_stopping(net):
        """After ``fit``: later ``partial_fit`` calls train on all they are given."""
        net.train_split = None
        net.callbacks = [(n, cb) for n, cb in net.callbacks if n != "early_stopping"]
        net.callbacks_ = [(n, cb) for n, cb in net.callbacks_ if n != "early_stopping"]

    def _sync_net(self, objective):
        """Carry parameters changed with ``set_params`` since ``fit`` into the net.

        ``lr`` goes into the optimiser's parameter groups, keeping its state;
        the objective (corruption, penalty weights, ...) is set and the
        criterion rebuilt from it (it holds no learned state).
        """
        net = self.net_
        net.lr = self.lr
        for group in net.optimizer_.param_groups:
            group["lr"] = self.lr
        net.batch_size = self.batch_size
        net.distributed = data_parallel_active()
        verbosity_changed, net.verbose = net.verbose != int(self.verbose), int(self.verbose)
        if verbosity_changed:  # the progress bar and PrintLog are default callbacks that depend on it
            net.initialize_callbacks()
        for name, value in objective.items():
            setattr(net, name, value)
        net.initialize_criterion()

    def _run_epochs(self, net, data, epochs):
        """Train ``net`` for ``epochs`` on ``data``; ``False`` if the user interrupted it."""
        for callback in (cb for name, cb in net.callbacks_ if name == "progress"):
            callback.total = epochs
        net.partial_fit(data, epochs=epochs)
        history = net.history
        finished = not (len(history) and "train_loss" not in history[-1])
        if not finished:
            # skorch swallows KeyboardInterrupt; the last epoch did not finish.
            del history[-1]
            warnings.warn(
                f"{type(self).__name__}: training was interrupted during epoch "
                f"{len(history) + 1}; the model keeps the weights reached so far (later "
                f"training phases do not run) and n_iter_ counts the finished epochs.",
                UserWarning,
            )
        for name, p in net.module_.named_parameters():
            if not torch.isfinite(p).all():
                raise DivergenceError(
                    f"Training diverged: parameter {name!r} is not finite after epoch "
                    f"{len(history)} (lr={net.lr}). Lower the learning rate or rescale the input."
                )
        return finished

    # -------------------------------------------------------------- phases
    def _fit(self, X, y=None, *, partial=False, checkpoint=None, **fit_params):
        """Validate, then run every phase from a fresh initialisation.

        ``partial``: each phase runs its ``partial_epochs`` (the first
        ``partial_fit``). ``checkpoint``: an object that restores finished
        phases and epochs and saves new ones (see :mod:`skae.checkpoint`).
        """
        with self._keep_state_on_error():
            X, y = self._validate_training_data(X, y, **fit_params)
            device = resolve_device(self.device)
            self._check_params()
            Xt = training_tensor(X, device)
            yt = None if y is None else torch.as_tensor(y).to(Xt.device)
            phases = self._phases(Xt, yt)
            seeds = iter(draw_seeds(self.random_state, sum(3 if p.initialise else 2 for p in phases)))
            trained, curves, interrupted = [], [], False
            for index, phase in enumerate(phases):
                module = build_without_global_rng(phase.module, trained)
                if phase.initialise is not None:
                    phase.initialise(module, torch.Generator().manual_seed(next(seeds)))
                epochs = phase.partial_epochs if partial else phase.epochs
                net = self._make_net(module, device=device, seed=next(seeds), split_seed=next(seeds),
                                     epochs=epochs, objective=phase.objective, early_stopping=self.early_stopping,
                                     label=f"{type(self).__name__} {phase.name}" if len(phases) > 1 else None)
                if checkpoint is not None and checkpoint.finished(index):
                    checkpoint.restore(index, net)  # the phase's final weights and history
                elif not interrupted:  # after an interruption, later phases are built, not trained
                    done = 0 if checkpoint is None else checkpoint.restore(index, net)
                    if done < epochs:
                        interrupted = not self._run_epochs(net, phase.data(trained), epochs - done)
                    if checkpoint is not None:
                        checkpoint.finish(index, net, completed=not interrupted)
                trained.append(net.module_)
                curves.append([float(h["train_loss"]) for h in net.history])
                if self.verbose >= 2 and index < len(phases) - 1:
                    print(f"[{type(self).__name__}] {phase.name}: {len(curves[-1])} epochs, "
                          f"loss {curves[-1][-1] if curves[-1] else float('nan'):.4f}")
            self._stop_early_stopping(net)
            self.net_ = net
            if len(phases) > 1:
                self.pretrain_loss_curves_ = curves[:-1]
            self._record_history()
        self._check_fit(Xt)
        return self

    def _check_fit(self, X):
        """Checks of the fitted model on (a sample of) its training tensor ``X``; warnings only."""

    def _partial_fit(self, X):
        """One more pass over ``X`` with the last phase's objective (or a first, partial fit)."""
        if not hasattr(self, "net_"):
            return self._fit(X, partial=True)
        self._validate_params()  # _fit_context validates only a first partial_fit
        with self._keep_state_on_error(rollback_net=True):
            X = self._validate_X(X, reset=False, min_samples=1)
            self._check_training_X(X)
            self._check_params()
            self._sync_net(self._phases()[-1].objective)
            device = torch.device(self.net_.device)
            self._run_epochs(self.net_, TensorData(training_tensor(X, device)), 1)
            self._record_history()
        return self

    def _record_history(self):
        """``n_iter_``, ``loss_curve_`` and ``validation_loss_curve_`` from the net's history."""
        history = self.net_.history
        self.loss_curve_ = [float(h["train_loss"]) for h in history]
        if self.early_stopping and any("valid_loss" in h for h in history):
            self.validation_loss_curve_ = [float(h.get("valid_loss", np.nan)) for h in history]
        else:
            self.validation_loss_curve_ = None
        earlier = getattr(self, "pretrain_loss_curves_", ())
        self.n_iter_ = len(history) + sum(len(c) for c in earlier)

    @contextmanager
    def _keep_state_on_error(self, rollback_net=False):
        """Restore the estimator (and, with ``rollback_net``, its net's training state) if the block raises.

        The net is rolled back from snapshots of the module's and optimiser's
        state dicts, the generators' states and the history's length.
        """
        saved = dict(vars(self))
        net = self.__dict__.get("net_") if rollback_net else None
        if net is not None:
            snapshot = (
                {k: v.clone() for k, v in net.module_.state_dict().items()},
                _clone_state(net.optimizer_.state_dict()),
                net.shuffle_generator_.get_state(), net.noise_generator_.get_state(), len(net.history),
            )
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            if net is not None:
                module_state, optimizer_state, shuffle, noise, n_epochs = snapshot
                net.module_.load_state_dict(module_state)
                net.optimizer_.load_state_dict(optimizer_state)
                net.shuffle_generator_.set_state(shuffle)
                net.noise_generator_.set_state(noise)
                del net.history[n_epochs:]
            raise

    # ------------------------------------------------------- fitted state
    def _get_state(self):
        """The fitted attributes (those ending in ``_``) but the net: what a saved model stores."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and k != "net_"}

    def _set_state(self, state):
        """Restore what :meth:`_get_state` returned (fitted attributes only)."""
        bad = [k for k in state if not (isinstance(k, str) and k.endswith("_")) or k == "net_"]
        if bad:
            raise ValueError(f"not fitted attributes: {bad}")
        vars(self).update(state)

    def _empty_module(self):
        """The fitted model's module, freshly built by the phases without training."""
        self._check_params()
        trained = []
        for phase in self._phases():
            trained.append(build_without_global_rng(phase.module, trained))
        return trained[-1]

    def _attach_module(self, module):
        """Give a rebuilt, loaded ``module`` the net that ``fit`` would have left around it."""
        net = self._make_net(module, device=resolve_device(self.device), seed=0, split_seed=0, epochs=1,
                             objective=self._phases()[-1].objective, early_stopping=False)
        valid = self.validation_loss_curve_ or []
        for i, loss in enumerate(self.loss_curve_):  # so that n_iter_ carries on after partial_fit
            net.history.new_epoch()
            net.history.record("epoch", i + 1)
            net.history.record("train_loss", loss)
            if i < len(valid):
                net.history.record("valid_loss", valid[i])
        self.net_ = net

    @property
    def device_(self):
        """The ``torch.device`` the model lives on."""
        check_is_fitted(self, "net_")
        return torch.device(self.net_.device)


def _clone_state(value):
    """A deep copy of an optimiser state dict's tensors (the step updates them in place)."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _clone_state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone_state(v) for v in value]
    return value
