"""Convolutional autoencoders through ``encoder=`` / ``decoder=``: features and speed.

0. Selection. The conv pair's defaults (max-pooling, channels (32, 64), kernel 5) and the code width
   used on MNIST-1D (512) were chosen on a validation split of MNIST-1D's training rows (3,200 to fit,
   800 to score; the test split unused): each candidate DAE is fitted without labels and
   LogisticRegression(max_iter=2000) is scored on the validation codes; one seed. The table is
   recorded.
1. Features. An unsupervised DenoisingAutoencoder with skae's ready-made
   convolutional pair (``skae.modules.ConvEncoder`` / ``ConvDecoder``) against
   the default MLP DenoisingAutoencoder and raw features, one protocol for all:
   the autoencoder is fitted on the training split without labels,
   LogisticRegression(max_iter=2000) and SVC() on its codes, scored on the test
   split. Every autoencoder at the DAE's defaults; the conv pair at its defaults, with a 512-unit
   code on MNIST-1D (the selection's choice) and the DAE's default width on digits.
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
from _stats import paired_interval
from bench_features import default_classifiers, tuned_classifiers
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from skae import DenoisingAutoencoder
from skae.datasets import load_digits_unit, make_mnist1d
from skae.modules import ConvDecoder, ConvEncoder, ModularAutoencoder

CONV = {"MNIST-1D": dict(input_shape=(1, 40), n_components=512), "digits": dict(input_shape=(1, 8, 8))}

#: The selection's candidates: name -> DenoisingAutoencoder parameters (with the conv pair and input_shape).
CANDIDATES = {
    "stride, (16, 32), kernel 3, code 128 (the defaults before)": dict(
        n_components=128, encoder__pooling="stride", encoder__channels=(16, 32), decoder__channels=(16, 32),
        encoder__kernel_size=3, decoder__kernel_size=3),
    "stride, (32, 64), kernel 5, code 128": dict(n_components=128, encoder__pooling="stride"),
    "stride, (32, 64), kernel 5, code 512": dict(n_components=512, encoder__pooling="stride"),
    "max, (32, 64), kernel 5, code 128": dict(n_components=128),
    "max, (32, 64), kernel 5, code 256": dict(n_components=256),
    "max, (32, 64), kernel 5, code 512": dict(n_components=512),
    "max, (32, 64), kernel 5, code 1024": dict(n_components=1024),
    "max, (32, 64), kernel 3, code 512": dict(n_components=512, encoder__kernel_size=3, decoder__kernel_size=3),
    "max, (16, 32), kernel 5, code 512": dict(n_components=512, encoder__channels=(16, 32), decoder__channels=(16, 32)),
    "max, (32, 64, 128), kernel 5, code 256": dict(n_components=256, encoder__channels=(32, 64, 128),
                                                   decoder__channels=(32, 64, 128)),
}


def selection(quick):
    """Validation accuracy of LogisticRegression on each candidate's codes (MNIST-1D training rows only)."""
    from sklearn.linear_model import LogisticRegression

    X, _, y, _ = make_mnist1d(num_samples=600 if quick else 5000)
    cut = len(X) * 4 // 5
    scaler = StandardScaler().fit(X[:cut])
    X_fit, X_val = scaler.transform(X[:cut]), scaler.transform(X[cut:])
    rows = []
    for name, params in CANDIDATES.items():
        start = time.perf_counter()
        model = DenoisingAutoencoder(encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 40), random_state=0,
                                     device="cpu", **({"max_iter": 2} if quick else {}), **params).fit(X_fit)
        seconds = time.perf_counter() - start
        accuracy = LogisticRegression(max_iter=2000).fit(model.transform(X_fit), y[:cut]).score(
            model.transform(X_val), y[cut:])
        rows.append({"candidate": name, "accuracy": float(accuracy), "fit_seconds": seconds})
        print(f"{name:>60}: validation LR {accuracy:.3f} ({seconds:.0f} s)", flush=True)
    return {"n_fit": cut, "n_validation": len(X) - cut, "rows": rows}


RAW_TUNED = "raw, C by CV"


def methods(data_name, quick):
    """name -> (seed -> unfitted autoencoder or None for raw features, classifiers factory)."""
    conv = dict(encoder=ConvEncoder, decoder=ConvDecoder, **CONV[data_name])
    epochs = {"max_iter": 2} if quick else {}
    return {
        "raw features": (None, default_classifiers),
        RAW_TUNED: (None, tuned_classifiers),
        "DAE, MLP (defaults)": (lambda s: DenoisingAutoencoder(random_state=s, **epochs), default_classifiers),
        "DAE, ConvEncoder/ConvDecoder": (
            lambda s: DenoisingAutoencoder(random_state=s, **epochs, **conv), default_classifiers),
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
        for method, (make, classifiers) in methods(name, quick).items():
            if make is None:
                F_tr, F_te, seconds = X_tr, X_te, 0.0
            else:
                start = time.perf_counter()
                model = make(seed).fit(X_tr)
                seconds = time.perf_counter() - start
                F_tr, F_te = model.transform(X_tr), model.transform(X_te)
            scores = [clf.fit(F_tr, y_tr).score(F_te, y_te) for clf in classifiers().values()]
            results.setdefault(method, []).append((*scores, seconds))
    return results


def hand_loop(X, epochs, batch, rate=0.25, seed=0):
    """The same conv module, trained by hand: pre-built tensors, fused Adam, the same masking."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    conv = CONV["MNIST-1D"]
    kw = dict(n_components=conv["n_components"], input_shape=conv["input_shape"])  # the pair's defaults
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
    base = statistics.median(times[HAND])
    return {"rows": len(X), "epochs": epochs, "batch": batch, "rounds": rounds,
            "contenders": [{"contender": name, "median_s": statistics.median(ts), "times_s": ts,
                            "ratio": statistics.median(ts) / base} for name, ts in times.items()]}


HAND = "hand loop, fused Adam, 25% masking"
SLUGS = {"MNIST-1D": "mnist1d", "digits": "digits"}


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``: features per data set, and the speed table."""
    blocks, by_set = {}, {}
    for r in result["rows"]:
        by_set.setdefault(r["dataset"], []).append(r)
    for name, rows in by_set.items():
        fraction = None if name == "MNIST-1D" else 1 / (len(rows[0]["values"]) - 1)  # k-fold CV on digits
        mlp = next(r for r in rows if r["features"] == "DAE, MLP (defaults)")
        raw = next(r for r in rows if r["features"] == RAW_TUNED)
        lines = ["| features | LR acc. | SVC acc. | fit s | LR: vs MLP DAE | SVC: vs raw, tuned C |",
                 "|---|---|---|---|---|---|"]
        for r in rows:
            v = np.array(r["values"])
            versus = ["" if other is r else
                      paired_interval(v[:, k], np.array(other["values"])[:, k], test_fraction=fraction).format(100)
                      for k, other in ((0, mlp), (1, raw))]
            lines.append(f"| {r['features']} | {100 * r['lr_accuracy']:.1f} ± {100 * r['lr_std']:.1f} | "
                         f"{100 * r['svc_accuracy']:.1f} ± {100 * r['svc_std']:.1f} | {r['fit_seconds']:.1f} | "
                         f"{versus[0]} | {versus[1]} |")
        blocks[SLUGS.get(name, name)] = "\n".join(lines)
    speed = result["speed"]
    hand = next(c for c in speed["contenders"] if c["contender"] == HAND)
    lines = [f"MNIST-1D ({speed['rows']} x 40), {speed['epochs']} epochs, batch {speed['batch']}, one thread, "
             f"{speed['rounds']} interleaved rounds.", "",
             "| contender | median s | min-max s | × hand loop (median) | paired log-ratio to the hand loop |",
             "|---|---|---|---|---|"]
    for c in speed["contenders"]:
        ratio = paired_interval(np.log(c["times_s"]), np.log(hand["times_s"]), higher_is_better=False)
        cell = "" if c is hand else (f"× {np.exp(ratio.mean):.3f} [{np.exp(ratio.low):.3f}, "
                                     f"{np.exp(ratio.high):.3f}] {ratio.verdict}")
        lines.append(f"| {c['contender']} | {c['median_s']:.2f} | {min(c['times_s']):.2f}-{max(c['times_s']):.2f} | "
                     f"{c['ratio']:.3f} | {cell} |")
    blocks["speed"] = "\n".join(lines)
    if "selection" in result:
        sel = result["selection"]
        best = max(sel["rows"], key=lambda r: r["accuracy"])
        lines = [f"MNIST-1D's training rows only: {sel['n_fit']:,} to fit (no labels), {sel['n_validation']:,} to "
                 "score LogisticRegression on the codes; one seed; DAE defaults otherwise.", "",
                 "| ConvEncoder: pooling, channels, kernel; code width | validation LR acc. | fit s |", "|---|---|---|"]
        lines += [f"| {r['candidate']}{' (chosen)' if r is best else ''} | {100 * r['accuracy']:.1f} | "
                  f"{r['fit_seconds']:.0f} |" for r in sel["rows"]]
        blocks["selection"] = "\n".join(lines)
    return blocks


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
        results = features(name, 1 if args.quick else args.seeds, args.quick)
        for method, values in results.items():
            v = np.array(values)
            mean, std = v.mean(0), v.std(0)
            rows.append({"dataset": name, "features": method, "lr_accuracy": mean[0], "lr_std": std[0],
                         "svc_accuracy": mean[1], "svc_std": std[1], "fit_seconds": mean[2], "values": v.tolist()})
    result = {"meta": machine(threads=1, quick=args.quick), "selection": selection(args.quick), "rows": rows,
              "speed": speed(2 if args.quick else args.rounds, args.quick)}
    for block, text in tables(result).items():
        print(f"\n### {block}\n\n{text}")
    write_json(args.out, result)


if __name__ == "__main__":
    main()
