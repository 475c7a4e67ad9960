"""Convolutional autoencoders through ``encoder=`` / ``decoder=``: features and speed.

1. Features. An unsupervised DenoisingAutoencoder with skae's ready-made
   convolutional pair (``skae.modules.ConvEncoder`` / ``ConvDecoder``) against
   the default MLP DenoisingAutoencoder and raw features, one protocol for all:
   the autoencoder is fitted on the training split without labels,
   LogisticRegression(max_iter=2000) and SVC() on its codes, scored on the test
   split. Every autoencoder: 128-unit code, 25% masking, 100 epochs at most,
   batch 64, Adam 1e-3 (the DAE defaults); the conv pair has channels (32, 64),
   kernel 5 on MNIST-1D and (16, 32), kernel 3 on digits. Not tuned on any test
   split.
   - MNIST-1D: the ``mnist1d`` generator's 4000/1000 split, standardised,
     ``input_shape=(1, 40)``, 3 seeds. Published supervised baselines: MLP 68%,
     CNN 94% (Greydanus 2020).
   - digits (scaled to [0, 1]): 5-fold stratified CV, ``input_shape=(1, 8, 8)``.
2. Speed. The conv DAE's fit against a hand-written torch loop of the same
   module (skae's own ``ModularAutoencoder`` of the pair, built the same way),
   fused Adam, the same masking, batch and epochs, interleaved, one thread.

Usage:  python benchmarks/bench_conv.py [--quick] [--seeds 3]
Writes benchmarks/results/bench_conv.json.
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skae import DenoisingAutoencoder
from skae.datasets import load_digits_unit, make_mnist1d
from skae.modules import ConvDecoder, ConvEncoder, ModularAutoencoder

CONV = {"MNIST-1D": dict(input_shape=(1, 40), encoder__channels=(32, 64), decoder__channels=(32, 64),
                         encoder__kernel_size=5, decoder__kernel_size=5),
        "digits": dict(input_shape=(1, 8, 8), encoder__channels=(16, 32), decoder__channels=(16, 32))}


def methods(data_name, max_iter):
    conv = dict(encoder=ConvEncoder, decoder=ConvDecoder, **CONV[data_name])
    return {
        "raw features": None,
        "DAE, MLP (defaults)": lambda s: DenoisingAutoencoder(max_iter=max_iter, random_state=s),
        "DAE, ConvEncoder/ConvDecoder": lambda s: DenoisingAutoencoder(max_iter=max_iter, random_state=s, **conv),
    }


def splits(name, seeds, quick):
    if name == "MNIST-1D":
        X_tr, X_te, y_tr, y_te = make_mnist1d(num_samples=600 if quick else 5000)
        scaler = StandardScaler().fit(X_tr)
        return [(s, scaler.transform(X_tr), y_tr, scaler.transform(X_te), y_te) for s in range(seeds)]
    X, y = load_digits_unit()
    folds = StratifiedKFold(2 if quick else 5, shuffle=True, random_state=0).split(X, y)
    return [(i, X[tr], y[tr], X[te], y[te]) for i, (tr, te) in enumerate(folds)]


def features(name, seeds, quick):
    results = {}
    for seed, X_tr, y_tr, X_te, y_te in splits(name, seeds, quick):
        for method, make in methods(name, 2 if quick else 100).items():
            if make is None:
                F_tr, F_te, seconds = X_tr, X_te, 0.0
            else:
                start = time.perf_counter()
                model = make(seed).fit(X_tr)
                seconds = time.perf_counter() - start
                F_tr, F_te = model.transform(X_tr), model.transform(X_te)
            lr = LogisticRegression(max_iter=2000).fit(F_tr, y_tr).score(F_te, y_te)
            svc = SVC().fit(F_tr, y_tr).score(F_te, y_te)
            results.setdefault(method, []).append((lr, svc, seconds))
    return results


def hand_loop(X, epochs, batch, rate=0.25, seed=0):
    """The same conv module, trained by hand: pre-built tensors, fused Adam, the same masking."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    conv = CONV["MNIST-1D"]
    kw = dict(n_components=128, input_shape=conv["input_shape"], channels=conv["encoder__channels"],
              kernel_size=conv["encoder__kernel_size"])
    model = ModularAutoencoder(ConvEncoder(**kw), ConvDecoder(**kw), input_shape=conv["input_shape"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=g)
        for start in range(0, len(Xt), batch):
            xb = Xt[order[start:start + batch]]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(xb * (torch.rand(xb.shape, generator=g) >= rate))[0], xb,
                                                reduction="sum") / len(xb)
            loss.backward()
            opt.step()
    return model


def speed(rounds, quick):
    X = splits("MNIST-1D", 1, quick)[0][1].astype(np.float32)
    epochs, batch = (1, 64) if quick else (5, 64)
    conv = dict(encoder=ConvEncoder, decoder=ConvDecoder, **CONV["MNIST-1D"])
    runs = {"hand loop, fused Adam, 25% masking": lambda: hand_loop(X, epochs, batch),
            "skae DAE, ConvEncoder/ConvDecoder": lambda: DenoisingAutoencoder(
                max_iter=epochs, batch_size=batch, random_state=0, device="cpu", n_iter_no_change=epochs + 1,
                **conv).fit(X)}
    times = {k: [] for k in runs}
    for r in range(rounds):
        for name in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["hand loop, fused Adam, 25% masking"])
    print(f"\n### Speed: conv DAE on MNIST-1D ({len(X)} x 40), {epochs} epochs, batch {batch}, 1 thread, "
          f"{rounds} interleaved rounds\n")
    print("| contender | median s | min-max s | × hand loop |")
    print("|---|---|---|---|")
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.2f} | {min(ts):.2f}-{max(ts):.2f} | {med / base:.3f} |")
        rows.append({"contender": name, "median_s": med, "times_s": ts, "ratio": med / base})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, small data: a smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_conv.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", module="sklearn")
    rows = []
    for name in ("MNIST-1D", "digits"):
        start = time.perf_counter()
        results = features(name, 1 if args.quick else args.seeds, args.quick)
        print(f"\n### {name}  ({time.perf_counter() - start:.0f} s)\n")
        print("| features | LR acc. | SVC acc. | fit s |")
        print("|---|---|---|---|")
        for method, values in results.items():
            v = np.array(values)
            mean, std = v.mean(0), v.std(0)
            print(f"| {method} | {100 * mean[0]:.1f} ± {100 * std[0]:.1f} | {100 * mean[1]:.1f} ± "
                  f"{100 * std[1]:.1f} | {mean[2]:.1f} |")
            rows.append({"dataset": name, "features": method, "lr_accuracy": mean[0], "lr_std": std[0],
                         "svc_accuracy": mean[1], "svc_std": std[1], "fit_seconds": mean[2], "values": v.tolist()})
    timing = speed(2 if args.quick else args.rounds, args.quick)
    write_json(args.out, {"meta": machine(threads=1, quick=args.quick), "rows": rows, "speed": timing})


if __name__ == "__main__":
    main()
