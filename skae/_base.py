"""The scikit-learn estimator base shared by every skae model.

:class:`BaseAutoencoder` owns, once for all models: input validation, device
selection, seeding, building and training the skorch net (``net_``), early
stopping, divergence handling, partial_fit, and the inference methods
(``transform``, ``inverse_transform``, ``score_samples``, ``score``). A model
subclass declares its parameters and, when it is not the MLP autoencoder,
overrides ``_build_module``.
"""

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)
from skorch.callbacks import EarlyStopping

from ._net import AutoencoderNet, DivergenceError, TensorData, TensorSplit
from .losses import RECONSTRUCTION_LOSSES, reconstruction_loss
from .modules import ACTIVATIONS, Autoencoder, build_without_global_rng, init_weights

__all__ = ["BaseAutoencoder", "CorruptionParamMixin", "TorchEstimatorMixin", "resolve_device"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def resolve_device(device):
    """Turn the ``device`` parameter into a ``torch.device``.

    ``"auto"`` gives CUDA when available, else the CPU. Any other value must
    name a torch device that exists on this machine.

    Raises
    ------
    ValueError
        For a string torch does not know, or a device that is not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'auto', 'cpu', "
            f"'cuda' or 'cuda:N'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                f"machine; use device='auto' or 'cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)."
            )
    elif dev.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"device={device!r} was requested but MPS is not available.")
    elif dev.type != "cpu":
        raise ValueError(f"device={device!r} is not supported; use 'auto', 'cpu' or 'cuda'.")
    return dev


def _fused_optimizer_supported(device):
    """Fused Adam (one kernel for every parameter) where torch has it: CPU and CUDA."""
    return torch.device(device).type in ("cpu", "cuda")


def _seeds(random_state, n):
    """Draw ``n`` independent 32-bit seeds from ``random_state``.

    ``None`` uses fresh OS entropy and, unlike ``check_random_state(None)``,
    leaves numpy's global random state untouched.
    """
    if random_state is None:
        return [int(s) for s in np.random.SeedSequence().generate_state(n)]
    if isinstance(random_state, np.random.RandomState):
        return [int(s) for s in random_state.randint(0, 2**31 - 1, size=n)]
    return [int(s) for s in np.random.SeedSequence(int(random_state)).generate_state(n)]


#: Parameter constraints of the MLP autoencoders (DAE, stacks, CAE, SAE).
MLP_CONSTRAINTS = {
    "activation": [StrOptions(set(ACTIVATIONS))],
    "tied_weights": ["boolean"],
    "loss": [StrOptions({"auto", *RECONSTRUCTION_LOSSES})],
}


class CorruptionParamMixin:
    """Copy-on-write nested parameters of a ``corruption`` object.

    ``set_params(corruption__rate=...)`` first replaces ``corruption`` by a
    copy of itself, so the default instance in the signature, or an object the
    user passed to several estimators, is never modified.
    """

    def set_params(self, **params):
        nested = [k for k in params if k.startswith("corruption__")]
        if nested and "corruption" not in params:
            corruption = self.corruption
            if hasattr(corruption, "get_params"):
                self.corruption = _copy_corruption(corruption)
        return super().set_params(**params)


def _in_unit_interval(X):
    """Whether every entry of ``X`` lies in [0, 1] (what ``"auto"`` losses look at)."""
    return X.size == 0 or (X.min() >= 0 and X.max() <= 1)


def _copy_corruption(corruption):
    """A validated copy of a corruption object (``None`` stays ``None``)."""
    if corruption is None:
        return None
    copied = type(corruption)(**corruption.get_params(deep=False))
    if hasattr(copied, "validate"):
        copied.validate()
    return copied


class TorchEstimatorMixin:
    """Training and inference machinery shared by every skae estimator.

    Device selection, seeding, building a skorch net around an initialised
    module, running epochs with divergence and interruption handling, keeping
    the previous fit on failure, and chunked inference in the input's dtype.
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

    #: Rows per chunk at inference (inputs are streamed in chunks).
    _inference_chunk_rows = 4096

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
                )
        return tuple(int(s) for s in sizes)

    @staticmethod
    def _check_float32_range(X):
        if X.dtype == np.float64 and X.size:
            largest = max(abs(X.min()), abs(X.max()))
            if largest > _FLOAT32_MAX:
                raise ValueError(
                    f"X holds finite values beyond float32's range (|x| up to {largest:.3g}); "
                    f"training runs in float32. Rescale X first."
                )

    def _validate_X(self, X, *, reset, min_samples=1):
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=min_samples
        )

    def _resolve_loss(self, X):
        """``loss="auto"``: cross-entropy for data in [0, 1], else squared error."""
        if self.loss == "auto":
            return "cross_entropy" if _in_unit_interval(X) else "squared_error"
        return self.loss

    @staticmethod
    def _check_X_for_loss(X, loss):
        if loss == "cross_entropy" and X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "loss='cross_entropy' (a Bernoulli likelihood) needs X in [0, 1], but X spans "
                f"[{X.min():.4g}, {X.max():.4g}]. Scale X (e.g. MinMaxScaler) or use "
                "loss='squared_error'."
            )

    def _check_training_X(self, X):
        self._check_float32_range(X)
        self._check_X_for_loss(X, getattr(self, "loss_", None))

    def _record_history(self):
        """``n_iter_``, ``loss_curve_`` and ``validation_loss_curve_`` from the net's history."""
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = [float(h["train_loss"]) for h in history]
        if self.early_stopping and any("valid_loss" in h for h in history):
            self.validation_loss_curve_ = [float(h.get("valid_loss", np.nan)) for h in history]
        else:
            self.validation_loss_curve_ = None

    @contextmanager
    def _keep_state_on_error(self, copy_net=False):
        """Restore the estimator (and, with ``copy_net``, its trained net) if the block raises."""
        saved = dict(vars(self))
        saved_net = copy.deepcopy(self.net_) if copy_net and "net_" in saved else None
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            if saved_net is not None:
                self.net_ = saved_net
            raise

    @staticmethod
    def _training_tensor(X, device):
        """``X`` as a float32 tensor on ``device`` (pinned on the host if it does not fit on the GPU)."""
        Xt = torch.from_numpy(np.require(X, dtype=np.float32, requirements=["C", "W"]))
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            if Xt.numel() * Xt.element_size() < free // 2:
                return Xt.to(device)
            return Xt.pin_memory()
        return Xt.to(device)

    def _init_module(self, factory, seed, *args, **kwargs):
        """Build ``factory(*args, **kwargs)`` and initialise it from ``seed``."""
        module = build_without_global_rng(factory, *args, **kwargs)
        return init_weights(
            module,
            torch.Generator().manual_seed(int(seed)),
            activation=getattr(self, "activation", "sigmoid"),
        )

    def _make_net(self, module, *, device, seed, split_seed, max_epochs, corruption=None,
                  net_class=AutoencoderNet, **kwargs):
        """An initialised skorch net around ``module`` with this estimator's settings."""
        callbacks = []
        train_split = None
        if self.early_stopping:
            train_split = TensorSplit(self.validation_fraction, split_seed)
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="rel",
                        load_best=True,
                    ),
                )
            )
        params = dict(
            lr=self.lr,
            optimizer__fused=_fused_optimizer_supported(device),
            max_epochs=max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=callbacks,
            verbose=int(self.verbose),
            device=str(device),
            corruption=corruption,
            seed=seed,
        )
        params.update(kwargs)
        return net_class(module, **params).initialize()

    @staticmethod
    def _stop_early_stopping(net):
        """After ``fit``: later ``partial_fit`` calls train on all they are given."""
        net.train_split = None
        net.callbacks = [(n, cb) for n, cb in net.callbacks if n != "early_stopping"]
        net.callbacks_ = [(n, cb) for n, cb in net.callbacks_ if n != "early_stopping"]

    def _run_epochs(self, net, data, epochs):
        net.partial_fit(data, epochs=epochs)
        history = net.history
        if len(history) and "train_loss" not in history[-1]:
            # skorch swallows KeyboardInterrupt; the last epoch did not finish.
            del history[-1]
            warnings.warn(
                f"{type(self).__name__}: training was interrupted during epoch "
                f"{len(history) + 1}; the model keeps the weights reached so far and "
                f"n_iter_={len(history)} counts the finished epochs.",
                UserWarning,
            )
        for name, p in net.module_.named_parameters():
            if not torch.isfinite(p).all():
                raise DivergenceError(
                    f"Training diverged: parameter {name!r} is not finite after epoch "
                    f"{len(history)} (lr={net.lr}). Lower the learning rate or rescale the input."
                )

    def _sync_net_params(self, **net_attributes):
        """Carry parameters changed with ``set_params`` since ``fit`` into the net.

        ``lr`` goes into the optimiser's parameter groups, keeping its state;
        ``net_attributes`` (the corruption, the regulariser, ...) are set as given.
        """
        self._validate_params()
        net = self.net_
        net.lr = self.lr
        for group in net.optimizer_.param_groups:
            group["lr"] = self.lr
        net.batch_size = self.batch_size
        verbosity_changed = bool(net.verbose) != bool(self.verbose)
        net.verbose = int(self.verbose)
        if verbosity_changed:  # PrintLog is a default callback only when verbose
            net.initialize_callbacks()
        for name, value in net_attributes.items():
            setattr(net, name, value)

    @property
    def device_(self):
        """The ``torch.device`` the model lives on."""
        check_is_fitted(self, "net_")
        return torch.device(self.net_.device)

    def _inference_module(self, dtype):
        """The trained module in ``dtype`` (a float64 copy for float64 inputs)."""
        module = self.net_.module_
        if dtype != torch.float32:
            module = copy.deepcopy(module).to(dtype)
        return module.eval()

    def _map_rows(self, X, fn, width):
        """Apply ``fn(module, x_batch) -> tensor (B, width)`` to ``X`` in chunks.

        Streams the rows (so memory-mapped input is never loaded whole) and runs
        in X's floating dtype, so a row's result does not depend on the others.
        """
        dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        module = self._inference_module(dtype)
        device = self.device_
        out = np.empty((X.shape[0], width), dtype=X.dtype)
        step = max(self._inference_chunk_rows, int(self.batch_size))
        with torch.inference_mode():
            for start in range(0, X.shape[0], step):
                chunk = X[start : start + step]
                if not (type(chunk) is np.ndarray and chunk.flags.c_contiguous and chunk.flags.writeable):
                    chunk = np.array(chunk, dtype=X.dtype, order="C")  # e.g. a memmap slice
                result = fn(module, torch.from_numpy(chunk).to(device))
                out[start : start + step] = result.cpu().numpy()
        return out


class BaseAutoencoder(TransformerMixin, TorchEstimatorMixin, BaseEstimator):
    """Base class of skae's autoencoders; not for direct use.

    Subclasses store their parameters in ``__init__``, extend
    ``_parameter_constraints``, and may override :meth:`_build_module`, which
    returns a module whose ``forward(x)`` gives ``(preactivation, code, ...)``,
    with an ``encoder`` (x -> code) and a ``decoder`` whose ``forward`` maps
    codes to data space and ``preactivation`` to the loss's input.
    """

    _parameter_constraints: dict = dict(TorchEstimatorMixin._parameter_constraints)

    #: Prefix of the output feature names (``dae0, dae1, ...``).
    _feature_prefix = "ae"

    # ------------------------------------------------------------------ hooks
    def _build_module(self, n_features):
        """A new, not yet initialised ``torch.nn.Module``: by default the MLP
        :class:`~skae.modules.Autoencoder` from ``n_components``,
        ``hidden_layer_sizes``, ``activation``, ``tied_weights`` and ``loss_``."""
        return Autoencoder(
            n_features=n_features,
            n_components=self.n_components,
            hidden_layer_sizes=self._hidden_sizes(),
            activation=self.activation,
            output_activation=RECONSTRUCTION_LOSSES[self.loss_],
            tied_weights=self.tied_weights,
        )

    def _corruption_for_fit(self):
        """The corruption process applied to training batches, or ``None``."""
        return None

    def _check_params(self, X):
        """Model-specific checks and fitted copies of object parameters.

        Runs before training in ``fit`` (with the training data) and before each
        later ``partial_fit`` (with ``X=None``).
        """

    def _net_kwargs(self):
        """Extra keyword arguments for the skorch net."""
        return {}

    @property
    def _n_features_out(self):
        return self.n_components

    # ----------------------------------------------------------------- training
    def _net_spec(self):
        """Keyword arguments of :meth:`_make_net` that define the training objective."""
        return dict(
            net_class=AutoencoderNet,
            corruption=self._corruption_for_fit(),
            criterion__kind=self.loss_,
            **self._net_kwargs(),
        )

    def _empty_module(self, n_features):
        """The fitted module's architecture, freshly built (for loading saved weights)."""
        return build_without_global_rng(self._build_module, n_features)

    def _build_net(self, n_features, device, max_epochs):
        module_seed, net_seed, split_seed = _seeds(self.random_state, 3)
        module = self._init_module(self._build_module, module_seed, n_features)
        return self._make_net(
            module, device=device, seed=net_seed, split_seed=split_seed, max_epochs=max_epochs,
            **self._net_spec(),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on ``X`` from a fresh initialisation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (float32/float64, or convertible; DataFrames keep
            their column names in ``feature_names_in_``).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with self._keep_state_on_error():
            self._fit_from_scratch(X, epochs=self.max_iter)
        return self

    def _prepare_fit(self, X):
        """Validate ``X`` for a fresh fit; returns ``(X, device)``."""
        X = self._validate_X(X, reset=True, min_samples=2)
        device = resolve_device(self.device)
        self.loss_ = self._resolve_loss(X)
        self._check_training_X(X)
        self._check_params(X)
        return X, device

    def _fit_from_scratch(self, X, epochs, resume=None):
        """Validate, build a fresh net and train it for ``epochs``.

        ``resume(net, X) -> epochs_done``, if given, may load a saved training
        state into the new net before training; only the remaining epochs run.
        """
        X, device = self._prepare_fit(X)
        net = self._build_net(X.shape[1], device, max_epochs=epochs)
        done = resume(net, X) if resume is not None else 0
        if done < epochs:
            self._run_epochs(net, TensorData(self._training_tensor(X, device)), epochs - done)
        self._stop_early_stopping(net)
        self.net_ = net
        self._record_history()

    def partial_fit(self, X, y=None):
        """Train for one more pass over ``X`` (initialising on the first call).

        Useful for streaming and out-of-core data: call it once per chunk. The
        optimiser state and random streams carry over between calls. If the
        pass diverges, the previously fitted state is kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not hasattr(self, "net_"):
            return self._partial_fit_first(X)
        with self._keep_state_on_error(copy_net=True):
            X = self._validate_X(X, reset=False, min_samples=1)
            self._check_training_X(X)
            self._check_params(None)
            self._sync_net_params(corruption=self._corruption_for_fit(), **self._net_kwargs())
            device = torch.device(self.net_.device)
            self._run_epochs(self.net_, TensorData(self._training_tensor(X, device)), 1)
            self._record_history()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit_first(self, X):
        with self._keep_state_on_error():
            self._fit_from_scratch(X, epochs=1)
        return self

    @property
    def encoder_(self):
        """The trained encoder module (x -> code)."""
        check_is_fitted(self, "net_")
        return self.net_.module_.encoder

    @property
    def decoder_(self):
        """The trained decoder module (code -> reconstruction in data space)."""
        check_is_fitted(self, "net_")
        return self.net_.module_.decoder

    # ---------------------------------------------------------------- inference
    def transform(self, X):
        """Encode ``X`` (deterministic: no corruption at inference).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The codes, in X's floating dtype.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return self._map_rows(X, lambda m, xb: m.encoder(xb), self._n_features_out)

    def inverse_transform(self, X):
        """Decode codes back to data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructions (in [0, 1] for a cross-entropy model).
        """
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects codes of width n_components={self._n_features_out}."
            )
        return self._map_rows(Z, lambda m, zb: m.decoder(zb), self.n_features_in_)

    def _score_batch(self, module, xb):
        preactivation = module(xb)[0]
        return -reconstruction_loss(preactivation, xb, self.loss_)[:, None]

    def score_samples(self, X):
        """Negative reconstruction loss of each sample (higher is better).

        The loss is summed over features (cross-entropy in nats, or squared
        error), computed on the clean input.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        self._check_X_for_loss(X, self.loss_)
        return self._map_rows(X, self._score_batch, 1)[:, 0]

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over ``X`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: ``<prefix>0, <prefix>1, ...``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "net_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(
            [f"{self._feature_prefix}{i}" for i in range(self._n_features_out)], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

