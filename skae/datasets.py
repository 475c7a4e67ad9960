"""Data loaders for examples and benchmarks; nothing is downloaded.

- :func:`load_digits_unit`: scikit-learn's bundled 8×8 digits, scaled to [0, 1].
- :func:`make_mnist1d`: MNIST-1D from the ``mnist1d`` package's procedural
  generator (4,000 train / 1,000 test), never its download path.
- :func:`load_mnist`: MNIST from IDX files the user already has on disk.
- :func:`make_rectangles`, :func:`make_convex`: Larochelle et al. (2007)'s
  procedural tasks, 28×28 binary images, as many as asked for.
"""

import gzip
import os
import struct

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

from ._mixtures import gaussian_mixture_score, make_gaussian_mixture

__all__ = [
    "load_digits_unit", "make_mnist1d", "load_mnist", "make_rectangles", "make_convex",
    "make_gaussian_mixture", "gaussian_mixture_score",
]


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


# ------------------------------------------------ Larochelle et al. (2007)
def make_rectangles(n_samples=1000, *, image_size=28, random_state=None):
    """Tall or wide rectangle outlines: Larochelle et al. (2007)'s *rectangles* task.

    Each image is the white one-pixel outline of a rectangle on black. Its
    height and width are drawn uniformly (at least 2 pixels), pairs whose
    difference is under 3 pixels are rejected, and the top-left corner is
    uniform among the positions where the rectangle fits. The label says
    whether it is taller than wide. Classes are drawn with equal probability.
    The paper used 1,000 training, 200 validation and 50,000 test images.

    Parameters
    ----------
    n_samples : int, default=1000
    image_size : int, default=28
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, image_size**2), float64 in {0, 1}
    y : ndarray of shape (n_samples,), int: 1 tall, 0 wide

    References
    ----------
    .. [1] H. Larochelle, D. Erhan, A. Courville, J. Bergstra and Y. Bengio, "An
       empirical evaluation of deep architectures on problems with many factors
       of variation", ICML 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.datasets import make_rectangles
    >>> X, y = make_rectangles(200, random_state=0)
    >>> X.shape, np.unique(X).tolist(), np.bincount(y).tolist()
    ((200, 784), [0.0, 1.0], [99, 101])
    """
    rng = check_random_state(random_state)
    images = np.zeros((n_samples, image_size, image_size))
    y = np.empty(n_samples, dtype=int)
    for i in range(n_samples):
        while True:
            height, width = rng.randint(2, image_size + 1, size=2)
            if abs(height - width) >= 3:
                break
        if (height > width) != bool(rng.rand() < 0.5):
            height, width = width, height  # the class is drawn first, with probability 1/2
        top, left = rng.randint(0, image_size - height + 1), rng.randint(0, image_size - width + 1)
        image = images[i]
        image[top, left : left + width] = image[top + height - 1, left : left + width] = 1
        image[top : top + height, left] = image[top : top + height, left + width - 1] = 1
        y[i] = int(height > width)
    return images.reshape(n_samples, -1), y


def _convex_region(rng, size, p_planes, min_pixels, centres):
    """A random intersection of half-planes (a geometric number of them) covering >= min_pixels pixels."""
    while True:
        inside = np.ones(len(centres), dtype=bool)
        for _ in range(rng.geometric(p_planes)):
            point = rng.uniform(0, size, size=2)
            angle = rng.uniform(0, 2 * np.pi)
            inside &= (centres - point) @ np.array([np.cos(angle), np.sin(angle)]) >= 0
        if inside.sum() >= min_pixels:
            return inside


def _is_convex(inside, centres):
    """Digital convexity: every pixel in the convex hull of the set's pixels is in the set."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(centres[inside])
    except QhullError:  # collinear pixels: a segment is convex
        return True
    in_hull = (centres @ hull.equations[:, :2].T + hull.equations[:, 2] <= 1e-9).all(axis=1)
    return not (in_hull & ~inside).any()


def make_convex(n_samples=1000, *, image_size=28, random_state=None):
    """Convex or non-convex white regions: Larochelle et al. (2007)'s *convex* task.

    A convex image is the intersection of a geometric number (parameter
    0.195) of half-planes at uniformly random positions and orientations,
    kept if it covers at least 19 pixels. A non-convex image is the union of
    2 to 4 such regions (geometric parameter 0.07, at least 10 pixels each),
    kept only if it fails the convexity test (some pixel of its convex hull
    lies outside it), as in the paper. Classes are drawn with equal
    probability. The paper used 6,000 training, 2,000 validation and 50,000
    test images.

    Parameters
    ----------
    n_samples : int, default=1000
    image_size : int, default=28
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, image_size**2), float64 in {0, 1}
    y : ndarray of shape (n_samples,), int: 1 convex, 0 non-convex

    References
    ----------
    .. [1] H. Larochelle, D. Erhan, A. Courville, J. Bergstra and Y. Bengio, "An
       empirical evaluation of deep architectures on problems with many factors
       of variation", ICML 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.datasets import make_convex
    >>> X, y = make_convex(50, random_state=0)
    >>> X.shape, np.unique(y).tolist()
    ((50, 784), [0, 1])
    """
    rng = check_random_state(random_state)
    rows, cols = np.mgrid[0:image_size, 0:image_size]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    X = np.zeros((n_samples, image_size * image_size))
    y = (rng.rand(n_samples) < 0.5).astype(int)
    for i in range(n_samples):
        if y[i]:
            X[i] = _convex_region(rng, image_size, 0.195, 19, centres)
            continue
        while True:
            union = np.zeros(len(centres), dtype=bool)
            for _ in range(rng.randint(2, 5)):
                union |= _convex_region(rng, image_size, 0.07, 10, centres)
            if not _is_convex(union, centres):
                X[i] = union
                break
    return X, y
