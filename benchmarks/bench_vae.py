"""The shape of Im et al. (2017), Table 1, on binarized digits.

VAE vs. DVAE (K=1, K=5) and IWAE vs. DIWAE (K=5) at salt-and-pepper noise
levels 0, 5, 10, 15% (noise 0 is the plain VAE / IWAE), with one and two
hidden layers, over several seeds. Reported on the clean test set: the
negative ELBO and the negative importance-sampled log-likelihood (K=1000),
in nats; lower is better. A baseline row gives independent Bernoulli pixels
(per-pixel training means).

Data: sklearn digits, pixels > 0.5 -> 1 (binarized), a fixed stratified
75/25 train/test split (random_state=0).

Usage:  python benchmarks/bench_vae.py [--seeds 3] [--quick]
Writes benchmarks/results/bench_vae.json.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import sklearn
import torch
from sklearn.model_selection import train_test_split

import skae
from skae import DVAE, SaltAndPepperNoise
from skae.datasets import load_digits_unit

NOISE = (0.0, 0.05, 0.10, 0.15)
MODELS = {  # name -> DVAE keyword arguments
    "VAE / DVAE, K=1": dict(objective="elbo", n_samples=1),
    "VAE / DVAE, K=5": dict(objective="elbo", n_samples=5),
    "IWAE / DIWAE, K=5": dict(objective="iwae", n_samples=5),
}
ARCHS = {"1 hidden layer (200)": (200,), "2 hidden layers (200, 200)": (200, 200)}


def data():
    X, y = load_digits_unit()
    X = (X > 0.5).astype(np.float64)
    X_tr, X_te, _, _ = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return X_tr, X_te


def bernoulli_baseline(X_tr, X_te):
    p = X_tr.mean(axis=0).clip(1e-3, 1 - 1e-3)
    return float(-(X_te * np.log(p) + (1 - X_te) * np.log(1 - p)).sum(axis=1).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--importance-samples", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 seed, 50 importance samples")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_vae.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        args.seeds, args.max_iter, args.importance_samples = 1, 2, 50

    X_tr, X_te = data()
    baseline = bernoulli_baseline(X_tr, X_te)
    rows = []
    start_all = time.perf_counter()
    for arch_name, hidden in ARCHS.items():
        for model_name, kw in MODELS.items():
            for noise in NOISE:
                elbos, nlls, secs = [], [], []
                for seed in range(args.seeds):
                    est = DVAE(
                        n_components=16, hidden_layer_sizes=hidden, corruption=SaltAndPepperNoise(noise),
                        max_iter=args.max_iter, random_state=seed, **kw,
                    )
                    start = time.perf_counter()
                    est.fit(X_tr)
                    secs.append(time.perf_counter() - start)
                    elbos.append(-est.score(X_te))
                    nlls.append(-est.log_likelihood(X_te, n_samples=args.importance_samples).mean())
                rows.append({"architecture": arch_name, "model": model_name, "noise": noise,
                             "neg_elbo": elbos, "nll": nlls, "fit_seconds": secs})
                print(f"{arch_name:<28} {model_name:<18} noise {noise:4.0%}: -ELBO {np.mean(elbos):6.2f} "
                      f"± {np.std(elbos):4.2f}   NLL {np.mean(nlls):6.2f} ± {np.std(nlls):4.2f}   "
                      f"({np.mean(secs):.1f} s/fit)", flush=True)

    print(f"\nBinarized digits, test set ({len(X_te)} rows); nats, lower is better; "
          f"mean ± std over {args.seeds} seed(s); NLL from {args.importance_samples} importance samples. "
          f"Total {time.perf_counter() - start_all:.0f} s.\n")
    print(f"Independent Bernoulli pixels: NLL = {baseline:.2f}\n")
    header = " | ".join(f"{n:.0%} noise" for n in NOISE)
    for metric, label in (("neg_elbo", "test −ELBO"), ("nll", "test NLL (IS)")):
        print(f"#### {label}\n")
        print(f"| architecture | model | {header} |")
        print("|---|---|" + "---|" * len(NOISE))
        for arch_name in ARCHS:
            for model_name in MODELS:
                cells = []
                for noise in NOISE:
                    r = next(r for r in rows if r["architecture"] == arch_name
                             and r["model"] == model_name and r["noise"] == noise)
                    cells.append(f"{np.mean(r[metric]):.2f} ± {np.std(r[metric]):.2f}")
                print(f"| {arch_name} | {model_name} | " + " | ".join(cells) + " |")
        print()

    print("#### Did the denoising criterion help? (best noise level vs. none, test NLL)\n")
    print("| architecture | model | no noise | best noise | change (nats) |")
    print("|---|---|---|---|---|")
    for arch_name in ARCHS:
        for model_name in MODELS:
            rs = {r["noise"]: r for r in rows if r["architecture"] == arch_name and r["model"] == model_name}
            clean = np.mean(rs[0.0]["nll"])
            best = min(NOISE[1:], key=lambda n: np.mean(rs[n]["nll"]))
            diff = np.array(rs[best]["nll"]) - np.array(rs[0.0]["nll"])
            print(f"| {arch_name} | {model_name} | {clean:.2f} | {best:.0%}: {np.mean(rs[best]['nll']):.2f} | "
                  f"{diff.mean():+.2f} ± {diff.std():.2f} |")

    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "torch": torch.__version__, "sklearn": sklearn.__version__, "skae": skae.__version__,
            "threads": args.threads, "seeds": args.seeds, "max_iter": args.max_iter,
            "importance_samples": args.importance_samples, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "bernoulli_baseline_nll": baseline, "rows": rows}, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
