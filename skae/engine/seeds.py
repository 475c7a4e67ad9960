"""Seeds drawn from ``random_state``, never from numpy's or torch's global random state."""

import zlib

import numpy as np

__all__ = ["draw_seeds", "purpose_seed"]


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


def purpose_seed(random_state, purpose):
    """One 32-bit seed for ``purpose`` (a name such as ``"vae-score-noise"``), drawn from ``random_state``.

    Each purpose has its own stream (a ``SeedSequence`` spawn key from the
    name), independent of :func:`draw_seeds`' stream, which the training
    phases consume, and of every other purpose: adding a phase or a purpose
    never changes another's seed. ``None`` uses fresh OS entropy.
    """
    key = zlib.crc32(purpose.encode("utf-8"))
    if random_state is None:
        entropy = None
    elif isinstance(random_state, np.random.RandomState):
        entropy = int(random_state.randint(0, 2**31 - 1))
    else:
        entropy = int(random_state)
    return int(np.random.SeedSequence(entropy, spawn_key=(key,)).generate_state(1)[0])
