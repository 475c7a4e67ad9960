"""Checkpointed fits that a new process can resume, to the same result.

:func:`resumable_fit` fits an estimator exactly as ``fit`` does (same seeds,
same net) and, after every epoch, writes a checkpoint: the module's weights,
the optimiser state, the shuffling and corruption generators' states and the
epoch history (``torch.save``, read back with ``weights_only=True``: no
pickle), with a JSON fingerprint of the estimator class, its parameters and
the training data. Called again with the same estimator settings and data,
in this process or another, it loads the checkpoint and runs only the
remaining epochs: the final model is bit-identical on CPU to an uninterrupted
``fit``. A checkpoint of a different fit is refused, not silently reused.
"""

import hashlib
import json
import os

import numpy as np
import torch
from skorch.callbacks import Callback

from ._net import BatchHistory

__all__ = ["resumable_fit"]

_STATE, _META = "checkpoint.pt", "checkpoint.json"


def _fingerprint(estimator, X):
    from .persistence import _encode

    params = {k: _encode(v, k) for k, v in estimator.get_params(deep=False).items()
              if not isinstance(v, np.random.RandomState)}
    data = hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()
    return {"class": type(estimator).__name__, "params": params,
            "data": {"shape": list(X.shape), "dtype": str(X.dtype), "sha256": data}}


class _EpochCheckpoint(Callback):
    """Writes the training state after every finished epoch, atomically."""

    def __init__(self, directory, fingerprint):
        self.directory = directory
        self.fingerprint = fingerprint

    def on_epoch_end(self, net, **kwargs):
        state = {
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "shuffle_generator": net.shuffle_generator_.get_state(),
            "noise_generator": net.noise_generator_.get_state().cpu(),
            "history": json.dumps(list(net.history), default=float),
        }
        tmp = os.path.join(self.directory, _STATE + ".tmp")
        torch.save(state, tmp)
        os.replace(tmp, os.path.join(self.directory, _STATE))
        meta = {**self.fingerprint, "epochs_done": len(net.history)}
        tmp = os.path.join(self.directory, _META + ".tmp")
        with open(tmp, "w") as f:
            json.dump(meta, f)
        os.replace(tmp, os.path.join(self.directory, _META))


def resumable_fit(estimator, X, checkpoint_dir):
    """Fit ``estimator`` on ``X`` with a checkpoint after every epoch, resuming if one exists.

    Parameters
    ----------
    estimator : DenoisingAutoencoder, ContractiveAE, SparseAE, VAE or DVAE
        Configured as for ``fit``; use an int ``random_state`` so that a resumed
        fit equals an uninterrupted one.
    X : array-like of shape (n_samples, n_features)
        Training data (the same data when resuming).
    checkpoint_dir : str or path-like
        Directory for the checkpoint (created if needed).

    Returns
    -------
    estimator : object
        The fitted estimator; ``n_iter_`` counts every epoch, resumed ones included.

    Raises
    ------
    ValueError
        If the directory holds the checkpoint of another fit (different class,
        parameters or data), or the estimator trains in several phases
        (StackedDAE, StackedDAEClassifier).

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
    from ._base import BaseAutoencoder
    from .stacked import StackedDAE

    if not isinstance(estimator, BaseAutoencoder) or isinstance(estimator, StackedDAE):
        raise ValueError(
            f"resumable_fit supports single-phase models (DenoisingAutoencoder, ContractiveAE, "
            f"SparseAE, VAE, DVAE), not {type(estimator).__name__}."
        )
    directory = os.fspath(checkpoint_dir)
    os.makedirs(directory, exist_ok=True)

    def resume(net, X):
        """Load a matching checkpoint into the fresh net; add the per-epoch writer."""
        fingerprint = _fingerprint(estimator, X)
        done = 0
        meta_path = os.path.join(directory, _META)
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                meta = json.load(f)
            if {k: meta.get(k) for k in fingerprint} != json.loads(json.dumps(fingerprint)):
                raise ValueError(
                    f"{directory!r} holds the checkpoint of a different fit (class, parameters or "
                    f"data differ); use another directory or delete it."
                )
            state = torch.load(os.path.join(directory, _STATE), map_location="cpu", weights_only=True)
            net.module_.load_state_dict(state["module"])
            net.optimizer_.load_state_dict(state["optimizer"])
            net.shuffle_generator_.set_state(state["shuffle_generator"])
            if net.noise_generator_.device.type == "cpu":
                net.noise_generator_.set_state(state["noise_generator"])
            net.history = BatchHistory(json.loads(state["history"]))
            done = len(net.history)
        net.callbacks_ = [*net.callbacks_, ("checkpoint", _EpochCheckpoint(directory, fingerprint))]
        return done

    estimator._validate_params()
    with estimator._keep_state_on_error():
        estimator._fit_from_scratch(X, epochs=estimator.max_iter, resume=resume)
    net = estimator.net_
    net.callbacks_ = [(n, cb) for n, cb in net.callbacks_ if n != "checkpoint"]
    return estimator
