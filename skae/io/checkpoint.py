"""Checkpointed fits that a new process can resume, to the same result.

:func:`resumable_fit` fits an estimator exactly as ``fit`` does (the same
phases, seeds and nets) and writes a checkpoint after every epoch and at the
end of every phase: the final weights and history of each finished phase, and
for the phase in progress its module's weights, the optimiser state, the
shuffling and corruption generators' states and the epoch history
(``torch.save``, read back with ``weights_only=True``: no pickle), with a
fingerprint of the estimator class, its parameters (but ``verbose``) and the
training data's contents, kept inside ``checkpoint.pt`` itself
(``checkpoint.json`` repeats it with the progress, for people to read). Called
again with the same estimator settings and data, in this process or another,
it restores the finished phases, loads the phase in progress and runs only the
remaining epochs: the final model is bit-identical on CPU to an uninterrupted
``fit``, for the stacks too (an interruption in a layer's pretraining resumes
in that layer). A checkpoint of a different fit is refused, not silently
reused; an unreadable one is a ``ValueError`` naming the folder. Every file is
written under a temporary name of its own and renamed, so two processes never
share a temporary file.
"""

import hashlib
import json
import os

import numpy as np
import torch
from skorch.callbacks import Callback

from ..models.base import TorchEstimator
from ..models.validation import refuse_fit_params
from .encoding import encode as _encode
from .persistence import replace_atomically

__all__ = ["resumable_fit"]

_STATE, _META = "checkpoint.pt", "checkpoint.json"


#: Parameters that change what a fit shows, not what it computes: a resume may change them.
_NOT_FINGERPRINTED = ("verbose",)


def _data_hash(value):
    """SHA-256 of an array's contents: its bytes, or for an object array (a DataFrame with mixed,
    bool or nullable columns) each item's ``repr``, never the pointers an object array holds."""
    value = np.asarray(value)
    if value.dtype.hasobject:
        payload = "\x1f".join(f"{type(v).__name__}:{v!r}" for v in value.ravel()).encode("utf-8")
    else:
        payload = np.ascontiguousarray(value).tobytes()
    return hashlib.sha256(payload).hexdigest()


def _fingerprint(estimator, arrays):
    params = {k: _encode(v, k) for k, v in estimator.get_params(deep=False).items()
              if not isinstance(v, np.random.RandomState) and k not in _NOT_FINGERPRINTED}
    data = {}
    for name, value in arrays.items():
        if value is not None:
            array = np.asarray(value)
            data[name] = {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": _data_hash(value)}
    return {"class": type(estimator).__name__, "params": params, "data": data}


class _EpochCheckpoint(Callback):
    """Saves the checkpoint after every finished epoch."""

    def __init__(self, checkpoint, index):
        self.checkpoint = checkpoint
        self.index = index

    def on_epoch_end(self, net, **kwargs):
        state = net.get_training_state()
        self.checkpoint.save(current={**state, "phase": self.index,
                                      "history": json.dumps(state["history"], default=float)})


class _Checkpoint:
    """Restores a matching checkpoint's finished phases and epochs, and saves new ones.

    The estimator's phase runner calls :meth:`finished`, :meth:`restore` and
    :meth:`finish` with each phase's index and net.
    """

    def __init__(self, directory, fingerprint):
        self.directory = directory
        self.fingerprint = fingerprint
        self.done, self.current = [], None
        self.key = json.dumps(fingerprint, sort_keys=True)  # written into checkpoint.pt too
        state_path = os.path.join(directory, _STATE)
        if not os.path.exists(state_path):
            return
        try:
            state = torch.load(state_path, map_location="cpu", weights_only=True)
            saved_key, done, current = state.get("fingerprint"), state["done"], state["current"]
        except Exception as exc:  # a truncated or foreign file: torch and pickle raise many types
            first_line = (str(exc).splitlines() or [""])[0][:200]  # (torch's advice to unpickle is not ours)
            raise ValueError(
                f"{directory!r} holds an unreadable checkpoint ({_STATE}: {type(exc).__name__}: {first_line}); "
                f"delete the folder (or use another) to start this fit afresh."
            ) from exc
        if saved_key is None:
            raise ValueError(
                f"{directory!r} holds a checkpoint of an older format, without its fit's fingerprint; "
                f"delete the folder (or use another) to start this fit afresh."
            )
        if saved_key != self.key:  # checkpoint.pt carries its own fit's fingerprint: no stray file resumes
            raise ValueError(
                f"{directory!r} holds the checkpoint of a different fit (class, parameters or "
                f"data differ); use another directory or delete it."
            )
        self.done, self.current = done, current

    def finished(self, index):
        return index < len(self.done)

    def restore(self, index, net):
        """Load what the checkpoint holds of phase ``index`` into ``net``; the epochs it had done."""
        saved = self.done[index] if self.finished(index) else None
        if saved is None:
            net.callbacks_ = [*net.callbacks_, ("checkpoint", _EpochCheckpoint(self, index))]
            saved = self.current if self.current is not None and self.current["phase"] == index else None
            if saved is None:
                return 0
        state = {k: v for k, v in saved.items() if k != "phase"}
        net.set_training_state({**state, "history": json.loads(saved["history"])})
        return len(net.history)

    def finish(self, index, net, completed=True):
        """Record phase ``index``'s final weights (after early stopping restored the best) and history.

        An interrupted phase (``completed=False``) keeps its last epoch's checkpoint.
        """
        net.callbacks_ = [(n, cb) for n, cb in net.callbacks_ if n != "checkpoint"]
        if not completed:
            return
        self.done.append({
            "module": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
            "history": json.dumps(list(net.history), default=float),
        })
        self.current = None
        self.save(current=None)

    def save(self, current):
        replace_atomically(os.path.join(self.directory, _STATE),
                           lambda f: torch.save({"fingerprint": self.key, "done": self.done, "current": current}, f))
        epochs = sum(len(json.loads(d["history"])) for d in self.done)
        meta = {**self.fingerprint, "phases_done": len(self.done),
                "epochs_done": epochs + (0 if current is None else len(json.loads(current["history"])))}

        replace_atomically(os.path.join(self.directory, _META), lambda f: f.write(json.dumps(meta).encode("utf-8")))


def resumable_fit(estimator, X, checkpoint_dir, y=None, **fit_params):
    """Fit ``estimator`` on ``X`` with a checkpoint after every epoch, resuming if one exists.

    Parameters
    ----------
    estimator : skae estimator
        Any skae model, configured as for ``fit``; use an int ``random_state``
        so that a resumed fit equals an uninterrupted one.
    X : array-like of shape (n_samples, n_features)
        Training data (the same data when resuming).
    checkpoint_dir : str or path-like
        Directory for the checkpoint (created if needed).
    y : array-like of shape (n_samples,), default=None
        Labels, for :class:`~skae.StackedDAEClassifier`.
    **fit_params : dict
        Other arguments of the estimator's ``fit`` (e.g. ``X_unlabeled``).

    Returns
    -------
    estimator : object
        The fitted estimator; ``n_iter_`` counts every epoch, resumed ones included.

    Raises
    ------
    ValueError
        If the directory holds the checkpoint of another fit (different class,
        parameters or data).

    Notes
    -----
    The state of early stopping (its best score and patience) is not saved:
    with ``early_stopping=True`` a fit resumed in the middle of a phase can
    stop at another epoch than an uninterrupted one.

    Examples
    --------
    >>> import tempfile
    >>> from skae import DenoisingAutoencoder, resumable_fit
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> directory = tempfile.mkdtemp()
    >>> dae = resumable_fit(DenoisingAutoencoder(8, max_iter=3, random_state=0), X, directory)
    >>> again = resumable_fit(DenoisingAutoencoder(8, max_iter=3, random_state=0), X, directory)
    >>> bool((again.transform(X) == dae.transform(X)).all()), again.n_iter_
    (True, 3)
    """
    if not isinstance(estimator, TorchEstimator):
        raise ValueError(f"resumable_fit fits skae's estimators, not {type(estimator).__name__}.")
    directory = os.fspath(checkpoint_dir)
    os.makedirs(directory, exist_ok=True)
    estimator._validate_params()
    refuse_fit_params(estimator, {k: v for k, v in fit_params.items() if k == "sample_weight"})
    checkpoint = _Checkpoint(directory, _fingerprint(estimator, {"X": X, "y": y, **fit_params}))
    return estimator._fit(X, y, checkpoint=checkpoint, **fit_params)
