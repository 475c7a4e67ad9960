"""Training throughput of skae's DenoisingAutoencoder against the practical limit.

Same model, optimiser and data for every contender, timed in interleaved
rounds (the machine is shared and noisy): medians and min-max, as ratios to
a hand-written PyTorch loop that slices pre-built tensors per batch.

Contenders:
  hand loop      torch only: pre-built tensors, a random permutation per epoch,
                 slices, Adam (the practical limit)
  skorch         NeuralNetRegressor(...).fit(X, X) with its default DataLoader
                 (per-sample Dataset calls), no validation split
  skae           DenoisingAutoencoder(corruption=None)
  skae + mask    DenoisingAutoencoder(corruption=MaskingNoise(0.25))

Usage:  python benchmarks/bench_training.py [--rounds 5] [--threads 1] [--quick]
Writes benchmarks/results/bench_training.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import sklearn
import skorch
import torch
from torch import nn

import skae
from skae import DenoisingAutoencoder, MaskingNoise
from skae.datasets import load_digits_unit


def hand_loop(X, hidden, epochs, batch_size, lr, seed=0):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    Xt = torch.from_numpy(X)
    model = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.Sigmoid(), nn.Linear(hidden, X.shape[1]))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=g)
        for start in range(0, len(Xt), batch_size):
            xb = Xt[order[start : start + batch_size]]
            opt.zero_grad()
            loss = loss_fn(model(xb), xb) / len(xb)
            loss.backward()
            opt.step()
    return model


def skorch_default(X, hidden, epochs, batch_size, lr, seed=0):
    from skorch import NeuralNetRegressor

    torch.manual_seed(seed)
    module = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.Sigmoid(), nn.Linear(hidden, X.shape[1]))
    net = NeuralNetRegressor(
        module, criterion=nn.BCEWithLogitsLoss, optimizer=torch.optim.Adam, lr=lr,
        max_epochs=epochs, batch_size=batch_size, train_split=None, verbose=0,
        iterator_train__shuffle=True,
    )
    return net.fit(X, X)


def skae_dae(X, hidden, epochs, batch_size, lr, seed=0, rate=0.0):
    corruption = MaskingNoise(rate) if rate else None
    return DenoisingAutoencoder(
        n_components=hidden, corruption=corruption, loss="cross_entropy", max_iter=epochs,
        batch_size=batch_size, lr=lr, random_state=seed, device="cpu",
    ).fit(X)


CONTENDERS = {
    "hand loop": hand_loop,
    "skorch NeuralNetRegressor": skorch_default,
    "skae DAE (no noise)": skae_dae,
    "skae DAE (25% masking)": lambda *a, **k: skae_dae(*a, rate=0.25, **k),
}


def run_case(name, X, hidden, epochs, batch_size, lr, rounds):
    times = {c: [] for c in CONTENDERS}
    for r in range(rounds):
        order = list(CONTENDERS) if r % 2 == 0 else list(reversed(CONTENDERS))
        for contender in order:
            start = time.perf_counter()
            CONTENDERS[contender](X, hidden, epochs, batch_size, lr, seed=r)
            times[contender].append(time.perf_counter() - start)
    steps = epochs * int(np.ceil(len(X) / batch_size))
    base = statistics.median(times["hand loop"])
    rows = []
    for contender, ts in times.items():
        med = statistics.median(ts)
        rows.append({
            "case": name, "contender": contender, "median_s": med, "min_s": min(ts), "max_s": max(ts),
            "us_per_step": 1e6 * med / steps, "samples_per_s": epochs * len(X) / med,
            "ratio_to_hand_loop": med / base, "times_s": ts,
        })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smaller data, 3 rounds")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_training.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rounds = 3 if args.quick else args.rounds

    X_digits = load_digits_unit()[0].astype(np.float32)
    rng = np.random.RandomState(0)
    n_wide = 4000 if args.quick else 20000
    X_wide = rng.uniform(size=(n_wide, 784)).astype(np.float32)
    cases = [
        ("digits 1797x64, 64-128-64, batch 32, 5 epochs", X_digits, 128, 5, 32, 1e-3),
        (f"uniform {n_wide}x784, 784-256-784, batch 128, 1 epoch", X_wide, 256, 1, 128, 1e-3),
    ]
    # warm-up (imports, allocator)
    for fn in CONTENDERS.values():
        fn(X_digits[:256], 16, 1, 32, 1e-3)

    rows = []
    for case in cases:
        rows += run_case(*case, rounds=rounds)

    print(f"torch {torch.__version__}, {args.threads} thread(s), {rounds} interleaved rounds; "
          "median [min-max]\n")
    print(f"| {'case':<52} | {'contender':<26} | {'median s':>8} | {'min-max s':>13} | {'us/step':>8} | {'x hand loop':>11} |")
    print(f"|{'-' * 54}|{'-' * 28}|{'-' * 10}|{'-' * 15}|{'-' * 10}|{'-' * 13}|")
    for r in rows:
        print(f"| {r['case']:<52} | {r['contender']:<26} | {r['median_s']:8.3f} | "
              f"{r['min_s']:5.3f}-{r['max_s']:<7.3f} | {r['us_per_step']:8.0f} | {r['ratio_to_hand_loop']:11.2f} |")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    meta = {
        "machine": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
        "python": sys.version.split()[0], "torch": torch.__version__, "skorch": skorch.__version__,
        "sklearn": sklearn.__version__, "skae": skae.__version__, "threads": args.threads,
        "rounds": rounds, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
