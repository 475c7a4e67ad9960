"""One rank of a data-parallel skae fit (launched by tests/test_distributed.py).

Under torchrun (rank and world from the environment):
    torchrun --nproc_per_node=2 distributed_worker.py OUT_PREFIX
Or by hand:
    python distributed_worker.py OUT_PREFIX RANK WORLD_SIZE PORT [die_after_steps]
Each rank writes its codes to OUT_PREFIX{rank}.npy. With SKAE_WORKER_ROWS=n set, each rank
instead fits n rows (e.g. 65 with batch 64: rank 1's shard of the last batch is empty) with a
stopping rule that fires, and writes its codes and loss curve to OUT_PREFIX{rank}.npz.
"""

import datetime
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

import skae
from skae.engine.net import SkaeNet


def odd_batch_settings():
    """Batch 64 and a stopping rule that fires within max_iter (tol 5%, patience 1)."""
    return dict(n_components=8, corruption=skae.MaskingNoise(0.3), max_iter=30, batch_size=64, tol=0.05,
                n_iter_no_change=1, random_state=0)


def main():
    out = sys.argv[1]
    timeout = datetime.timedelta(seconds=30)
    die_after = 0
    if "RANK" in os.environ:  # torchrun
        dist.init_process_group("gloo", timeout=timeout)
    else:
        rank, world, port = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        die_after = int(sys.argv[5]) if len(sys.argv) > 5 else 0
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=world, timeout=timeout)
    torch.set_num_threads(1)
    if die_after and dist.get_rank() == 1:
        calls = {"n": 0}
        original = SkaeNet.train_step

        def dying(self, batch, **kw):
            calls["n"] += 1
            if calls["n"] > die_after:
                os._exit(3)  # the process vanishes mid-training
            return original(self, batch, **kw)

        SkaeNet.train_step = dying
    if os.environ.get("SKAE_WORKER_ROWS"):
        X = np.random.RandomState(0).uniform(size=(int(os.environ["SKAE_WORKER_ROWS"]), 20))
        est = skae.DenoisingAutoencoder(**odd_batch_settings())
        with skae.data_parallel():
            est.fit(X)
        np.savez(f"{out}{dist.get_rank()}.npz", codes=est.transform(X), loss_curve=est.loss_curve_)
        dist.barrier()  # no rank closes its connections while another still uses them
        dist.destroy_process_group()
        return
    X = np.random.RandomState(0).uniform(size=(512, 20))
    est = skae.DenoisingAutoencoder(8, corruption=skae.MaskingNoise(0.3), max_iter=5, batch_size=64,
                                    random_state=0)
    with skae.data_parallel():
        est.fit(X)
    assert est.net_.ddp_forward_ is None  # the DDP wrapper lives only while training
    np.save(f"{out}{dist.get_rank()}.npy", est.transform(X))
    # a Gaussian VAE: sampling inside forward (the net's generator through DDP), the decoder's
    # log-variance a parameter used only through forward's output
    vae = skae.VAE(2, hidden_layer_sizes=(8,), max_iter=2, batch_size=64, random_state=0)
    with skae.data_parallel():
        vae.fit(X * 4 - 2)
    np.save(f"{out}vae{dist.get_rank()}.npy", vae.transform(X * 4 - 2))
    dist.barrier()  # no rank closes its connections while another still uses them
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
