"""skae's training and inference speed against the practical limit and the peers.

One command, several tables. Every timing comes from interleaved rounds (the
contenders take turns, the order reversed every other round: the machines are
shared and noisy) and is given as the median and min-max. A comparison is the
mean of the per-round time ratios, with its 95% t interval
(``_stats.paired_interval``): a contender is "faster" or "slower" only when the
interval excludes 1. Speed is compared with the best hand-written loop, the
fused-Adam one ("hand loop, fused Adam"), with the same noise.

1. peers: an MLP autoencoder 784-256-784 (sigmoid hidden and output, Adam
   lr 1e-3, batch 128, 3 epochs on 20,000 x 784 float32 in [0, 1]):
   a hand-written torch loop over pre-built tensors (the practical limit),
   the same with fused Adam (also with 25% masking), a DataLoader(TensorDataset)
   loop, skorch NeuralNetRegressor defaults, sklearn MLPRegressor, sklearn
   BernoulliRBM (for scale), and skae DenoisingAutoencoder with no corruption
   and 25% masking.
2. small: per-step time on digits (1797 x 64, 64-128-64, batch 64, 20 epochs).
3. transform: throughput on 20,000 rows vs. the hand loop's model.encoder(X).
4. scaling: skae's fit time with n_samples (10k-80k) and width (256-1024).
5. gflops: achieved training GFLOP/s (6 x weights x samples / s) vs. a large sgemm.
6. memmap: extra memory of transform on a float32 np.memmap (default 1,000,000 x 784).
7. models: training throughput of every skae model vs. the plain DAE.
8. goals: each speed goal against its per-round values and their interval.

``tables(result)`` renders these blocks from the JSON for ``benchmarks/report.py``
(docs/performance.md); the script prints the same blocks.

Usage:  python benchmarks/bench_training.py [--rounds 5] [--quick] [--memmap-rows N] [--sections peers,...]
Writes benchmarks/results/bench_training.json.
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
import warnings

import numpy as np
import sklearn
import skorch
import torch
from _report import machine, write_json
from _stats import Interval, paired_interval
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


FUSED = "hand loop, fused Adam"  # the best hand-written loop: every speed ratio is to it
PEERS = {
    "hand loop (torch, Adam)": hand_loop,
    FUSED: lambda *a, **k: hand_loop(*a, fused=True, **k),
    f"{FUSED}, 25% masking": lambda *a, **k: hand_loop(*a, fused=True, rate=0.25, **k),
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
             "baseline": baseline, "ratio": statistics.median(ts) / base, "per_unit": work / statistics.median(ts),
             "times_s": ts}
            for name, ts in times.items()]


# ------------------------------------------------ paired ratios of interleaved rounds
SPEED = {"better": "faster", "worse": "slower", "level": "level"}
GOAL = {"better": "met", "worse": "not met", "level": "not settled (the interval contains the goal)"}


def mean_interval(values, reference=1.0, higher_is_better=False):
    """The mean of per-round ``values`` with its 95% t interval, judged against the constant ``reference``.

    ``_stats.paired_interval`` of ``values - reference``, shifted back: the ends are values, and the
    verdict is "better" only when the whole interval lies on the good side of ``reference``.
    """
    values = np.asarray(values, dtype=float)
    d = paired_interval(values, np.full(values.shape, reference), higher_is_better=higher_is_better)
    return Interval(reference + d.low, reference + d.mean, reference + d.high, d.verdict)


def ratios(times, base):
    """Per-round ratios ``times[i] / base[i]``: the two ran in the same round, so the machine's drift cancels."""
    return np.asarray(times, dtype=float) / np.asarray(base, dtype=float)


def interval_text(interval, scale=1.0, digits=2, suffix=""):
    """``1.08 [1.02, 1.14]``; one round gives no interval: ``1.08 (one run)``."""
    low, mean, high = (scale * v for v in interval[:3])
    if not np.isfinite(low):
        return f"{mean:.{digits}f}{suffix} (one run)"
    return f"{mean:.{digits}f}{suffix} [{low:.{digits}f}, {high:.{digits}f}]"


def interval_cell(interval, words, scale=1.0, digits=2, suffix=""):
    """``1.08 [1.02, 1.14] slower``: the interval and its verdict, named by ``words``."""
    text = interval_text(interval, scale, digits, suffix)
    return text if interval.verdict not in words else f"{text} {words[interval.verdict]}"


def count(n, word):
    """``1 epoch``, ``3 epochs``."""
    return f"{n:,} {word}{'s' * (n != 1)}"


def speed_cell(times, base):
    """The mean per-round time ratio to ``base`` with its 95% interval: "faster"/"slower" when it excludes 1."""
    return interval_cell(mean_interval(ratios(times, base)), SPEED)


def timing_table(rows, unit, baseline_of, label):
    """Medians, spread, throughput and the ratio to each row's baseline (``baseline_of(name)``), paired by round."""
    times = {r["contender"]: r["times_s"] for r in rows}
    lines = [f"| contender | median s | min–max s | {unit} | × {label} (medians) "
             f"| ÷ {label}: per-round mean, 95% interval |", "|---|---|---|---|---|---|"]
    for r in rows:
        base = baseline_of(r["contender"])
        paired = "—" if base == r["contender"] or base not in times else speed_cell(r["times_s"], times[base])
        ratio = f"{r['median_s'] / statistics.median(times[base]):.2f}" if base in times else "—"
        lines.append(f"| {r['contender']} | {r['median_s']:.3f} | {r['min_s']:.3f}–{r['max_s']:.3f} | "
                     f"{r['per_unit']:,.0f} | {ratio} | {paired} |")
    return "\n".join(lines)


def fused_baseline(name):
    """The best hand-written loop with the same noise as ``name``."""
    return FUSED + (", 25% masking" if "masking" in name else "")


# ----------------------------------------------------------------- sections
def peers_table(X, rounds, epochs):
    times = interleaved(PEERS, lambda name: PEERS[name](X, 256, epochs, 128), rounds)
    return summarize(times, FUSED, epochs * len(X))


def small_table(X, rounds, epochs=20, batch=64):
    """Per-step time of the defaults' shape on digits: 64-128-64, batch 64, 20 epochs, one thread unless named."""
    steps = epochs * int(np.ceil(len(X) / batch))
    default_threads = torch.get_num_threads()
    runs = {
        f"hand loop, Adam, {default_threads} threads": (default_threads, lambda: hand_loop(X, 128, epochs, batch)),
        "hand loop, Adam, 1 thread": (1, lambda: hand_loop(X, 128, epochs, batch)),
        FUSED: (1, lambda: hand_loop(X, 128, epochs, batch, fused=True)),
        f"{FUSED}, 25% masking": (1, lambda: hand_loop(X, 128, epochs, batch, fused=True, rate=0.25)),
        "sklearn MLPRegressor": (1, lambda: mlp_regressor(X, 128, epochs, batch)),
        "skae DAE (no noise)": (1, lambda: skae_dae(X, 128, epochs, batch)),
        "skae DAE (25% masking)": (1, lambda: skae_dae(X, 128, epochs, batch, rate=0.25)),
    }

    def run(name):
        torch.set_num_threads(runs[name][0])
        runs[name][1]()
        torch.set_num_threads(default_threads)

    times = interleaved(list(runs), run, rounds)
    rows = summarize(times, FUSED, steps)
    mlp = statistics.median(times["sklearn MLPRegressor"])
    masked = statistics.median(times[f"{FUSED}, 25% masking"])
    for r in rows:
        r["threads"] = runs[r["contender"]][0]
        r["us_per_step"] = 1e6 * r["median_s"] / steps
        r["ratio_mlp"] = r["median_s"] / mlp
        r["ratio_fused_masking"] = r["median_s"] / masked
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
    return summarize(times, "hand loop model.encoder(X)", len(X))


SCALING_SIZES = [(10_000, 256), (20_000, 256), (40_000, 256), (80_000, 256), (20_000, 512), (20_000, 1024)]
QUICK_SIZES = [(500, 256), (1000, 256), (1000, 512)]


def scaling_table(rounds, sizes=SCALING_SIZES):
    rng = np.random.RandomState(0)
    rows = []
    for n, width in sizes:
        X = rng.uniform(size=(n, 784)).astype(np.float32)
        ts = []
        for _ in range(max(3, rounds // 2)):
            start = time.perf_counter()
            skae_dae(X, width, 1, 128)
            ts.append(time.perf_counter() - start)
        med = statistics.median(ts)
        rows.append({"n_samples": n, "width": width, "median_s": med, "min_s": min(ts), "max_s": max(ts),
                     "samples_per_s": n / med, "times_s": ts})
    return rows


WEIGHTS = 784 * 256 * 2  # the peers' 784-256-784 network


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
    rows = []
    for r in peer_rows:
        if r["contender"].startswith(("hand loop", "skae")):
            gf = 6 * WEIGHTS * epochs * n / r["median_s"] / 1e9
            rows.append({"contender": r["contender"], "gflops": gf, "fraction": gf / peak})
    return {"sgemm_gflops": peak, "sgemm_times_s": ts, "threads": torch.get_num_threads(), "weights": WEIGHTS,
            "epochs": epochs, "n_samples": n, "rows": rows}


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
    return {"rows": n_rows, "input_mb": n_rows * 784 * 4 / 2**20, "output_mb": out_mb,
            "extra_mb": extra, "chunk_mb": chunk_mb, "seconds": seconds}


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
    return summarize(times, "DenoisingAutoencoder (no noise)", len(X))


# ------------------------------------------------------------------- tables
def _peers(result):
    s = result["setup"]["peers"]
    return (f"784-256-784, batch 128, {count(s['epochs'], 'epoch')} on {s['n_samples']:,} × 784, "
            f"{s['threads']} torch threads, {result['meta']['rounds']} interleaved rounds. A contender with masking "
            "is compared with the fused hand loop that applies the same masking.\n\n"
            + timing_table(result["peers"], "samples/s", fused_baseline, "fused hand loop"))


def _small(result):
    s = result["setup"]["small"]
    rows = result["small_data"]
    times = {r["contender"]: r["times_s"] for r in rows}
    mlp = times["sklearn MLPRegressor"]
    lines = [f"digits {s['n_samples']} × 64, 64-128-64, batch {s['batch_size']}, {s['epochs']} epochs "
             f"({s['steps']} steps), {result['meta']['rounds']} interleaved rounds. One torch thread unless the "
             "name gives another count.", "",
             "| contender | µs/step (median) | min–max s | ÷ fused hand loop, same noise: per-round mean, 95% interval "
             "| ÷ MLPRegressor: per-round mean, 95% interval |",
             "|---|---|---|---|---|"]
    for r in rows:
        name = r["contender"]
        fused = "—" if fused_baseline(name) == name else speed_cell(r["times_s"], times[fused_baseline(name)])
        against_mlp = "—" if name == "sklearn MLPRegressor" else speed_cell(r["times_s"], mlp)
        lines.append(f"| {name} | {r['us_per_step']:.0f} | {r['min_s']:.3f}–{r['max_s']:.3f} | {fused} | "
                     f"{against_mlp} |")
    many = next((r for r in rows if r["contender"].startswith("hand loop, Adam,") and r["threads"] > 1), None)
    if many:
        lines += ["", f"The plain-Adam hand loop with {many['threads']} threads ÷ with 1 thread: "
                      f"{speed_cell(many['times_s'], times['hand loop, Adam, 1 thread'])}."]
    return "\n".join(lines)


def _transform(result):
    n = result["setup"]["transform"]["n_samples"]
    return (f"{n:,} × 784 float32, {len(result['transform'][0]['times_s'])} interleaved rounds.\n\n"
            + timing_table(result["transform"], "rows/s", lambda _: "hand loop model.encoder(X)", "encoder(X)"))


def _scaling(result):
    lines = ["skae's DenoisingAutoencoder, 1 epoch, batch 128, no noise; each size timed "
             f"{len(result['scaling'][0]['times_s'])} times in a row.", "",
             "| n_samples | width | median s | min–max s | samples/s |", "|---|---|---|---|---|"]
    lines += [f"| {r['n_samples']:,} | {r['width']} | {r['median_s']:.3f} | {r['min_s']:.3f}–{r['max_s']:.3f} | "
              f"{r['samples_per_s']:,.0f} |" for r in result["scaling"]]
    return "\n".join(lines)


def _gflops(result):
    g = result["gflops"]
    lines = [f"6 × {g['weights']:,} weights × samples / s of the peers' fits, against a 2048² sgemm at "
             f"{g['sgemm_gflops']:.1f} GFLOP/s ({g['threads']} threads).", "",
             "| contender | GFLOP/s | fraction of sgemm |", "|---|---|---|"]
    lines += [f"| {r['contender']} | {r['gflops']:.1f} | {r['fraction']:.0%} |" for r in g["rows"]]
    return "\n".join(lines)


def _memmap(result):
    m = result["memmap"]
    return "\n".join([
        f"A read-only np.memmap of {m['rows']:,} × 784 float32 ({m['input_mb']:,.0f} MB on disk), one run.", "",
        "| output MB | extra anonymous memory MB (peak − before − output) | one chunk MB | seconds |",
        "|---|---|---|---|",
        f"| {m['output_mb']:,.0f} | {m['extra_mb']:,.1f} ({m['extra_mb'] / m['chunk_mb']:.1f} chunks) | "
        f"{m['chunk_mb']:.1f} | {m['seconds']:.1f} |"])


def _models(result):
    n = result["setup"]["models"]["n_samples"]
    return (f"1 epoch on {n:,} × 784, batch 128 (StackedDAE: one per layer and one of fine-tuning), "
            f"{result['meta']['rounds']} interleaved rounds.\n\n"
            + timing_table(result["models"], "samples/s", lambda _: "DenoisingAutoencoder (no noise)",
                           "DAE without noise"))


def _goals(result):
    """Each goal against the mean of its per-round values, with the 95% interval that decides it."""
    def times(section):
        return {r["contender"]: r["times_s"] for r in result.get(section, [])}

    peers, small, transform = times("peers"), times("small_data"), times("transform")
    rows = []

    def goal(text, section, make, target, higher_is_better, scale=1.0, suffix="×", digits=2):
        try:
            iv = mean_interval(make(), target, higher_is_better)
        except KeyError:
            rows.append(f"| {text} | not run (`--sections` left out {section}) | |")
            return
        rows.append(f"| {text} | {interval_text(iv, scale, digits, suffix)} | {GOAL.get(iv.verdict, iv.verdict)} |")

    goal("DAE fit ≤ 1.0× the fused hand loop (peers, no noise)", "peers",
         lambda: ratios(peers["skae DAE (no noise)"], peers[FUSED]), 1.0, False)
    goal("DAE fit with 25% masking ≤ 1.0× the fused hand loop with the same masking (peers)", "peers",
         lambda: ratios(peers["skae DAE (25% masking)"], peers[f"{FUSED}, 25% masking"]), 1.0, False)
    goal("≥ 1.3× faster than skorch's defaults (skorch's time ÷ skae's, peers)", "peers",
         lambda: ratios(peers["skorch NeuralNetRegressor"], peers["skae DAE (no noise)"]), 1.3, True)
    goal("≥ 1.5× faster than MLPRegressor (its time ÷ skae's, peers)", "peers",
         lambda: ratios(peers["sklearn MLPRegressor"], peers["skae DAE (no noise)"]), 1.5, True)
    g = result.get("gflops", {})
    goal("training ≥ 45% of a big sgemm's GFLOP/s (skae DAE, no noise)", "gflops",
         lambda: 6 * g["weights"] * g["epochs"] * g["n_samples"] / 1e9 / g["sgemm_gflops"]
         / np.asarray(peers["skae DAE (no noise)"]), 0.45, True, scale=100, suffix="%", digits=0)
    goal("small data: per-step time ≤ MLPRegressor's (digits, skae ÷ MLPRegressor)", "small",
         lambda: ratios(small["skae DAE (no noise)"], small["sklearn MLPRegressor"]), 1.0, False)
    goal("`transform` ≥ 0.95× the encoder's throughput (encoder's time ÷ skae's)", "transform",
         lambda: ratios(transform["hand loop model.encoder(X)"], transform["skae transform(X)"]), 0.95, True)
    if "memmap" in result:
        m = result["memmap"]
        rows.append(f"| streaming `transform`: about one chunk of memory beyond input and output "
                    f"({m['rows']:,} × 784 memmap) | {m['extra_mb'] / m['chunk_mb']:.1f} chunks "
                    f"({m['extra_mb']:,.1f} MB; a chunk is {m['chunk_mb']:.1f} MB) | one run |")
    return "\n".join(["| goal | measured: per-round mean, 95% interval | verdict |", "|---|---|---|", *rows])


# block name: (the JSON's key, its renderer)
BLOCKS = {"peers": ("peers", _peers), "gflops": ("gflops", _gflops), "scaling": ("scaling", _scaling),
          "small": ("small_data", _small), "transform": ("transform", _transform), "memmap": ("memmap", _memmap),
          "models": ("models", _models)}


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``, one per section that ran, and the goals."""
    blocks = {name: render(result) for name, (key, render) in BLOCKS.items() if key in result}
    blocks["goals"] = _goals(result)
    return blocks


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

    threads = torch.get_num_threads()
    print(f"torch {torch.__version__} ({threads} threads by default), skorch {skorch.__version__}, "
          f"sklearn {sklearn.__version__}, skae {skae.__version__}; {rounds} interleaved rounds")
    small_epochs, small_batch = 20, 64
    models_X = X[:5000] if args.quick else X
    result = {"meta": machine(rounds=rounds, quick=args.quick, torch_threads=threads, skorch=skorch.__version__),
              "setup": {"peers": {"n_samples": n, "epochs": epochs, "threads": threads},
                        "small": {"n_samples": len(X_digits), "epochs": small_epochs, "batch_size": small_batch,
                                  "steps": small_epochs * int(np.ceil(len(X_digits) / small_batch))},
                        "transform": {"n_samples": n}, "models": {"n_samples": len(models_X)}}}

    def show(name, rows):  # keep a section's rows and print its block
        key, render = BLOCKS[name]
        result[key] = rows
        print(f"\n### {name}\n\n{render(result)}", flush=True)

    sections = set(args.sections.split(","))
    if "peers" in sections or "gflops" in sections:
        show("peers", peers_table(X, rounds, epochs))
    if "small" in sections:
        show("small", small_table(X_digits, rounds, small_epochs, small_batch))
    if "transform" in sections:
        show("transform", transform_table(X, rounds))
    if "gflops" in sections:
        show("gflops", gflops_table(result["peers"], epochs, n))
    if "scaling" in sections:
        show("scaling", scaling_table(rounds, QUICK_SIZES if args.quick else SCALING_SIZES))
    if "memmap" in sections:
        show("memmap", memmap_table(20_000 if args.quick else args.memmap_rows))
    if "models" in sections:
        show("models", models_table(models_X, rounds))
    print(f"\n### goals\n\n{_goals(result)}")
    write_json(args.out, result)


if __name__ == "__main__":
    main()
