"""Synchronous data-parallel training over ``torch.distributed`` (torchrun, gloo/NCCL).

Inside ``with skae.data_parallel():`` a ``fit`` or ``partial_fit`` run by every
rank of an initialised process group trains one model together. Every rank
draws the same global batch (the same seeded permutation) and the same
corruption noise. Each rank then takes its shard of the batch (rows
``rank::world_size``), backpropagates its shard's mean loss, and the
gradients are all-reduced and averaged before the optimiser step. This is the
update of ``DistributedDataParallel`` done in the net's training-step hooks,
which keeps ``module_.encoder`` and ``module_.decoder`` directly usable by the
penalties and bounds. With shards of equal size it is the single-process
update with the same global batch. All ranks end with the same fitted
estimator.

A peer that dies makes the collective fail. The error is re-raised as a
``RuntimeError`` naming this rank, instead of hanging, within the process
group's timeout; gloo notices a closed connection at once.
"""

import contextlib
import threading

import torch

__all__ = ["data_parallel", "data_parallel_context"]

_state = threading.local()


@contextlib.contextmanager
def data_parallel():
    """Train every skae fit in this block data-parallel over the default process group.

    Every rank of an initialised ``torch.distributed`` process group must run
    the same fit on the same data, with an int ``random_state``.

    Examples
    --------
    Under ``torchrun --nproc_per_node=2 train.py``, in ``train.py``::

        import torch.distributed as dist
        import skae
        dist.init_process_group("gloo")   # "nccl" on GPUs
        est = skae.DenoisingAutoencoder(random_state=0)
        with skae.data_parallel():
            est.fit(X)                     # every rank holds the same fitted model
        dist.destroy_process_group()

    Outside a process group it is an error:

    >>> import skae, numpy as np
    >>> with skae.data_parallel():
    ...     skae.DenoisingAutoencoder(2, max_iter=1).fit(np.random.rand(10, 3))
    Traceback (most recent call last):
    ...
    RuntimeError: skae.data_parallel() needs an initialised torch.distributed process group ...
    """
    previous = getattr(_state, "active", False)
    _state.active = True
    try:
        yield
    finally:
        _state.active = previous


def data_parallel_context():
    """``(rank, world_size)`` inside :func:`data_parallel`, else ``None``."""
    if not getattr(_state, "active", False):
        return None
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError(
            "skae.data_parallel() needs an initialised torch.distributed process group "
            "(e.g. run under torchrun and call torch.distributed.init_process_group('gloo'))."
        )
    return dist.get_rank(), dist.get_world_size()


def allreduce_gradients(parameters, rank, world_size):
    """Average the gradients of ``parameters`` over the ranks (in place)."""
    import torch.distributed as dist

    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    try:
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    except Exception as exc:  # gloo/NCCL raise RuntimeError or DistBackendError
        raise RuntimeError(
            f"Data-parallel training failed on rank {rank} of {world_size}: a peer process "
            f"stopped or the collective timed out ({type(exc).__name__}: {exc})."
        ) from exc
    flat /= world_size
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset : offset + n].view_as(g))
        offset += n
