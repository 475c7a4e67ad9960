"""One rank of a data-parallel skae fit (launched by tests/test_distributed.py).

Usage: python distributed_worker.py RANK WORLD_SIZE PORT OUT.npy [die_after_steps]
"""

import datetime
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

import skae
from skae._net import AutoencoderNet


def main():
    rank, world, port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    die_after = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
        timeout=datetime.timedelta(seconds=30),
    )
    if die_after and rank == 1:
        calls = {"n": 0}
        original = AutoencoderNet.train_step

        def dying(self, batch, **kw):
            calls["n"] += 1
            if calls["n"] > die_after:
                os._exit(3)  # the process vanishes mid-training
            return original(self, batch, **kw)

        AutoencoderNet.train_step = dying
    X = np.random.RandomState(0).uniform(size=(512, 20))
    est = skae.DenoisingAutoencoder(8, corruption=skae.MaskingNoise(0.3), max_iter=5, batch_size=64,
                                    random_state=0)
    with skae.data_parallel():
        est.fit(X)
    np.save(out, est.transform(X))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
