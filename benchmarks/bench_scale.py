"""Scaling out on this machine: 1 vs 2 data-parallel processes, and a Dask-backed search.

1. Data-parallel training (skae.data_parallel: DistributedDataParallel over
   gloo on loopback, the 2 processes launched by torchrun): a
   DenoisingAutoencoder 784-256 on 20,000 x 784, batch 256, 2 epochs. One
   process with 2 torch threads, one with 1 thread, and 2 processes with 1
   thread each, each a fresh process; samples/s of the fit, median of
   interleaved rounds.
2. GridSearchCV over the noise level (digits, 4 settings x 3 folds): n_jobs=1
   vs. n_jobs=-1 under joblib's dask backend on a fresh LocalCluster of 2 worker
   processes (loopback) in each round, the two in turns.

Comparisons are the mean of per-round time ratios with their 95% interval
(``_stats.paired_interval``): "faster" or "slower" only when it excludes 1.
``tables(result)`` renders the blocks ``training`` and ``search`` of
docs/scaling.md from the JSON for ``benchmarks/report.py``.

This machine has 2 cores, so 2 processes can at best double a 1-thread
process, and compete with a 2-thread one for the same cores.

Usage:  python benchmarks/bench_scale.py [--rounds 3] [--quick]
Writes benchmarks/results/bench_scale.json.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import numpy as np
from _report import machine, write_json
from bench_training import count, speed_cell

ONE, DASK = "n_jobs=1", "Dask, 2 worker processes"
SEARCH_EPOCHS = {False: 30, True: 5}  # max_iter of each fit in the search, full and --quick
BASE = "1 process, 2 threads"
CONFIGS = [(BASE, 1, 2), ("1 process, 1 thread", 1, 1), ("2 processes x 1 thread (torchrun, gloo)", 2, 1)]


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


def dask_search(quick, rounds):
    """GridSearchCV with n_jobs=1 and on a fresh 2-worker LocalCluster, in turns over ``rounds`` rounds."""
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV

    from skae import DenoisingAutoencoder
    from skae.datasets import load_digits_unit

    X, _ = load_digits_unit()
    grid = {"corruption__rate": [0.0, 0.1, 0.25, 0.5]}
    est = DenoisingAutoencoder(64, max_iter=SEARCH_EPOCHS[quick], random_state=0)

    def one_process():
        start = time.perf_counter()
        return GridSearchCV(est, grid, cv=3, n_jobs=1).fit(X), time.perf_counter() - start

    def on_dask():  # the cluster's start is not timed; shipping the tasks and the workers' first imports are
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster):
            start = time.perf_counter()
            with joblib.parallel_backend("dask"):
                search = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X)
            return search, time.perf_counter() - start

    times, scores, identical = {ONE: [], DASK: []}, {}, True
    for r in range(rounds):
        for name in ([ONE, DASK] if r % 2 == 0 else [DASK, ONE]):
            search, seconds = on_dask() if name == DASK else one_process()
            times[name].append(seconds)
            scores[name] = search.cv_results_["mean_test_score"]
        identical &= bool(np.array_equal(scores[ONE], scores[DASK]))
    t_one, t_dask = statistics.median(times[ONE]), statistics.median(times[DASK])
    return {"n_jobs_1_s": t_one, "dask_2_workers_s": t_dask, "speedup": t_one / t_dask, "identical_scores": identical,
            "max_iter": est.max_iter, "times_s": times}


def tables(result):
    """Blocks ``training`` and ``search`` for ``benchmarks/report.py`` (docs/scaling.md)."""
    meta, rows, search = result["meta"], result["training"], result["search"]
    times = {r["configuration"]: r["times_s"] for r in rows}
    training = [f"DenoisingAutoencoder 784-256, {meta['n_samples']:,} × 784, batch 256, "
                f"{count(meta['epochs'], 'epoch')}, no noise; 2 processes: `DistributedDataParallel` over gloo on "
                f"loopback, launched by torchrun; {meta['cpus']} CPUs, {count(meta['rounds'], 'round')} in turns, each "
                "configuration a fresh process.", "",
                f"| configuration | median s | min–max s | samples/s | × {BASE} (medians) "
                f"| ÷ {BASE}: per-round mean, 95% interval |", "|---|---|---|---|---|---|"]
    for r in rows:
        paired = "—" if r["configuration"] == BASE else speed_cell(r["times_s"], times[BASE])
        training.append(f"| {r['configuration']} | {r['median_s']:.2f} | {min(r['times_s']):.2f}–"
                        f"{max(r['times_s']):.2f} | {r['samples_per_s']:,.0f} | {r['ratio']:.2f} | {paired} |")
    st = search["times_s"]
    search_block = [f"GridSearchCV over 4 noise levels × 3 folds on digits (`max_iter={search['max_iter']}`), "
                    f"{count(len(st[ONE]), 'round')} in turns; each Dask round starts a fresh `LocalCluster` of "
                    "2 worker processes (loopback), whose start is not timed.", "",
                    f"| {ONE}, median s | {DASK}, median s | Dask ÷ {ONE}: per-round mean, 95% interval "
                    "| identical scores |", "|---|---|---|---|",
                    f"| {search['n_jobs_1_s']:.1f} | {search['dask_2_workers_s']:.1f} | "
                    f"{speed_cell(st[DASK], st[ONE])} | {'yes' if search['identical_scores'] else 'no'} |"]
    return {"training": "\n".join(training), "search": "\n".join(search_block)}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        n, epochs, threads = map(int, sys.argv[2:5])
        return worker(n, epochs, threads, sys.argv[5])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 rows, 1 epoch, 1 round, 5-epoch fits in the search: a smoke run")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      "bench_scale.json"))
    args = parser.parse_args()
    n, epochs, rounds = (2000, 1, 1) if args.quick else (20_000, 2, args.rounds)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".worker.json"
    times = {name: [] for name, _, _ in CONFIGS}
    for r in range(rounds):
        for name, world, threads in (CONFIGS if r % 2 == 0 else CONFIGS[::-1]):
            times[name].append(run_training(world, threads, n, epochs, tmp))
    os.remove(tmp)
    base = statistics.median(times[BASE])
    rows = [{"configuration": name, "median_s": statistics.median(times[name]),
             "samples_per_s": n * epochs / statistics.median(times[name]),
             "ratio": statistics.median(times[name]) / base, "times_s": times[name]} for name, _, _ in CONFIGS]
    result = {"meta": machine(rounds=rounds, quick=args.quick, n_samples=n, epochs=epochs), "training": rows,
              "search": dask_search(args.quick, rounds)}
    blocks = tables(result)
    print(f"\n### training\n\n{blocks['training']}\n\n### search\n\n{blocks['search']}")
    write_json(args.out, result)


if __name__ == "__main__":
    main()
