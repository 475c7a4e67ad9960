"""What a fit shows while it runs: a progress bar over epochs (``verbose=1``).

``verbose=2`` adds skorch's per-epoch table (its ``PrintLog``), see
:meth:`skae.engine.net.SkaeNet.get_default_callbacks`.
"""

from skorch.callbacks import Callback

__all__ = ["EpochProgressBar"]


class EpochProgressBar(Callback):
    """A tqdm bar over a training run's epochs, showing the last losses.

    ``tqdm.auto`` draws it as a widget in a Jupyter notebook and as a text
    bar on a terminal (on standard error). skorch's own ``ProgressBar``
    counts batches within each epoch; a user waiting for a 100-epoch fit
    wants the epochs.

    Parameters
    ----------
    desc : str or None, default=None
        Label of the bar (the estimator, and the phase of a stack).
    total : int or None, default=None
        Epochs in the run; ``None`` takes the net's ``max_epochs``. Set it
        before a run of another length (``partial_fit``).
    """

    def __init__(self, desc=None, total=None):
        self.desc = desc
        self.total = total

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.on_train_end(net)  # a run that raised left its bar open
        total = net.max_epochs if self.total is None else self.total
        self.bar_ = tqdm(total=total, desc=self.desc, unit="epoch", leave=True, dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        losses = {k: f"{row[k]:.4g}" for k in ("train_loss", "valid_loss") if k in row}
        self.bar_.set_postfix(losses, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.close()
            del self.bar_
