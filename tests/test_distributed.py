"""Data-parallel training over torch.distributed: 2 CPU processes, gloo, loopback."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import skae

WORKER = Path(__file__).with_name("distributed_worker.py")
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="no torch.distributed")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(tmp_path, world=2, die_after=0):
    port = _free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(tmp_path / "Z"), str(rank), str(world), str(port), str(die_after)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for rank in range(world)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, err))
    return results


@pytest.mark.slow
def test_two_processes_match_single_process_training_with_the_same_global_batch(tmp_path):
    """Launched with torchrun: DistributedDataParallel over gloo, 2 CPU processes."""
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
         "--master_addr=127.0.0.1", f"--master_port={_free_port()}", str(WORKER), str(tmp_path / "Z")],
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    Z0, Z1 = np.load(tmp_path / "Z0.npy"), np.load(tmp_path / "Z1.npy")
    np.testing.assert_array_equal(Z0, Z1)  # every rank holds the same model
    np.testing.assert_array_equal(np.load(tmp_path / "Zvae0.npy"), np.load(tmp_path / "Zvae1.npy"))
    X = np.random.RandomState(0).uniform(size=(512, 20))
    single = skae.DenoisingAutoencoder(8, corruption=skae.MaskingNoise(0.3), max_iter=5, batch_size=64,
                                       random_state=0).fit(X)
    # same global batches, noise and updates; only the all-reduce's summation order differs
    np.testing.assert_allclose(Z0, single.transform(X), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("rows", [65, 129, 3])
def test_a_last_batch_smaller_than_the_world_trains_as_one_process(tmp_path, rows):
    """Bug: 65 rows, batch 64, 2 ranks: rank 1's shard of the last batch was empty, its mean
    loss 0/0 = NaN raised DivergenceError there and rank 0 died on the closed connection."""
    import os

    sys.path.insert(0, str(WORKER.parent))
    from distributed_worker import odd_batch_settings

    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
         "--master_addr=127.0.0.1", f"--master_port={_free_port()}", str(WORKER), str(tmp_path / "Z")],
        capture_output=True, text=True, timeout=180, env={**os.environ, "SKAE_WORKER_ROWS": str(rows)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rank0, rank1 = np.load(tmp_path / "Z0.npz"), np.load(tmp_path / "Z1.npz")
    np.testing.assert_array_equal(rank0["codes"], rank1["codes"])
    # the history records the global batch's loss: the same on both ranks, so both stop together
    np.testing.assert_array_equal(rank0["loss_curve"], rank1["loss_curve"])
    X = np.random.RandomState(0).uniform(size=(rows, 20))
    single = skae.DenoisingAutoencoder(**odd_batch_settings()).fit(X)
    assert len(single.loss_curve_) < odd_batch_settings()["max_iter"]  # the stopping rule fired
    np.testing.assert_allclose(rank0["loss_curve"], single.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(rank0["codes"], single.transform(X), atol=1e-5)


@pytest.mark.slow
def test_a_rank_that_dies_makes_the_others_fail_fast_with_a_clear_error(tmp_path):
    start = time.perf_counter()
    results = _launch(tmp_path, die_after=7)
    elapsed = time.perf_counter() - start
    (code0, err0), (code1, _) = results
    assert code1 == 3  # the rank that died
    assert code0 != 0
    assert "Data-parallel training failed on rank 0 of 2" in err0
    assert elapsed < 60  # no hang: far below the 30-minute default of a process group


def test_data_parallel_needs_a_process_group():
    with pytest.raises(RuntimeError, match="needs an initialised torch.distributed process group"):
        with skae.data_parallel():
            skae.DenoisingAutoencoder(2, max_iter=1).fit(np.random.rand(10, 3))
