"""Synchronous data-parallel training: ``DistributedDataParallel`` under torchrun (gloo/NCCL).

Inside ``with skae.data_parallel():``, a ``fit`` or ``partial_fit`` run by
every rank of an initialised ``torch.distributed`` process group trains one
model together. The estimator reads the switch once, when it builds or
updates its net; the net then wraps its module in
``torch.nn.parallel.DistributedDataParallel`` for the training steps. Every
rank draws the same global batch (the same seeded permutation) and the same
corruption noise, keeps its shard of the batch (rows ``rank::world_size``),
and backpropagates its shard's mean loss, scaled by its share of the batch,
through DDP, which averages the gradients over the ranks: the single-process
update with the same global batch, whatever the shard sizes (an empty shard
contributes an exact zero), and all ranks end with the same fitted estimator.
Every use of a parameter happens inside the module's ``forward``, as DDP
needs.

A peer that dies makes the collective fail. The error is re-raised as a
``RuntimeError`` naming this rank, instead of hanging, within the process
group's timeout; gloo notices a closed connection at once.
"""

import contextlib
import contextvars

__all__ = ["data_parallel", "data_parallel_active"]

_active = contextvars.ContextVar("skae_data_parallel", default=False)


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
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


def data_parallel_active():
    """Whether fits run data-parallel here (inside :func:`data_parallel`).

    Raises
    ------
    RuntimeError
        Inside :func:`data_parallel` without an initialised process group.
    """
    if not _active.get():
        return False
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError(
            "skae.data_parallel() needs an initialised torch.distributed process group "
            "(e.g. run under torchrun and call torch.distributed.init_process_group('gloo'))."
        )
    return True
