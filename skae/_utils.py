"""Small helpers shared by the estimators: devices, seeds and input checks."""

import numpy as np
import torch

__all__ = [
    "check_float32_range", "check_X_for_loss", "draw_seeds", "fused_optimizer_supported", "resolve_device",
]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def resolve_device(device):
    """Turn the ``device`` parameter into a ``torch.device``.

    ``"auto"`` gives CUDA when available, else the CPU. Any other value must
    name a torch device that exists on this machine.

    Raises
    ------
    ValueError
        For a string torch does not know, or a device that is not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'auto', 'cpu', "
            f"'cuda' or 'cuda:N'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                f"machine; use device='auto' or 'cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)."
            )
    elif dev.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"device={device!r} was requested but MPS is not available.")
    elif dev.type != "cpu":
        raise ValueError(f"device={device!r} is not supported; use 'auto', 'cpu' or 'cuda'.")
    return dev


def fused_optimizer_supported(device):
    """Fused Adam (one kernel for every parameter) where torch has it: CPU and CUDA."""
    return torch.device(device).type in ("cpu", "cuda")


def draw_seeds(random_state, n):
    """Draw ``n`` independent 32-bit seeds from ``random_state``.

    ``None`` uses fresh OS entropy and, unlike ``check_random_state(None)``,
    leaves numpy's global random state untouched.
    """
    if random_state is None:
        return [int(s) for s in np.random.SeedSequence().generate_state(n)]
    if isinstance(random_state, np.random.RandomState):
        return [int(s) for s in random_state.randint(0, 2**31 - 1, size=n)]
    return [int(s) for s in np.random.SeedSequence(int(random_state)).generate_state(n)]


def check_float32_range(X):
    """Raise ``ValueError`` if float64 ``X`` holds finite values float32 (training) cannot."""
    if X.dtype == np.float64 and X.size:
        largest = max(abs(X.min()), abs(X.max()))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"X holds finite values beyond float32's range (|x| up to {largest:.3g}); "
                f"training runs in float32. Rescale X first."
            )


def check_X_for_loss(X, loss):
    """Raise ``ValueError`` if ``X`` leaves [0, 1] under a cross-entropy (Bernoulli) loss."""
    if loss == "cross_entropy" and X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(
            "loss='cross_entropy' (a Bernoulli likelihood) needs X in [0, 1], but X spans "
            f"[{X.min():.4g}, {X.max():.4g}]. Scale X (e.g. MinMaxScaler) or use "
            "loss='squared_error'."
        )
