"""Scaling out on this machine: 1 vs 2 data-parallel processes, and a Dask-backed search.

1. Data-parallel training (skae.data_parallel: DistributedDataParallel over
   gloo on loopback, the 2 processes launched by torchrun): a
   DenoisingAutoencoder 784-256 on 20,000 x 784, batch 256, 2 epochs. One
   process with 2 torch threads, one with 1 thread, and 2 processes with 1
   thread each; samples/s of the fit, median of rounds.
2. GridSearchCV over the noise level (digits, 4 settings x 3 folds): n_jobs=1
   vs. n_jobs=-1 under joblib's dask backend on a LocalCluster of 2 worker
   processes (loopback).

This machine has 2 cores, so 2 processes can at best double a 1-thread
process, and compete with a 2-thread one for the same cores.

Usage:  python benchmarks/bench_scale.py [--rounds 3] [--quick]
Writes benchmarks/results/bench_scale.json.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time

import numpy as np


def worker(n, epochs, threads, out):
    import datetime

    import torch
    import torch.distributed as dist

    import skae

    torch.set_num_threads(threads)
    X = np.random.RandomState(0).uniform(size=(n, 784)).astype(np.float32)
    est = skae.DenoisingAutoencoder(256, corruption=None, loss="cross_entropy", max_iter=epochs,
                                    batch_size=256, random_state=0, device="cpu")
    rank = int(os.environ.get("RANK", 0))
    if "RANK" in os.environ:  # launched by torchrun
        dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
        dist.barrier()
        start = time.perf_counter()
        with skae.data_parallel():
            est.fit(X)
        dist.barrier()
        seconds = time.perf_counter() - start
        dist.destroy_process_group()
    else:
        start = time.perf_counter()
        est.fit(X)
        seconds = time.perf_counter() - start
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"seconds": seconds}, f)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_training(world, threads, n, epochs, out):
    command = [sys.executable, __file__, "--worker", str(n), str(epochs), str(threads), out]
    if world > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={world}",
                   "--master_addr=127.0.0.1", f"--master_port={_free_port()}", *command[1:]]
    code = subprocess.run(command, timeout=600, env={**os.environ, "OMP_NUM_THREADS": str(threads)}).returncode
    if code != 0:
        raise RuntimeError(f"worker failed with code {code}")
    with open(out) as f:
        return json.load(f)["seconds"]


def dask_search(quick):
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV

    from skae import DenoisingAutoencoder
    from skae.datasets import load_digits_unit

    X, _ = load_digits_unit()
    grid = {"corruption__rate": [0.0, 0.1, 0.25, 0.5]}
    est = DenoisingAutoencoder(64, max_iter=5 if quick else 30, random_state=0)
    start = time.perf_counter()
    one = GridSearchCV(est, grid, cv=3, n_jobs=1).fit(X)
    t_one = time.perf_counter() - start
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        start = time.perf_counter()
        with joblib.parallel_backend("dask"):
            two = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X)
        t_dask = time.perf_counter() - start
    same = bool(np.array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]))
    return {"n_jobs_1_s": t_one, "dask_2_workers_s": t_dask, "speedup": t_one / t_dask, "identical_scores": same}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        n, epochs, threads = map(int, sys.argv[2:5])
        return worker(n, epochs, threads, sys.argv[5])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      "bench_scale.json"))
    args = parser.parse_args()
    n, epochs, rounds = (2000, 1, 1) if args.quick else (20_000, 2, args.rounds)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".worker.json"
    configs = [("1 process, 2 threads", 1, 2), ("1 process, 1 thread", 1, 1), ("2 processes x 1 thread (torchrun, gloo)", 2, 1)]
    times = {name: [] for name, _, _ in configs}
    for r in range(rounds):
        for name, world, threads in (configs if r % 2 == 0 else configs[::-1]):
            times[name].append(run_training(world, threads, n, epochs, tmp))
    os.remove(tmp)
    base = statistics.median(times["1 process, 2 threads"])
    print(f"\n### Data-parallel training: DenoisingAutoencoder 784-256, {n:,} x 784, batch 256, {epochs} epochs\n")
    print("| configuration | median s | samples/s | × 1 process, 2 threads |")
    print("|---|---|---|---|")
    rows = []
    for name, _, _ in configs:
        med = statistics.median(times[name])
        rows.append({"configuration": name, "median_s": med, "samples_per_s": n * epochs / med,
                     "ratio": med / base, "times_s": times[name]})
        print(f"| {name} | {med:.2f} | {n * epochs / med:,.0f} | {med / base:.2f} |")
    search = dask_search(args.quick)
    print("\n### GridSearchCV, 4 noise levels x 3 folds on digits\n")
    print("| n_jobs=1 s | Dask, 2 worker processes s | speed-up | identical scores |")
    print("|---|---|---|---|")
    print(f"| {search['n_jobs_1_s']:.1f} | {search['dask_2_workers_s']:.1f} | {search['speedup']:.2f} | "
          f"{search['identical_scores']} |")
    import torch

    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "torch": torch.__version__, "rounds": rounds, "quick": args.quick,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "training": rows, "search": search}, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
