"""Training data as tensors, batched by slicing (torch only).

:class:`TensorData` holds the whole training set as a tensor on the training
device, and :class:`BatchIterator` yields slices of it (a random permutation
per epoch from a seeded generator), instead of skorch's default per-sample
``Dataset.__getitem__`` calls. :class:`TensorSplit` is the seeded validation
split.
"""

import math

import numpy as np
import torch

__all__ = ["TensorData", "BatchIterator", "TensorSplit", "training_tensor"]


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


def training_tensor(X, device):
    """``X`` as a float32 tensor on ``device`` (pinned on the host if it does not fit on the GPU)."""
    Xt = torch.from_numpy(np.require(X, dtype=np.float32, requirements=["C", "W"]))
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        if Xt.numel() * Xt.element_size() < free // 2:
            return Xt.to(device)
        return Xt.pin_memory()
    return Xt.to(device)
