"""The callbacks of skae's training loop: divergence as an error, and early stopping on a relative threshold.

skorch callbacks only (no net internals): :class:`SkaeNet` adds
:class:`DivergenceCheck` to its defaults, and the estimators stop on
:class:`RelativeEarlyStopping`.
"""

import math

from skorch.callbacks import Callback, EarlyStopping

__all__ = ["DivergenceCheck", "DivergenceError", "RelativeEarlyStopping"]


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


class DivergenceCheck(Callback):
    """Stop training with :class:`DivergenceError` when the loss is not finite or explodes.

    Checked once per epoch from the per-batch losses skorch records, so that
    the training loop carries no per-batch callback; the error names the
    first bad batch. A finite loss *explodes* when even the lowest batch loss
    of an epoch (the call's very first batch left out) exceeds the first
    batch's loss of the same training call (``fit``, a ``partial_fit`` pass, a
    phase of a stack) by more than ``factor`` times ``max(|first|, 1)``. An
    Adam step far too large sends every later batch's loss up by orders of
    magnitude at once; the lowest batch, not the mean, keeps a few batches of
    gross outliers in heavy-tailed data from looking like divergence. A new
    ``partial_fit`` chunk from another distribution starts its own reference.

    Parameters
    ----------
    factor : float, default=1e3
        How many times ``max(|first|, 1)`` the lowest batch loss may rise above the first.
    """

    #: The class default, which instances pickled before ``factor`` existed read.
    factor = 1e3

    def __init__(self, factor=1e3):
        self.factor = factor

    def on_train_begin(self, net, **kwargs):
        self.start_ = None

    def on_epoch_end(self, net, **kwargs):
        epoch = net.history[-1]
        for phase, key in (("training", "train_loss"), ("validation", "valid_loss")):
            for index, batch in enumerate(epoch["batches"]):
                loss = batch.get(key)
                if loss is not None and not math.isfinite(loss):
                    raise DivergenceError(
                        f"Training diverged: the {phase} loss became {loss} at epoch "
                        f"{len(net.history)} (batch {index + 1}) with lr={net.lr}. Lower the "
                        f"learning rate or rescale the input (e.g. with StandardScaler or "
                        f"MinMaxScaler)."
                    )
        losses = [b["train_loss"] for b in epoch["batches"] if "train_loss" in b]
        if getattr(self, "start_", None) is None and losses:
            self.start_, losses = losses[0], losses[1:]
        start = getattr(self, "start_", None)
        if start is not None and losses and min(losses) - start > self.factor * max(abs(start), 1.0):
            raise DivergenceError(
                f"Training diverged: every batch loss of epoch {len(net.history)} lies above {min(losses):.4g}, "
                f"more than {self.factor:g} times the first batch's {start:.4g}, with lr={net.lr}. Lower the "
                f"learning rate or rescale the input (e.g. with StandardScaler)."
            )


class RelativeEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` with a relative threshold that holds for negative scores.

    skorch's ``threshold_mode="rel"`` moves the bar by ``threshold * score``:
    for a negative loss (a Gaussian VAE's negative ELBO) that bar lies *above*
    the best score, so a slightly worse epoch counts as an improvement and
    ``load_best`` may restore it. Here an epoch improves only if it beats the
    best by ``tol * |best|``.

    Parameters
    ----------
    tol : float
        Relative improvement that counts.
    **kwargs
        Passed to ``EarlyStopping`` (``monitor``, ``patience``, ``load_best``, ...).
    """

    def __init__(self, tol=1e-4, **kwargs):
        super().__init__(threshold=0.0, threshold_mode="abs", **kwargs)
        self.tol = tol

    def on_epoch_end(self, net, **kwargs):
        # the absolute margin skorch subtracts from an improving score: tol * |score|
        self.threshold = self.tol * abs(net.history[-1, self.monitor])
        super().on_epoch_end(net, **kwargs)


class ConvergenceStopping(RelativeEarlyStopping):
    """Stop a fit without a validation split once it has converged, and say why it stopped.

    ``MLPClassifier``'s rule: a fit stops when the watched loss has not improved
    by ``tol`` (relative) for ``patience`` epochs. What is watched:

    - for noisy training, ``fixed_noise_loss`` (the net records it: the objective
      on fixed rows under a fixed noise draw, so the corruption's randomness is
      out of it), averaged over the last ``2 * patience`` epochs. The average
      takes out the jitter that stochastic gradient steps leave in the weights,
      so that a stall shorter than the window (a DAE on two moons stalls for
      about 20 epochs before it learns the moons' ends) does not end the fit;
    - otherwise ``train_loss``, as it is.

    :meth:`reason` says why a fit ended: converged, or ``max_iter`` reached
    while the watched loss was still improving.

    Parameters
    ----------
    tol : float
        Relative improvement that counts.
    patience : int
        Epochs without improvement before stopping.
    """

    def __init__(self, tol=1e-4, patience=10, **kwargs):
        super().__init__(tol=tol, monitor="train_loss", patience=patience, load_best=False, **kwargs)

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.converged_ = False
        self.window_ = []

    def on_epoch_end(self, net, **kwargs):
        noisy = "fixed_noise_loss" in net.history[-1]
        self.monitor = "smoothed_fixed_noise_loss" if noisy else "train_loss"
        if noisy:
            self.window_ = [*self.window_, net.history[-1, "fixed_noise_loss"]][-2 * self.patience:]
            net.history.record(self.monitor, math.fsum(self.window_) / len(self.window_))
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            self.converged_ = True
            raise

    def reason(self, net):
        """Why the last training call ended, in one sentence."""
        if self.converged_:
            return (f"converged: {self.monitor} did not improve by tol={self.tol:g} (relative) for "
                    f"{self.patience} epochs")
        return (f"max_iter={net.max_epochs} reached with {self.monitor} still improving by more than "
                f"tol={self.tol:g} (relative) within the last {self.patience} epochs")


def stop_reason(net):
    """Why ``net``'s last training call ended, in a few words (for ``verbose``)."""
    callbacks = dict(net.callbacks_)
    stopping = callbacks.get("convergence") or callbacks.get("early_stopping")
    if isinstance(stopping, ConvergenceStopping):
        return stopping.reason(net)
    if stopping is not None and stopping.misses_ >= stopping.patience:
        return f"early stopping: valid_loss did not improve for {stopping.patience} epochs"
    return f"max_iter={net.max_epochs} reached"
