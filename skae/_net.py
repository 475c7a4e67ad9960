"""The skorch training engine of skae.

:class:`AutoencoderNet` is a ``skorch.NeuralNet`` that corrupts its inputs,
reconstructs the clean ones and checks for divergence. It customises only the
small hooks (``get_dataset``, ``get_iterator``, ``train_step_single``,
``get_loss``, ``initialize``), never the fit loop.

Batching is done on tensors: :class:`TensorData` holds the whole training set
as a tensor on the training device, and :class:`BatchIterator` yields slices
of it (a random permutation per epoch from a seeded generator), instead of
skorch's default per-sample ``Dataset.__getitem__`` calls.
"""

import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.history import History
from skorch.utils import TeeGenerator, to_tensor

from .losses import ReconstructionLoss, variational_bound
from .parallel import allreduce_gradients, data_parallel_context

__all__ = [
    "AutoencoderNet",
    "VariationalNet",
    "BatchIterator",
    "DivergenceCheck",
    "DivergenceError",
    "TensorData",
    "TensorSplit",
]


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss or non-finite weights.

    Raised by ``fit`` and ``partial_fit``, naming the epoch, the batch and the
    learning rate; the estimator keeps its previous fitted state.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import DenoisingAutoencoder, DivergenceError
    >>> X = np.random.RandomState(0).normal(size=(64, 4)) * 1e3
    >>> est = DenoisingAutoencoder(2, activation="identity", lr=1e12, random_state=0)
    >>> try:
    ...     est.fit(X)
    ... except DivergenceError as error:
    ...     print(str(error)[:40])
    Training diverged: the training loss bec
    """


class TensorData(torch.utils.data.Dataset):
    """Training data held as tensors: inputs ``X`` and optional targets ``y``.

    Without ``y``, the target of each row is the row itself (an autoencoder).
    """

    def __init__(self, X, y=None):
        if y is not None and len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        x = self.X[i]
        return x, (x if self.y is None else self.y[i])

    def subset(self, index):
        """A new :class:`TensorData` of the rows in ``index`` (a LongTensor)."""
        index = index.to(self.X.device)
        y = None if self.y is None else self.y.index_select(0, index.to(self.y.device))
        return TensorData(self.X.index_select(0, index), y)


class BatchIterator:
    """Iterate over a :class:`TensorData` in mini-batches of tensor slices.

    Parameters
    ----------
    dataset : TensorData
    batch_size : int
    shuffle : bool, default=False
        Draw a new random order each pass, from ``generator``.
    generator : torch.Generator, default=None
        CPU generator for the permutation.
    device : str or torch.device, default=None
        Move each batch there (a no-op when the data already lives there).
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None, device=None):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.device = device

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def _to_device(self, t):
        if t is None or self.device is None:
            return t
        return t.to(self.device, non_blocking=True)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n = len(X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(X.device)
        for start in range(0, n, self.batch_size):
            if self.shuffle:
                idx = order[start : start + self.batch_size]
                xb = X.index_select(0, idx)
                yb = None if y is None else y.index_select(0, idx.to(y.device))
            else:
                xb = X[start : start + self.batch_size]
                yb = None if y is None else y[start : start + self.batch_size]
            xb = self._to_device(xb)
            yb = xb if yb is None else self._to_device(yb)
            yield xb, yb


class TensorSplit:
    """A skorch ``train_split``: hold out a random ``fraction`` of a :class:`TensorData`.

    Parameters
    ----------
    fraction : float
        Fraction of rows for validation, in (0, 1).
    seed : int
        Seed of the permutation (no global random state is used).
    """

    def __init__(self, fraction, seed):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = int(math.ceil(self.fraction * n))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={self.fraction} leaves no training or no validation "
                f"rows out of {n}; use more samples or early_stopping=False."
            )
        generator = torch.Generator().manual_seed(int(self.seed))
        order = torch.randperm(n, generator=generator)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


class DivergenceCheck(Callback):
    """Stop training with :class:`DivergenceError` as soon as a batch loss is not finite."""

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        # plain list/dict access: skorch's History tuple indexing costs ~5 µs a batch
        loss = list.__getitem__(net.history, -1)["batches"][-1]["train_loss" if training else "valid_loss"]
        if not math.isfinite(loss):
            epoch = len(net.history)
            batch_index = len(net.history[-1, "batches"])
            phase = "training" if training else "validation"
            raise DivergenceError(
                f"Training diverged: the {phase} loss became {loss} at epoch {epoch} "
                f"(batch {batch_index}) with lr={net.lr}. Lower the learning rate or "
                f"rescale the input (e.g. with StandardScaler or MinMaxScaler)."
            )


class BatchHistory(History):
    """skorch's History with per-batch records through plain list access.

    ``History.__getitem__`` parses tuple keys on every call, which costs
    microseconds per batch on small models; these two per-batch methods
    bypass it and produce the same records.
    """

    def new_batch(self):
        list.__getitem__(self, -1)["batches"].append({})

    def record_batch(self, attr, value):
        list.__getitem__(self, -1)["batches"][-1][attr] = value


class AutoencoderNet(NeuralNet):
    """skorch net of a denoising autoencoder.

    Trains ``module`` (whose ``forward`` returns ``(preactivation, code, ...)``)
    to reconstruct the clean batch from ``corruption(batch)``; corruption is
    applied only in training steps, never in validation or inference.

    Parameters
    ----------
    module : torch.nn.Module
        An initialised module.
    corruption : callable or None, default=None
        ``corruption(X, generator) -> X_tilde``; ``None`` trains a plain autoencoder.
    regularizer : callable or None, default=None
        ``regularizer(module, X_input, y_pred) -> scalar tensor or None``, added
        to the loss (e.g. :class:`~skae.losses.ContractivePenalty`).
    seed : int, default=0
        Seeds the shuffling and corruption generators (created by ``initialize``).
    **kwargs
        Passed to ``skorch.NeuralNet`` (``criterion`` defaults to
        :class:`~skae.losses.ReconstructionLoss`, ``optimizer`` to Adam, no
        ``train_split``).
    """

    def __init__(
        self,
        module,
        *args,
        criterion=ReconstructionLoss,
        optimizer=torch.optim.Adam,
        train_split=None,
        corruption=None,
        regularizer=None,
        seed=0,
        **kwargs,
    ):
        super().__init__(
            module, *args, criterion=criterion, optimizer=optimizer, train_split=train_split, **kwargs
        )
        self.corruption = corruption
        self.regularizer = regularizer
        self.seed = seed
        self.parallel_ = None

    @property
    def _default_callbacks(self):
        # PrintLog formats a table every epoch even when silent: include it only when verbose.
        defaults = [(n, cb) for n, cb in super()._default_callbacks if n != "print_log" or self.verbose]
        return [*defaults, ("divergence_check", DivergenceCheck())]

    def initialize_history(self):
        self.history_ = BatchHistory()
        return self

    def _hooks(self, method_name):
        """The callbacks that implement ``method_name`` (skorch's no-op defaults left out), cached."""
        key = (method_name, id(self.callbacks_), len(self.callbacks_))
        cache = self.__dict__.setdefault("hook_cache_", {})
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            default = getattr(Callback, method_name, None)
            cache[key] = [cb for _, cb in self.callbacks_
                          if default is None or getattr(type(cb), method_name, None) is not default]
        return cache[key]

    def notify(self, method_name, **cb_kwargs):
        """Call the net's own hook, then only the callbacks that implement it.

        skorch calls every callback's hook, no-ops included, several times a
        batch; skipping the no-ops gives the same behaviour for less overhead.
        """
        getattr(self, method_name)(self, **cb_kwargs)
        for cb in self._hooks(method_name):
            getattr(cb, method_name)(self, **cb_kwargs)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # (rank, world_size) inside skae.data_parallel(), else None: read once per fit, not per step
        self.parallel_ = data_parallel_context()

    # --- random state ------------------------------------------------------
    def initialize(self):
        super().initialize()
        shuffle_seed, noise_seed = np.random.SeedSequence(int(self.seed)).generate_state(2)
        self.shuffle_generator_ = torch.Generator().manual_seed(int(shuffle_seed))
        self.noise_generator_ = torch.Generator(device=self.device).manual_seed(int(noise_seed))
        return self

    def __getstate__(self):
        state = super().__getstate__()
        # Generators are stored as CPU state tensors so that a net trained on
        # CUDA unpickles on a CPU-only machine.
        for name in ("shuffle_generator_", "noise_generator_"):
            gen = state.get(name)
            if isinstance(gen, torch.Generator):
                state[name] = (gen.device.type, gen.get_state())
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        for name in ("shuffle_generator_", "noise_generator_"):
            saved = self.__dict__.get(name)
            if isinstance(saved, tuple):
                device_type, gen_state = saved
                device = "cpu" if name == "shuffle_generator_" else self.device
                gen = torch.Generator(device=device)
                if torch.device(device).type == device_type:
                    gen.set_state(gen_state)
                else:  # e.g. CUDA -> CPU: continue deterministically from the saved state
                    gen.manual_seed(int.from_bytes(bytes(gen_state.tolist()[:8]), "little"))
                setattr(self, name, gen)

    # --- data --------------------------------------------------------------
    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        X = to_tensor(X, device=self.device)
        y = None if y is None else to_tensor(y, device=self.device)
        return TensorData(X, y)

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, TensorData):
            return super().get_iterator(dataset, training=training)
        batch_size = len(dataset) if self.batch_size == -1 else self.batch_size
        return BatchIterator(
            dataset,
            batch_size,
            shuffle=training,
            generator=self.shuffle_generator_ if training else None,
            device=self.device,
        )

    # --- training step -----------------------------------------------------
    def _set_training(self, training=True):
        """Switch train/eval mode only when it changes (``Module.train`` recurses)."""
        if getattr(self.module_, "training", None) is training:
            return
        super()._set_training(training)

    def train_step(self, batch, **fit_params):
        """One optimiser step: zero the gradients, forward/backward, step.

        The lean form of skorch's ``train_step`` for single-closure optimisers
        (Adam, SGD): gradients are set to ``None`` rather than zeroed, and
        ``on_grad_computed`` is notified only when a callback implements it.
        """
        if not isinstance(self.optimizer_, (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD)):
            return super().train_step(batch, **fit_params)
        self.optimizer_.zero_grad(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        if self.parallel_ is not None:
            allreduce_gradients(self.module_.parameters(), *self.parallel_)
        if self._hooks("on_grad_computed"):
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        self.optimizer_.step()
        return step

    def _corrupts(self):
        corruption = self.corruption
        return corruption is not None and not getattr(corruption, "is_identity", False)

    def corrupt(self, X):
        """Apply the training corruption to a batch (a new tensor, or ``X`` itself)."""
        if not self._corrupts():
            return X
        return self.corruption(X, self.noise_generator_)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        X_tilde = self.corrupt(Xi)
        if self.parallel_ is not None:  # every rank corrupted the same global batch: keep this rank's shard
            rank, world_size = self.parallel_
            X_tilde, yi = X_tilde[rank::world_size], yi[rank::world_size]
        y_pred = self.infer(X_tilde, **fit_params)
        loss = self.get_loss(y_pred, yi, X=X_tilde, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Reconstruction loss of the clean target, plus :meth:`penalty`."""
        output = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
        loss = self.criterion_(output, to_tensor(y_true, device=self.device))
        penalty = self.penalty(y_pred, X=X, training=training)
        return loss if penalty is None else loss + penalty

    def penalty(self, y_pred, X=None, training=False):
        """The ``regularizer``'s term for this batch (``None`` without one)."""
        if self.regularizer is None:
            return None
        return self.regularizer(self.module_, to_tensor(X, device=self.device), y_pred)


class VariationalNet(AutoencoderNet):
    """skorch net of a (denoising) variational autoencoder.

    The module's ``forward`` gives the posterior parameters; the loss is the
    negative variational bound of the clean batch (:func:`~skae.losses.variational_bound`),
    with ε drawn from the net's noise generator. With a corruption, the
    encoder sees x̃ ~ p(x̃|x) and the bound is the denoising bound of Im et
    al. (2017); each batch is replicated ``n_corruptions`` times (M corrupted
    copies) before corruption.

    Parameters
    ----------
    module : VariationalAutoencoder
    n_samples : int, default=1
        K, samples of z per (corrupted) input.
    objective : {"elbo", "iwae"}, default="elbo"
    beta : float, default=1.0
    n_corruptions : int, default=1
        M, corrupted copies of each input per step.
    **kwargs
        Passed to :class:`AutoencoderNet`.
    """

    def __init__(self, module, *args, n_samples=1, objective="elbo", beta=1.0, n_corruptions=1,
                 **kwargs):
        super().__init__(module, *args, **kwargs)
        self.n_samples = n_samples
        self.objective = objective
        self.beta = beta
        self.n_corruptions = n_corruptions

    def train_step_single(self, batch, **fit_params):
        Xi, yi = batch
        if self.n_corruptions > 1 and self._corrupts():
            Xi, yi = Xi.repeat(self.n_corruptions, 1), yi.repeat(self.n_corruptions, 1)
        return super().train_step_single((Xi, yi), **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        mu, log_var = y_pred
        bound = variational_bound(
            self.module_,
            mu,
            log_var,
            to_tensor(y_true, device=self.device),
            n_samples=self.n_samples,
            objective=self.objective,
            beta=self.beta,
            generator=self.noise_generator_,
        )
        return -bound.mean()
