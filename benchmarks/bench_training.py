"""skae's training and inference speed against the practical limit and the peers.

One command, several tables (all timings: interleaved rounds, median and
min-max; ratios are side by side within one run):

1. Peers: an MLP autoencoder 784-256-784 (sigmoid hidden and output, Adam
   lr 1e-3, batch 128, 3 epochs on 20,000 x 784 float32 in [0, 1]):
   a hand-written torch loop over pre-built tensors (the practical limit),
   the same with fused Adam, a DataLoader(TensorDataset) loop, skorch
   NeuralNetRegressor defaults, sklearn MLPRegressor, sklearn BernoulliRBM (for
   scale), and skae DenoisingAutoencoder with no corruption and 25% masking.
2. Small data: per-step time on digits (1797 x 64, 64-128-64, batch 32, 20 epochs).
3. transform throughput on 20,000 rows vs. the hand loop's model.encoder(X).
4. Scaling of skae's fit time with n_samples (10k-80k) and width (256-1024).
5. Achieved training GFLOP/s (6 x weights x samples / s) vs. a large sgemm.
6. Extra memory of transform on a float32 np.memmap (default 1,000,000 x 784).
7. Training throughput of every skae model vs. the plain DAE.

Usage:  python benchmarks/bench_training.py [--rounds 5] [--quick] [--memmap-rows N]
Writes benchmarks/results/bench_training.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import warnings

import numpy as np
import sklearn
import skorch
import torch
from torch import nn

import skae
from skae import (
    DVAE,
    VAE,
    ContractiveAE,
    DenoisingAutoencoder,
    MaskingNoise,
    SparseAE,
    StackedDAE,
)
from skae.datasets import load_digits_unit


# ------------------------------------------------------------------ contenders
def _mlp_ae(n_features, hidden):
    return nn.Sequential(nn.Linear(n_features, hidden), nn.Sigmoid(), nn.Linear(hidden, n_features))


def hand_loop(X, hidden, epochs, batch_size, seed=0, fused=False, rate=0.0):
    """The practical limit: pre-built tensors, index-sliced batches; ``rate``: MaskingNoise's masking."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    Xt = torch.from_numpy(X)
    model = _mlp_ae(X.shape[1], hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=g)
        for start in range(0, len(Xt), batch_size):
            xb = Xt[order[start : start + batch_size]]
            x_in = xb * (torch.rand(xb.shape, generator=g) >= rate) if rate else xb
            opt.zero_grad()
            loss = loss_fn(model(x_in), xb) / len(xb)
            loss.backward()
            opt.step()
    return model


def dataloader_loop(X, hidden, epochs, batch_size, seed=0):
    torch.manual_seed(seed)
    Xt = torch.from_numpy(X)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt), batch_size=batch_size, shuffle=True)
    model = _mlp_ae(X.shape[1], hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    for _ in range(epochs):
        for (xb,) in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), xb) / len(xb)
            loss.backward()
            opt.step()
    return model


def skorch_default(X, hidden, epochs, batch_size, seed=0):
    from skorch import NeuralNetRegressor

    torch.manual_seed(seed)
    net = NeuralNetRegressor(
        _mlp_ae(X.shape[1], hidden), criterion=nn.BCEWithLogitsLoss, optimizer=torch.optim.Adam,
        lr=1e-3, max_epochs=epochs, batch_size=batch_size, train_split=None, verbose=0,
        iterator_train__shuffle=True,
    )
    return net.fit(X, X)


def mlp_regressor(X, hidden, epochs, batch_size, seed=0):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPRegressor(hidden_layer_sizes=(hidden,), activation="logistic", batch_size=batch_size,
                            max_iter=epochs, random_state=seed, shuffle=True, tol=0).fit(X, X)


def rbm(X, hidden, epochs, batch_size, seed=0):
    from sklearn.neural_network import BernoulliRBM

    return BernoulliRBM(n_components=hidden, batch_size=batch_size, n_iter=epochs, random_state=seed).fit(X)


def skae_dae(X, hidden, epochs, batch_size, seed=0, rate=0.0):
    return DenoisingAutoencoder(
        n_components=hidden, corruption=MaskingNoise(rate) if rate else None, loss="cross_entropy",
        max_iter=epochs, batch_size=batch_size, lr=1e-3, random_state=seed, device="cpu",
    ).fit(X)


PEERS = {
    "hand loop (torch, Adam)": hand_loop,
    "hand loop, fused Adam": lambda *a, **k: hand_loop(*a, fused=True, **k),
    "hand loop, fused Adam, 25% masking": lambda *a, **k: hand_loop(*a, fused=True, rate=0.25, **k),
    "torch DataLoader(TensorDataset)": dataloader_loop,
    "skorch NeuralNetRegressor": skorch_default,
    "sklearn MLPRegressor": mlp_regressor,
    "sklearn BernoulliRBM": rbm,
    "skae DAE (no noise)": skae_dae,
    "skae DAE (25% masking)": lambda *a, **k: skae_dae(*a, rate=0.25, **k),
}


def interleaved(contenders, run, rounds):
    """{name: [seconds, ...]} with the order reversed every other round."""
    times = {name: [] for name in contenders}
    for r in range(rounds):
        for name in (list(contenders) if r % 2 == 0 else list(contenders)[::-1]):
            start = time.perf_counter()
            run(name)
            times[name].append(time.perf_counter() - start)
    return times


def summarize(times, baseline, work):
    base = statistics.median(times[baseline])
    return [{"contender": name, "median_s": statistics.median(ts), "min_s": min(ts), "max_s": max(ts),
             "baseline": baseline, "ratio": statistics.median(ts) / base, "per_unit": work / statistics.median(ts), "times_s": ts}
            for name, ts in times.items()]


def print_table(title, rows, unit):
    print(f"\n### {title}\n")
    print(f"| contender | median s | min-max s | {unit} | × {rows[0]['baseline']} |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['median_s']:.3f} | {r['min_s']:.3f}-{r['max_s']:.3f} | "
              f"{r['per_unit']:,.0f} | {r['ratio']:.2f} |")


# ----------------------------------------------------------------- sections
def peers_table(X, rounds, epochs):
    times = interleaved(PEERS, lambda name: PEERS[name](X, 256, epochs, 128), rounds)
    rows = summarize(times, "hand loop, fused Adam", epochs * len(X))
    print_table(f"Peers: 784-256-784, batch 128, {epochs} epochs on {len(X):,} x 784, "
                f"{torch.get_num_threads()} torch threads", rows, "samples/s")
    return rows


def small_table(X, rounds):
    """Per-step time of the defaults' shape on digits: 64-128-64, batch 64, 20 epochs, one thread."""
    epochs, batch = 20, 64
    steps = epochs * int(np.ceil(len(X) / batch))
    default_threads = torch.get_num_threads()
    runs = {
        f"hand loop, Adam, {default_threads} threads": lambda: hand_loop(X, 128, epochs, batch),
        "hand loop, fused Adam": lambda: hand_loop(X, 128, epochs, batch, fused=True),
        "hand loop, fused Adam, 25% masking": lambda: hand_loop(X, 128, epochs, batch, fused=True, rate=0.25),
        "sklearn MLPRegressor": lambda: mlp_regressor(X, 128, epochs, batch),
        "skae DAE (no noise)": lambda: skae_dae(X, 128, epochs, batch),
        "skae DAE (25% masking)": lambda: skae_dae(X, 128, epochs, batch, rate=0.25),
    }

    def run(name):
        torch.set_num_threads(default_threads if "threads" in name else 1)
        runs[name]()
        torch.set_num_threads(default_threads)

    times = interleaved(list(runs), run, rounds)
    rows = summarize(times, "hand loop, fused Adam", steps)
    mlp = statistics.median(times["sklearn MLPRegressor"])
    masked = statistics.median(times["hand loop, fused Adam, 25% masking"])
    for r in rows:
        r["us_per_step"] = 1e6 * r["median_s"] / steps
        r["ratio_mlp"] = r["median_s"] / mlp
        r["ratio_fused_masking"] = r["median_s"] / masked
    print(f"\n### Small data: digits 1797 x 64, 64-128-64, batch 64, {epochs} epochs ({steps} steps), "
          f"1 thread unless named\n")
    print("| contender | µs/step (median) | min-max s | × fused hand loop | × fused, masking | × MLPRegressor |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['us_per_step']:.0f} | {r['min_s']:.3f}-{r['max_s']:.3f} | {r['ratio']:.2f} | "
              f"{r['ratio_fused_masking']:.2f} | {r['ratio_mlp']:.2f} |")
    return rows


def transform_table(X, rounds):
    model = hand_loop(X[:2000], 256, 1, 128)
    est = skae_dae(X[:2000], 256, 1, 128)
    encoder = model[:2]

    def run(name):
        if name.startswith("hand"):
            with torch.no_grad():
                encoder(torch.from_numpy(X)).numpy()
        else:
            est.transform(X)

    times = interleaved(["hand loop model.encoder(X)", "skae transform(X)"], run, rounds * 2)
    rows = summarize(times, "hand loop model.encoder(X)", len(X))
    print_table(f"transform throughput, {len(X):,} x 784 float32", rows, "rows/s")
    return rows


def scaling_table(rounds):
    rng = np.random.RandomState(0)
    rows = []
    print("\n### Scaling of skae's fit (1 epoch, batch 128)\n")
    print("| n_samples | width | median s | samples/s |")
    print("|---|---|---|---|")
    for n, width in [(10_000, 256), (20_000, 256), (40_000, 256), (80_000, 256), (20_000, 512), (20_000, 1024)]:
        X = rng.uniform(size=(n, 784)).astype(np.float32)
        ts = []
        for _ in range(max(3, rounds // 2)):
            start = time.perf_counter()
            skae_dae(X, width, 1, 128)
            ts.append(time.perf_counter() - start)
        med = statistics.median(ts)
        rows.append({"n_samples": n, "width": width, "median_s": med, "samples_per_s": n / med, "times_s": ts})
        print(f"| {n:,} | {width} | {med:.3f} | {n / med:,.0f} |")
    return rows


def gflops_table(peer_rows, epochs, n):
    a = torch.rand(2048, 2048)
    b = torch.rand(2048, 2048)
    a @ b
    ts = []
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        ts.append(time.perf_counter() - start)
    peak = 2 * 2048**3 / statistics.median(ts) / 1e9
    weights = 784 * 256 * 2
    print(f"\n### Achieved training GFLOP/s (6 x {weights:,} weights x samples / s) vs. a 2048² sgemm "
          f"({peak:.1f} GFLOP/s, {torch.get_num_threads()} threads)\n")
    print("| contender | GFLOP/s | fraction of sgemm |")
    print("|---|---|---|")
    rows = []
    for r in peer_rows:
        if r["contender"].startswith(("hand loop", "skae")):
            gf = 6 * weights * epochs * n / r["median_s"] / 1e9
            rows.append({"contender": r["contender"], "gflops": gf, "fraction": gf / peak})
            print(f"| {r['contender']} | {gf:.1f} | {gf / peak:.0%} |")
    return {"sgemm_gflops": peak, "rows": rows}


def _rss_anon_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memmap_table(n_rows):
    est = skae_dae(np.random.RandomState(0).uniform(size=(2000, 784)).astype(np.float32), 256, 1, 128)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.f32")
        X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, 784))
        for start in range(0, n_rows, 100_000):
            X[start : start + 100_000] = np.random.RandomState(start).uniform(size=(min(100_000, n_rows - start), 784))
        X.flush()
        del X
        X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, 784))
        base, peak, stop = _rss_anon_mb(), [0.0], threading.Event()

        def poll():
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_anon_mb())
                time.sleep(0.005)

        thread = threading.Thread(target=poll)
        thread.start()
        start = time.perf_counter()
        Z = est.transform(X)
        seconds = time.perf_counter() - start
        stop.set()
        thread.join()
        out_mb = Z.nbytes / 2**20
        chunk_mb = est._inference_chunk_rows * 784 * 4 / 2**20
        extra = peak[0] - base - out_mb
        del Z, X
    row = {"rows": n_rows, "input_mb": n_rows * 784 * 4 / 2**20, "output_mb": out_mb,
           "extra_mb": extra, "chunk_mb": chunk_mb, "seconds": seconds}
    print(f"\n### transform on a read-only np.memmap, {n_rows:,} x 784 float32 "
          f"({row['input_mb']:,.0f} MB on disk)\n")
    print("| output MB | extra anonymous memory MB (peak − before − output) | one chunk MB | seconds |")
    print("|---|---|---|---|")
    print(f"| {out_mb:,.0f} | {extra:,.1f} ({extra / chunk_mb:.1f} chunks) | {chunk_mb:.1f} | {seconds:.1f} |")
    return row


def models_table(X, rounds):
    kw = dict(max_iter=1, batch_size=128, random_state=0, device="cpu")
    models = {
        "DenoisingAutoencoder (no noise)": lambda: DenoisingAutoencoder(256, corruption=None, **kw),
        "DenoisingAutoencoder (25% masking)": lambda: DenoisingAutoencoder(256, **kw),
        "ContractiveAE (closed form)": lambda: ContractiveAE(256, **kw),
        "SparseAE (l1)": lambda: SparseAE(256, **kw),
        "VAE (256 hidden, 32 latent)": lambda: VAE(32, hidden_layer_sizes=(256,), **kw),
        "DVAE (salt & pepper 10%)": lambda: DVAE(32, hidden_layer_sizes=(256,), **kw),
        "StackedDAE (256-128, 1+1 epochs)": lambda: StackedDAE(128, hidden_layer_sizes=(256,), fine_tune_iter=1, **kw),
    }
    times = interleaved(models, lambda name: models[name]().fit(X), rounds)
    rows = summarize(times, "DenoisingAutoencoder (no noise)", len(X))
    print_table(f"Every model, 1 epoch on {len(X):,} x 784 (StackedDAE: one per layer + one fine-tuning)",
                rows, "samples/s")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small data, 2 rounds: a smoke run")
    parser.add_argument("--memmap-rows", type=int, default=1_000_000)
    parser.add_argument("--sections", default="peers,small,transform,gflops,scaling,memmap,models",
                        help="comma-separated subset of the tables to run")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_training.json"))
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    n = 2000 if args.quick else 20_000
    epochs = 1 if args.quick else 3
    X = np.random.RandomState(0).uniform(size=(n, 784)).astype(np.float32)
    X_digits = load_digits_unit()[0].astype(np.float32)
    for fn in PEERS.values():  # warm-up
        fn(X[:256], 16, 1, 128)

    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads by default), skorch {skorch.__version__}, "
          f"sklearn {sklearn.__version__}, skae {skae.__version__}; {rounds} interleaved rounds")
    sections = set(args.sections.split(","))
    result = {}
    if "peers" in sections or "gflops" in sections:
        result["peers"] = peers_table(X, rounds, epochs)
    if "small" in sections:
        result["small_data"] = small_table(X_digits, rounds)
    if "transform" in sections:
        result["transform"] = transform_table(X, rounds)
    if "gflops" in sections:
        result["gflops"] = gflops_table(result["peers"], epochs, n)
    if "scaling" in sections and not args.quick:
        result["scaling"] = scaling_table(rounds)
    if "memmap" in sections:
        result["memmap"] = memmap_table(20_000 if args.quick else args.memmap_rows)
    if "models" in sections:
        result["models"] = models_table(X[:5000] if args.quick else X, rounds)

    meta = {"machine": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "skorch": skorch.__version__, "sklearn": sklearn.__version__, "skae": skae.__version__,
            "rounds": rounds, "quick": args.quick, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, **result}, f, indent=2, default=float)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
