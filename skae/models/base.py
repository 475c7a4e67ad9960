"""The base of every skae estimator: its shared parameters, and the one training path.

An estimator declares what it is in its own class, in one place:

- its parameters (``__init__``, ``_parameter_constraints``);
- ``_prepare_training_data(X, y, **fit_params) -> (X, y)``: validate the
  training data and record what is learnt from the data itself (``loss_``,
  ``classes_``, column statistics, ...);
- ``_resolve_params()``: check the parameters that constraints cannot and make
  the fitted copies of parameter objects (``corruption_``);
- ``_phases(X=None, y=None)``: its training as a list of :class:`Phase`
  (which module, which objective, which data, how many epochs);
- ``_after_training(X, y, update)``: what is measured on the trained model
  (statistics kept for sampling, a held-out error, the collapsed-code check).

:meth:`TorchEstimator._fit` runs these the same way for ``fit``, the first
``partial_fit`` and :func:`~skae.resumable_fit`; ``partial_fit`` runs the last
phase's objective and ``_after_training(update=True)``; :func:`~skae.load`
rebuilds the phases' modules without training and restores the fitted
attributes. The skorch net (:class:`~skae.engine.net.SkaeNet`) owns the
training state.
"""

import copy
import functools
import inspect
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Callable, Optional

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engine.callbacks import ConvergenceStopping, DivergenceError, RelativeEarlyStopping, stop_reason
from ..engine.data import TensorData, TensorSplit, training_tensor
from ..engine.devices import fused_optimizer_supported, resolve_device
from ..engine.net import MONITOR_ROWS, SkaeNet, resolve_batch_size
from ..engine.parallel import data_parallel_active
from ..engine.seeds import draw_seeds
from ..nn.init import build_without_global_rng, init_weights
from .docstrings import fill_parameters
from .params import copy_parameter_object, is_parameter_object
from .registry import Registered
from .validation import check_float32_range, check_X_for_loss, in_unit_interval

__all__ = ["Phase", "TorchEstimator"]


@functools.cache
def _init_parameter_names(cls):
    """The parameter names of every ``__init__`` defined along ``cls``'s MRO."""
    inits = (klass.__dict__["__init__"] for klass in cls.__mro__
             if "__init__" in klass.__dict__ and klass is not object)
    return frozenset(name for init in inits for name, parameter in inspect.signature(init).parameters.items()
                     if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL))


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
        ``corruption``, ``n_corruptions``, ``forward_params``.
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


class TorchEstimator(Registered, BaseEstimator):
    """Base class of skae's estimators; not for direct use (see the module docstring).

    A subclass's docstring documents its own parameters; those it leaves out
    are filled in from :data:`skae.models.docstrings.SHARED_PARAMETERS`.
    """

    #: A base class, never rebuilt from a file (not registered; its subclasses are).
    _abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__doc__ = fill_parameters(cls)

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Rows per chunk at inference (inputs are streamed in chunks).
    _inference_chunk_rows = 4096

    # ---------------------------------------------------------- declarations
    def _prepare_training_data(self, X, y=None):
        """Validate the training data; record what is learnt from the data itself. Returns ``(X, y)``."""
        raise NotImplementedError

    def _resolve_params(self):
        """Check what constraints cannot; make fitted copies of parameter objects (before any training)."""

    def _phases(self, X=None, y=None):
        """The training, as a list of :class:`Phase` (``X``, ``y``: ``None`` when only the modules are needed)."""
        raise NotImplementedError

    def _after_training(self, X, y, *, update):
        """Measure the trained model on its training tensors (``update``: a later ``partial_fit``'s chunk)."""

    # ------------------------------------------------------------ parameters
    def _store_init_params(self, args):
        """Store ``__init__``'s arguments (its ``locals()``, taken first thing) as attributes of the same name.

        scikit-learn's contract: the values are stored as given, with two
        exceptions that keep it: a default parameter object of the signature
        (``corruption=MaskingNoise(rate=0.25)``) is stored as this estimator's
        own copy, so that no two estimators share it; ``**module_params``
        (``encoder__*`` / ``decoder__*``) are stored one by one, checked in ``fit``.
        The signature is that of the ``__init__`` calling this (a subclass's
        ``__init__`` may call its parent's with ``super().__init__(...)``).
        """
        caller = inspect.currentframe().f_back.f_code
        init = next(klass.__dict__["__init__"] for klass in type(self).__mro__
                    if getattr(klass.__dict__.get("__init__"), "__code__", None) is caller)
        for name, parameter in inspect.signature(init).parameters.items():
            if name == "self":
                continue
            value = args[name]
            if parameter.kind == parameter.VAR_KEYWORD:
                vars(self).update(value)
            elif value is parameter.default and is_parameter_object(value):
                setattr(self, name, copy_parameter_object(value))
            else:
                setattr(self, name, value)

    def _routed_prefixes(self):
        """``encoder__`` / ``decoder__`` for estimators with module-class parameters."""
        return tuple(f"{name}__" for name in ("encoder", "decoder") if name in self._get_param_names())

    def _extra_params(self):
        """Parameters stored beyond the signatures: ``encoder__*`` / ``decoder__*`` (or mistakes, refused in fit).

        The names of every ``__init__`` along the class's MRO are not extra: a
        subclass may store a parent's parameters through ``super().__init__``.
        """
        named = _init_parameter_names(type(self))
        return {k: v for k, v in vars(self).items() if k not in named and not k.startswith("_") and not k.endswith("_")}

    def _check_extra_params(self):
        prefixes = self._routed_prefixes()
        unknown = sorted(k for k in self._extra_params() if not (prefixes and k.startswith(prefixes)))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected parameters {unknown} (only "
                            f"encoder__* and decoder__* are routed to the modules).")

    def _routed_params(self, name):
        """The ``<name>__<arg>`` parameters stored on this estimator, as ``{arg: value}``."""
        prefix = name + "__"
        return {k[len(prefix):]: v for k, v in vars(self).items() if k.startswith(prefix)}

    def get_params(self, deep=True):
        """Get the parameters of this estimator, the routed ``encoder__*`` / ``decoder__*`` ones included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of parameter objects (``corruption__rate``).

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        params.update(self._extra_params())
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator; unknown names raise ``ValueError``.

        ``encoder__<arg>`` / ``decoder__<arg>`` are stored for the module classes.
        ``<object>__<param>`` (``corruption__rate``) first replaces the parameter
        object by a copy of itself, so that an object the user passed, or shared
        with another estimator, is never modified.

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self : estimator
        """
        prefixes = self._routed_prefixes()
        routed = {k: params.pop(k) for k in list(params) if prefixes and k.startswith(prefixes)}
        for name in {k.split("__", 1)[0] for k in params if "__" in k}:
            if name in params:  # set_params(corruption=obj, corruption__rate=...): a copy of obj is changed
                if is_parameter_object(params[name]):
                    params[name] = copy_parameter_object(params[name])
            elif is_parameter_object(getattr(self, name, None)):
                setattr(self, name, copy_parameter_object(getattr(self, name)))
        super().set_params(**params)
        vars(self).update(routed)
        return self

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
                )
        return tuple(int(s) for s in sizes)

    # ------------------------------------------------------------------ data
    def _validate_X(self, X, *, reset, min_samples=1):
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=min_samples
        )

    def _check_training_X(self, X):
        check_float32_range(X)
        check_X_for_loss(X, getattr(self, "loss_", None))

    def _loss_for(self, X):
        """``loss="auto"``: cross-entropy for data in [0, 1], else squared error."""
        if self.loss == "auto":
            return "cross_entropy" if in_unit_interval(X) else "squared_error"
        return self.loss

    def _initialise(self, module, generator):
        """Glorot-uniform weights for this estimator's activation, zero biases."""
        init_weights(module, generator, activation=self.activation)

    # --------------------------------------------------------------- the net
    def _make_net(self, module, *, device, seed, split_seed, epochs, objective, early_stopping, label=None):
        """An initialised :class:`SkaeNet` around ``module`` with this estimator's settings."""
        train_split = None
        if early_stopping:  # on a held-out split, restoring the best epoch's weights
            train_split = TensorSplit(self.validation_fraction, split_seed)
            callbacks = [("early_stopping", RelativeEarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change, tol=self.tol, load_best=True))]
        else:  # on the training data, as MLPClassifier does without early_stopping (a noise-free loss)
            callbacks = [("convergence", ConvergenceStopping(patience=self.n_iter_no_change, tol=self.tol))]
        return SkaeNet(
            module, lr=self.lr, optimizer__fused=fused_optimizer_supported(device),
            max_epochs=max(int(epochs), 1), batch_size=self.batch_size, train_split=train_split,
            callbacks=callbacks, verbose=int(self.verbose), device=str(device), seed=seed, monitor_rows=MONITOR_ROWS,
            distributed=data_parallel_active(), progress_label=label or type(self).__name__, **objective).initialize()

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

    # ------------------------------------------------------ the training path
    def _fit(self, X, y=None, *, partial=False, checkpoint=None, **fit_params):
        """Validate, run every phase from a fresh initialisation, then measure the trained model.

        ``partial``: each phase runs its ``partial_epochs`` (the first
        ``partial_fit``). ``checkpoint``: an object that restores finished
        phases and epochs and saves new ones (see :mod:`skae.io.checkpoint`).
        """
        with self._keep_state_on_error():
            X, y = self._prepare_training_data(X, y, **fit_params)
            device = resolve_device(self.device)
            self._check_extra_params()
            self._resolve_params()
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
                        if self.verbose and not partial and not interrupted:  # say why it stopped
                            label = type(self).__name__ + (f" {phase.name}" if len(phases) > 1 else "")
                            print(f"[{label}] stopped after {len(net.history)} epochs: {stop_reason(net)}.")
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
            self._after_training(Xt, yt, update=False)
        return self

    def _partial_fit(self, X):
        """One more pass over ``X`` with the last phase's objective (or a first, partial fit)."""
        if not hasattr(self, "net_"):
            return self._fit(X, partial=True)
        self._validate_params()  # _fit_context validates only a first partial_fit
        with self._keep_state_on_error(rollback_net=True):
            X = self._validate_X(X, reset=False, min_samples=1)
            self._check_training_X(X)
            self._check_extra_params()
            self._resolve_params()
            self._sync_net(self._phases()[-1].objective)
            Xt = training_tensor(X, torch.device(self.net_.device))
            self._run_epochs(self.net_, TensorData(Xt), 1)
            self._record_history()
            self._after_training(Xt, None, update=True)
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
        """Restore the estimator (and, with ``rollback_net``, its net's training state) if the block raises."""
        saved = dict(vars(self))
        net = self.__dict__.get("net_") if rollback_net else None
        snapshot = None if net is None else net.get_training_state()
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            if net is not None:
                net.set_training_state(snapshot)
            raise

    # ------------------------------------------------------------- inference
    def _chunks(self, n_rows):
        """Slices of at most ``max(_inference_chunk_rows, batch_size)`` rows covering ``n_rows``."""
        step = max(self._inference_chunk_rows, resolve_batch_size(self.batch_size, n_rows))
        return [slice(start, start + step) for start in range(0, n_rows, step)]

    def _inference_module(self, dtype):
        """The trained module in ``dtype`` (a float64 copy for float64 inputs)."""
        module = self.net_.module_
        if dtype != torch.float32:
            module = copy.deepcopy(module).to(dtype)
        return module.eval()

    def _map_rows(self, X, fn, width, mode=torch.inference_mode):
        """Apply ``fn(module, x_batch) -> tensor (B, width)`` to ``X`` in chunks, under ``mode()``.

        Streams the rows (so memory-mapped input is never loaded whole) and runs
        in X's floating dtype, so a row's result does not depend on the others.
        """
        dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        module = self._inference_module(dtype)
        device = self.device_
        out = np.empty((X.shape[0], width), dtype=X.dtype)
        with mode():
            for rows in self._chunks(X.shape[0]):
                chunk = X[rows]
                if not (type(chunk) is np.ndarray and chunk.flags.c_contiguous and chunk.flags.writeable):
                    chunk = np.array(chunk, dtype=X.dtype, order="C")  # e.g. a memmap slice
                out[rows] = fn(module, torch.from_numpy(chunk).to(device)).cpu().numpy()
        return out

    @property
    def device_(self):
        """The ``torch.device`` the model lives on."""
        check_is_fitted(self, "net_")
        return torch.device(self.net_.device)

    # ------------------------------------------ fitted state (for skae.io)
    def _fitted_state(self):
        """The fitted attributes (those ending in ``_``) but the net: what a saved model stores."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and k != "net_"}

    def _restore_fitted_state(self, state):
        """Restore what :meth:`_fitted_state` returned (fitted attributes only)."""
        bad = [k for k in state if not (isinstance(k, str) and k.endswith("_")) or k == "net_"]
        if bad:
            raise ValueError(f"not fitted attributes: {bad}")
        vars(self).update(state)

    def _untrained_module(self):
        """The fitted model's module, built by the phases without training (for a load)."""
        self._resolve_params()
        trained = []
        for phase in self._phases():
            trained.append(build_without_global_rng(phase.module, trained))
        return trained[-1]

    def _attach_loaded_module(self, module, device=None):
        """Give a loaded ``module`` the net that ``fit`` would have left around it, on ``device`` if given."""
        if device is not None:
            self.set_params(device=device)
        net = self._make_net(module, device=resolve_device(self.device), seed=0, split_seed=0, epochs=1,
                             objective=self._phases()[-1].objective, early_stopping=False)
        valid = self.validation_loss_curve_ or []
        history = []  # so that n_iter_ carries on after partial_fit
        for i, loss in enumerate(self.loss_curve_):
            epoch = {"epoch": i + 1, "batches": [], "train_loss": loss}
            if i < len(valid):
                epoch["valid_loss"] = valid[i]
            history.append(epoch)
        self.net_ = net.set_training_state({"history": history})
