import gzip
import struct

import numpy as np
import pytest

from skae.datasets import load_digits_unit, load_mnist, make_mnist1d


def test_digits_unit():
    X, y = load_digits_unit()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1
    assert set(np.unique(y)) == set(range(10))


def test_mnist1d_generator_split_and_determinism():
    pytest.importorskip("mnist1d")
    X_train, X_test, y_train, y_test = make_mnist1d(num_samples=500)
    assert X_train.shape == (400, 40) and X_test.shape == (100, 40)
    assert y_train.shape == (400,) and set(np.unique(y_train)) <= set(range(10))
    again = make_mnist1d(num_samples=500)
    np.testing.assert_array_equal(X_train, again[0])
    other = make_mnist1d(num_samples=500, seed=0)
    assert not np.array_equal(X_train, other[0])


def _write_idx(path, array, gz):
    codes = {np.dtype(np.uint8): 0x08}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_small_idx_files(tmp_path, gz):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(7, 28, 28)).astype(np.uint8)
    labels = rng.randint(0, 10, size=7).astype(np.uint8)
    suffix = ".gz" if gz else ""
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, gz)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, gz)
    X, y = load_mnist(tmp_path, kind="test")
    assert X.shape == (7, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X[3], images[3].ravel() / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    with pytest.raises(FileNotFoundError, match="train-images"):
        load_mnist(tmp_path, kind="train")
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="valid")


def test_load_mnist_rejects_corrupt_files(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 5, 28, 28) + b"\x00" * 10)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="header says"):
        load_mnist(tmp_path)


def test_rectangles_are_outlines_labelled_by_their_shape():
    from skae.datasets import make_rectangles

    X, y = make_rectangles(300, random_state=0)
    assert X.shape == (300, 784) and set(np.unique(X)) == {0.0, 1.0}
    assert 0.4 < y.mean() < 0.6
    for image, label in zip(X.reshape(-1, 28, 28), y):
        rows, cols = np.nonzero(image)
        top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
        height, width = bottom - top + 1, right - left + 1
        outline = np.zeros((28, 28))
        outline[top, left : right + 1] = outline[bottom, left : right + 1] = 1
        outline[top : bottom + 1, left] = outline[top : bottom + 1, right] = 1
        np.testing.assert_array_equal(image, outline)  # exactly one rectangle's border
        assert abs(height - width) >= 3 and label == int(height > width)
    np.testing.assert_array_equal(make_rectangles(20, random_state=1)[0], make_rectangles(20, random_state=1)[0])


def test_convexity_check_on_hand_made_shapes():
    from skae.datasets import _is_convex

    rows, cols = np.mgrid[0:10, 0:10]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    square = ((rows >= 2) & (rows <= 6) & (cols >= 3) & (cols <= 7)).ravel()
    triangle = (rows >= cols).ravel()
    ell = (((rows >= 2) & (rows <= 7) & (cols == 2)) | ((rows == 7) & (cols >= 2) & (cols <= 7))).ravel()
    two_blobs = (((rows <= 1) & (cols <= 1)) | ((rows >= 8) & (cols >= 8))).ravel()
    assert _is_convex(square, centres) and _is_convex(triangle, centres)
    assert not _is_convex(ell, centres) and not _is_convex(two_blobs, centres)


def test_convex_task_labels_match_the_convexity_test():
    from skae.datasets import _is_convex, make_convex

    X, y = make_convex(120, random_state=0)
    assert X.shape == (120, 784) and 0.3 < y.mean() < 0.7
    rows, cols = np.mgrid[0:28, 0:28]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    for image, label in zip(X.astype(bool), y):
        assert _is_convex(image, centres) == bool(label)
        assert image.sum() >= (19 if label else 10)
