"""Data loaders for examples and benchmarks; nothing is downloaded.

- :func:`load_digits_unit`: scikit-learn's bundled 8×8 digits, scaled to [0, 1].
- :func:`make_mnist1d`: MNIST-1D from the ``mnist1d`` package's procedural
  generator (4,000 train / 1,000 test), never its download path.
- :func:`load_mnist`: MNIST from IDX files the user already has on disk.
"""

import gzip
import os
import struct

import numpy as np
from sklearn.datasets import load_digits

__all__ = ["load_digits_unit", "make_mnist1d", "load_mnist"]


def load_digits_unit():
    """scikit-learn's digits (1797 × 64), pixel values scaled from 0..16 to [0, 1].

    Returns
    -------
    X : ndarray of shape (1797, 64), float64 in [0, 1]
    y : ndarray of shape (1797,), int

    Examples
    --------
    >>> from skae.datasets import load_digits_unit
    >>> X, y = load_digits_unit()
    >>> X.shape, float(X.max())
    ((1797, 64), 1.0)
    """
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def make_mnist1d(seed=42, num_samples=5000):
    """Generate MNIST-1D with the ``mnist1d`` package's procedural generator.

    With the defaults this is the standard dataset: 4,000 training and 1,000
    test sequences of length 40, 10 classes. Requires ``pip install mnist1d``.

    Parameters
    ----------
    seed : int, default=42
        Seed of the generator (42 is the published dataset's).
    num_samples : int, default=5000
        Total number of sequences; 80% go to the training split.

    Returns
    -------
    X_train, X_test : ndarray of shape (n, 40), float64 (real-valued, not in [0, 1])
    y_train, y_test : ndarray of shape (n,), int

    Examples
    --------
    >>> from skae.datasets import make_mnist1d
    >>> X_train, X_test, y_train, y_test = make_mnist1d(num_samples=500)
    >>> X_train.shape, X_test.shape
    ((400, 40), (100, 40))
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("make_mnist1d needs the mnist1d package: pip install mnist1d") from exc
    args = get_dataset_args()
    args.seed = seed
    args.num_samples = num_samples
    data = make_dataset(args)
    return (
        np.asarray(data["x"], dtype=np.float64),
        np.asarray(data["x_test"], dtype=np.float64),
        np.asarray(data["y"]).astype(np.int64),
        np.asarray(data["y_test"]).astype(np.int64),
    )


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        header = f.read(4)
        if len(header) != 4 or header[:2] != b"\x00\x00" or header[2] not in _IDX_DTYPES:
            raise ValueError(f"{path} is not an IDX file (bad magic number {header!r}).")
        ndim = header[3]
        shape = struct.unpack(f">{ndim}I", f.read(4 * ndim))
        dtype = np.dtype(_IDX_DTYPES[header[2]])
        data = np.frombuffer(f.read(), dtype=dtype)
    expected = int(np.prod(shape))
    if data.size != expected:
        raise ValueError(f"{path}: header says {shape} ({expected} values), file holds {data.size}.")
    return data.reshape(shape)


def _find(directory, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"No {stem}[.gz] in {directory!r}.")


def load_mnist(directory, kind="train"):
    """Load MNIST (or Fashion-MNIST) from the IDX files in ``directory``.

    Looks for ``train-images-idx3-ubyte`` / ``train-labels-idx1-ubyte`` (or
    ``t10k-...`` for ``kind="test"``), optionally gzipped. Nothing is downloaded.

    Parameters
    ----------
    directory : str or path
    kind : {"train", "test"}, default="train"

    Returns
    -------
    X : ndarray of shape (n, 784), float32 in [0, 1]
    y : ndarray of shape (n,), int64

    Examples
    --------
    Two tiny IDX files stand in for the real ones here:

    >>> import os, struct, tempfile
    >>> import numpy as np
    >>> from skae.datasets import load_mnist
    >>> directory = tempfile.mkdtemp()
    >>> images = np.zeros((3, 28, 28), dtype=np.uint8)
    >>> with open(os.path.join(directory, "t10k-images-idx3-ubyte"), "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 3]) + struct.pack(">3I", 3, 28, 28) + images.tobytes())
    >>> with open(os.path.join(directory, "t10k-labels-idx1-ubyte"), "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([7, 2, 1]))
    >>> X, y = load_mnist(directory, kind="test")
    >>> X.shape, y.tolist()
    ((3, 784), [7, 2, 1])
    """
    prefix = {"train": "train", "test": "t10k"}.get(kind)
    if prefix is None:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}.")
    images = _read_idx(_find(directory, f"{prefix}-images-idx3-ubyte"))
    labels = _read_idx(_find(directory, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"Image shape {images.shape} and label shape {labels.shape} do not match.")
    X = images.reshape(len(images), -1).astype(np.float32) / 255.0
    return X, labels.astype(np.int64)
