import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

# Small models: one torch thread avoids two busy threads stalling on tiny matmuls
# on a shared 2-core machine.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits():
    """sklearn's digits scaled to [0, 1]: (X float64 (1797, 64), y)."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def small_digits(digits):
    """A 300-row stratified-enough subset of digits, for fast fits."""
    X, y = digits
    return X[:300], y[:300]


def masked(X, rate, seed=0):
    """X with a fraction `rate` of entries set to 0 (numpy, for test inputs)."""
    rng = np.random.RandomState(seed)
    return X * (rng.uniform(size=X.shape) >= rate)
