"""The skorch training engine of skae.

:class:`SkaeNet` is the one ``skorch.NeuralNet`` subclass that trains every
skae model. It customises only skorch's public hooks: ``get_dataset`` and
``get_iterator`` (tensor batching), ``initialize``/``initialize_module``
(seeded generators), ``train_step_single`` (seeded corruption of the
training batch), ``infer`` (the noise generator for modules that sample, and
``DistributedDataParallel`` in data-parallel training), ``on_epoch_begin``
(train mode) and ``get_default_callbacks`` (divergence as a callback); for speed,
``run_single_epoch`` and ``train_step`` skip skorch's per-batch host sync and
notifications when no callback listens for them. The
objective is skorch's ``criterion``: a torch module from :mod:`skae.nn.losses`
that takes the module's whole output.

Batching is done on tensors (:mod:`skae.engine.data`), not per-sample
``Dataset.__getitem__`` calls. The net owns its training state:
:meth:`SkaeNet.get_training_state` / :meth:`SkaeNet.set_training_state` are the
one description of it, used to roll back a failed ``partial_fit``, to write and
resume checkpoints, and to restore a loaded model's history.
"""

import contextlib
import inspect

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.history import History
from skorch.utils import to_tensor

from ..nn.losses import ReconstructionLoss
from .callbacks import ConvergenceStopping, DivergenceCheck, DivergenceError, RelativeEarlyStopping
from .data import BatchIterator, TensorData, TensorSplit
from .progress import EpochProgressBar

__all__ = [
    "SkaeNet",
    "BatchIterator",
    "ConvergenceStopping",
    "DivergenceCheck",
    "DivergenceError",
    "RelativeEarlyStopping",
    "TensorData",
    "TensorSplit",
]


#: Rows on which a noisy fit's stopping rule measures the objective under a fixed noise draw
#: (``SkaeNet(monitor_rows=...)``, the estimators' setting): one forward pass per epoch, no gradient.
MONITOR_ROWS = 1024

#: ``batch_size="auto"``: scikit-learn's MLP rule, ``min(AUTO_BATCH_SIZE, n_samples)``.
AUTO_BATCH_SIZE = 200


def resolve_batch_size(batch_size, n_rows):
    """Rows per mini-batch: ``"auto"`` is ``min(200, n_rows)`` as in scikit-learn's MLPs; -1 is all rows."""
    if batch_size == "auto":
        return max(1, min(AUTO_BATCH_SIZE, n_rows))
    return n_rows if batch_size == -1 else int(batch_size)


class SkaeNet(NeuralNet):
    """The skorch net that trains every skae model.

    Each training step corrupts the batch (``corruption``), runs the module on
    it and scores the output against the clean target with ``criterion``:
    a reconstruction loss (plus penalties), a variational bound or, for a
    classifier, the cross-entropy of the labels. Corruption is applied only in
    training steps, never in validation or inference.

    Parameters
    ----------
    module : torch.nn.Module
        An initialised module. If its ``forward`` takes a ``generator``
        keyword, it receives the net's noise generator (e.g. a VAE's
        reparameterisation noise), the same stream as the corruption.
    criterion : type, default=ReconstructionLoss
        The objective: ``criterion(module_output, target) -> scalar``.
    corruption : callable or None, default=None
        ``corruption(X, generator) -> X_tilde``; ``None`` trains without noise.
    n_corruptions : int, default=1
        Corrupted copies of each row per step (Im et al.'s M), when corrupting.
    forward_params : dict or None, default=None
        Keyword arguments of the module's ``forward`` in training and
        validation steps (e.g. a VAE's ``n_samples``).
    seed : int, default=0
        Seeds the shuffling and noise generators (created by ``initialize``).
    distributed : bool, default=False
        Train data-parallel over the default ``torch.distributed`` process
        group, through ``DistributedDataParallel``: every rank draws the same
        global batch and noise and backpropagates its shard (rows
        ``rank::world_size``); DDP averages the gradients.
    progress_label : str or None, default=None
        Label of the progress bar shown at ``verbose=1`` (``verbose=2``
        prints skorch's table of losses per epoch instead).
    monitor_rows : int, default=0
        When training is noisy (a corruption, or a module that samples): after
        each epoch, the objective on up to this many training rows, fixed for
        the fit, under one noise draw, also fixed, is recorded in the history
        as ``fixed_noise_loss``. Unlike the epoch's ``train_loss`` it changes
        only with the weights, so a stopping rule can watch it (0: not
        recorded).
    **kwargs
        Passed to ``skorch.NeuralNet`` (``optimizer`` defaults to Adam, no
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
        n_corruptions=1,
        forward_params=None,
        seed=0,
        distributed=False,
        progress_label=None,
        monitor_rows=0,
        **kwargs,
    ):
        super().__init__(
            module, *args, criterion=criterion, optimizer=optimizer, train_split=train_split, **kwargs
        )
        self.corruption = corruption
        self.n_corruptions = n_corruptions
        self.forward_params = forward_params
        self.seed = seed
        self.distributed = distributed
        self.progress_label = progress_label
        self.monitor_rows = monitor_rows

    def get_default_callbacks(self):
        # verbose=1: a bar over the epochs; verbose >= 2: skorch's table of losses per epoch
        # (PrintLog formats its table every epoch even when silent, so it is left out below 2).
        defaults = [(n, cb) for n, cb in super().get_default_callbacks() if n != "print_log" or self.verbose >= 2]
        progress = [("progress", EpochProgressBar(self.progress_label))] if self.verbose == 1 else []
        return [*defaults, *progress, ("divergence_check", DivergenceCheck())]

    # --- random state and the module ---------------------------------------
    def initialize(self):
        super().initialize()
        shuffle_seed, noise_seed = np.random.SeedSequence(int(self.seed)).generate_state(2)
        self.shuffle_generator_ = torch.Generator().manual_seed(int(shuffle_seed))
        self.noise_generator_ = torch.Generator(device=self.device).manual_seed(int(noise_seed))
        return self

    def initialize_module(self):
        super().initialize_module()
        self.samples_noise_ = "generator" in inspect.signature(self.module_.forward).parameters
        self.ddp_forward_ = None
        return self

    def __getstate__(self):
        state = super().__getstate__()
        state["ddp_forward_"] = None
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
                else:  # e.g. CUDA -> CPU: a new CPU stream, seeded from the saved state's first bytes
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
        batch_size = resolve_batch_size(self.batch_size, len(dataset))
        return BatchIterator(
            dataset,
            batch_size,
            shuffle=training,
            generator=self.shuffle_generator_ if training else None,
            device=self.device,
        )

    # --- training ----------------------------------------------------------
    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if self.distributed:
            import torch.distributed as dist
            from torch.nn.parallel import DistributedDataParallel

            self.rank_, self.world_size_ = dist.get_rank(), dist.get_world_size()
            with self._collective_errors():
                # the wrapper's bound __call__: skorch would register a Module attribute as a
                # second copy of the module (its parameters trained twice)
                self.ddp_forward_ = DistributedDataParallel(self.module_).__call__

        self.monitor_batch_ = None  # drawn from this call's data at the first epoch's end

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.ddp_forward_ = None
        self.monitor_batch_ = None

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs)
        if self.monitor_rows and (self.corrupts() or self.samples_noise_) and isinstance(dataset_train, TensorData):
            self.history.record("fixed_noise_loss", self._fixed_noise_loss(dataset_train))

    def _fixed_noise_loss(self, dataset):
        """The objective on ``monitor_rows`` fixed rows under a fixed noise draw (no gradient, eval mode)."""
        if getattr(self, "monitor_batch_", None) is None:
            rows = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(int(self.seed)))
            monitor = dataset.subset(rows[: self.monitor_rows])
            X, y = monitor.X.to(self.device), (monitor.X if monitor.y is None else monitor.y).to(self.device)
            if self.n_corruptions > 1 and self.corrupts():
                X, y = X.repeat(self.n_corruptions, 1), y.repeat(self.n_corruptions, 1)
            if self.corrupts() and not self.samples_noise_:  # the draw is fixed: corrupt once per fit
                X = self.corruption(X, self._monitor_generator())
            self.monitor_batch_ = (X, y)
        X, y = self.monitor_batch_
        generator = self._monitor_generator()
        training = self.module_.training
        self.module_.eval()
        try:
            with torch.no_grad():
                X_tilde = self.corruption(X, generator) if self.corrupts() and self.samples_noise_ else X
                sampling = {"generator": generator} if self.samples_noise_ else {}
                y_pred = self.module_(X_tilde, **{**(self.forward_params or {}), **sampling})
                loss = self.get_loss(y_pred, y, X=X_tilde, training=False).detach()
                if self.ddp_forward_ is not None:  # data-parallel: every rank must stop at the same epoch
                    import torch.distributed as dist

                    with self._collective_errors():
                        dist.all_reduce(loss)
                    loss = loss / self.world_size_
                return loss.item()
        finally:
            self.module_.train(training)

    def _monitor_generator(self):
        """The fixed noise stream of :meth:`_fixed_noise_loss`, restarted at each call."""
        return torch.Generator(device=self.device).manual_seed(int(self.seed) + 1)

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        # Every submodule, once per epoch (validation, run after the training
        # batches, switches to eval mode through skorch's evaluation steps).
        self.module_.train()

    @contextlib.contextmanager
    def _collective_errors(self):
        """Turn a failed collective (a peer died, a time-out) into a clear error naming this rank."""
        try:
            yield
        except RuntimeError as exc:  # gloo/NCCL raise RuntimeError or DistBackendError
            raise RuntimeError(
                f"Data-parallel training failed on rank {self.rank_} of {self.world_size_}: a peer "
                f"process stopped or the collective timed out ({type(exc).__name__}: {exc})."
            ) from exc

    def corrupts(self):
        """Whether training batches are corrupted."""
        corruption = self.corruption
        return corruption is not None and not getattr(corruption, "is_identity", False)

    def corrupt(self, X):
        """Apply the training corruption to a batch (a new tensor, or ``X`` itself)."""
        if not self.corrupts():
            return X
        return self.corruption(X, self.noise_generator_)

    def infer(self, x, **fit_params):
        """The module's output on batch ``x`` (through DDP in data-parallel training).

        Overridden (skorch's ``infer`` converts and inspects ``x`` on every
        call) to pass ``forward_params``, and the noise generator to modules
        that sample.
        """
        if self.forward_params:
            fit_params = {**self.forward_params, **fit_params}
        if self.samples_noise_:
            fit_params.setdefault("generator", self.noise_generator_)
        forward = self.module_ if self.ddp_forward_ is None else self.ddp_forward_
        return forward(x, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch without its per-batch host sync and notifications, when nothing listens.

        Overridden for speed. What this and :meth:`train_step` buy together on a CPU digits fit is
        measured by ``benchmarks/bench_overrides.py``: an earlier run gave skorch's own epoch and step
        a paired ratio of 1.07 (95% interval 1.03-1.12); the run recorded in the docs is level (its
        interval contains 1). On a GPU the saving is one host sync per batch.
        The batch losses stay on the device and reach the history in one transfer per epoch, not
        one ``.item()`` per batch (a sync per step on a GPU), and ``on_batch_begin``/``on_batch_end``
        run only if a callback implements them. The history holds the same records as skorch's.
        """
        if iterator is None or self._listens("on_batch_begin", "on_batch_end"):
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        self._quiet_steps = not self._listens("on_grad_computed")
        losses, sizes = [], []
        try:
            for batch in iterator:
                losses.append(step_fn(batch, **fit_params)["loss"].detach())
                sizes.append(len(batch[0]))
        finally:
            self._quiet_steps = False
        for loss, size in zip(torch.stack(losses).tolist() if losses else [], sizes):
            self.history.new_batch()
            self.history.record_batch(prefix + "_loss", loss)
            self.history.record_batch(prefix + "_batch_size", size)
        self.history.record(prefix + "_batch_count", len(sizes))

    def train_step(self, batch, **fit_params):
        """skorch's step, without the ``on_grad_computed`` notification when no callback implements it.

        Overridden for speed: skorch notifies every callback after each backward pass; what
        skipping it buys, with :meth:`run_single_epoch`, is measured by
        ``benchmarks/bench_overrides.py`` (see :meth:`run_single_epoch`). In an epoch where no callback implements
        ``on_grad_computed`` the step zeroes the gradients, runs :meth:`train_step_single`
        and steps the optimizer, as skorch's closure does.
        """
        if not getattr(self, "_quiet_steps", False):
            return super().train_step(batch, **fit_params)
        accumulator = self.get_train_step_accumulator()

        def step_fn():
            self.optimizer_.zero_grad()
            step = self.train_step_single(batch, **fit_params)
            accumulator.store_step(step)
            return step["loss"]

        self.optimizer_.step(step_fn)
        return accumulator.get_step()

    def _listens(self, *hooks):
        """Whether this net's class or one of its callbacks implements any of ``hooks``."""
        own = any(getattr(type(self), hook) is not getattr(NeuralNet, hook) for hook in hooks)
        return own or any(getattr(type(cb), hook) is not getattr(Callback, hook)
                          for _, cb in self.callbacks_ for hook in hooks)

    def train_step_single(self, batch, **fit_params):
        """Corrupt the batch, run the module on it, score against the clean target, backpropagate."""
        Xi, yi = batch
        if self.n_corruptions > 1 and self.corrupts():
            Xi, yi = Xi.repeat(self.n_corruptions, 1), yi.repeat(self.n_corruptions, 1)
        X_tilde = self.corrupt(Xi)
        if self.ddp_forward_ is None:
            y_pred = self.infer(X_tilde, **fit_params)
            loss = self.get_loss(y_pred, yi, X=X_tilde, training=True)
            loss.backward()
            return {"loss": loss, "y_pred": y_pred}
        return self._data_parallel_step(X_tilde, yi, **fit_params)

    def _data_parallel_step(self, X_tilde, yi, **fit_params):
        """Backpropagate this rank's shard of the global batch so that DDP's average is the global mean.

        Every rank corrupted the same global batch of ``n`` rows and keeps rows
        ``rank::world_size`` (``m`` of them, 0 for some ranks when ``n < world_size``).
        Its shard's mean loss is scaled by ``m * world_size / n`` (exactly 1 for equal
        shards), so that DDP's average of the gradients is the gradient of the global
        batch's mean loss; an empty shard backpropagates an exact zero through every
        parameter, as DDP needs. The loss recorded in the history is the global batch's
        (one all-reduce of a scalar per step), the same on every rank, so that every
        rank stops at the same epoch.
        """
        import torch.distributed as dist

        n = len(X_tilde)
        X_tilde = X_tilde[self.rank_ :: self.world_size_]
        yi = yi[self.rank_ :: self.world_size_]
        m = len(X_tilde)
        with self._collective_errors():
            y_pred = self.infer(X_tilde, **fit_params)
            if m:
                loss = self.get_loss(y_pred, yi, X=X_tilde, training=True)
            else:  # no rows here: a zero that reaches every parameter the forward used
                outputs = y_pred if isinstance(y_pred, (tuple, list)) else (y_pred,)
                loss = sum(t.sum() for t in outputs if isinstance(t, torch.Tensor)) * 0.0
            (loss * (m * self.world_size_ / n)).backward()  # DDP all-reduces (averages) the gradients here
            recorded = loss.detach() * (m / n)
            dist.all_reduce(recorded)  # the global batch's mean loss
        return {"loss": recorded, "y_pred": y_pred}

    # --- training state ----------------------------------------------------
    def get_training_state(self):
        """Everything that training changes, as copies: what a rollback, a checkpoint or a resume needs.

        Returns
        -------
        state : dict
            ``module`` and ``optimizer`` (state dicts, tensors cloned),
            ``shuffle_generator`` and ``noise_generator`` (generator states, on the
            CPU), ``noise_device`` (the noise generator's device type) and
            ``history`` (skorch's history as a list of epoch dicts).
        """
        return {
            "module": {k: v.detach().clone() for k, v in self.module_.state_dict().items()},
            "optimizer": _clone_state(self.optimizer_.state_dict()),
            "shuffle_generator": self.shuffle_generator_.get_state(),
            "noise_generator": self.noise_generator_.get_state().cpu(),
            "noise_device": self.noise_generator_.device.type,
            "history": _clone_state(list(self.history)),
        }

    def set_training_state(self, state):
        """Restore what :meth:`get_training_state` returned; keys left out are left as they are.

        The noise generator's state is restored only on the device type it was
        saved from (a CUDA generator's state does not fit a CPU one).

        Parameters
        ----------
        state : dict
            A (sub)set of :meth:`get_training_state`'s keys.

        Returns
        -------
        self : SkaeNet
        """
        if "module" in state:
            self.module_.load_state_dict(state["module"])
        if "optimizer" in state:
            self.optimizer_.load_state_dict(state["optimizer"])
        if "shuffle_generator" in state:
            self.shuffle_generator_.set_state(state["shuffle_generator"])
        if "noise_generator" in state and state.get("noise_device", "cpu") == self.noise_generator_.device.type:
            self.noise_generator_.set_state(state["noise_generator"])
        if "history" in state:
            self.history = History(_clone_state(list(state["history"])))
        return self


def _clone_state(value):
    """A deep copy of a state's tensors and containers (the optimiser step updates its tensors in place)."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _clone_state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone_state(v) for v in value]
    return value
