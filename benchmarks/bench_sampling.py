"""The DAE as a score estimator and a sampler, against scikit-learn's density models and skae's VAE.

Two parts (``--tables score,samples``), each over ``--seeds`` seeds (mean ± sd):

1. **Score.** Isotropic Gaussian mixtures whose σ-smoothed score is known in
   closed form (:func:`skae.datasets.gaussian_mixture_score`): a ring of 8
   modes in 2-D and 4 modes on a sphere in 10-D. For each σ, the relative error
   ‖ŝ − s‖ / ‖s‖ at held-out points drawn from q_σ, of
   ``DenoisingAutoencoder.log_density_gradient`` (trained with
   ``GaussianNoise(σ)``), of a Gaussian KDE with bandwidth σ on the same rows
   (exactly the empirical q_σ the DAE is fitted to), and of a KDE whose
   bandwidth h was chosen by 5-fold cross-validated likelihood, smoothed by σ
   (bandwidth √(h² + σ²)).
2. **Samples.** ``make_moons`` (noise 0.05), a ring of 8 Gaussians (radius 1,
   std 0.05) and binarized digits. Every method is fitted on the same 80% of
   the training rows and picks its setting on the other 20% (the tuning rows):
   the DAE its noise (4 candidates) and the VAE and RBM their width (4 each),
   each by the goal's metric on the tuning rows (the harmonic mean of precision
   and recall at r on the 2-D sets, the energy distance on digits), ``KernelDensity`` its bandwidth by 5-fold CV,
   ``GaussianMixture`` its number of components by BIC (and a fixed 2).
   Reported against held-out rows: the energy distance (2 E‖X − Y‖ − E‖X − X'‖
   − E‖Y − Y'‖, Euclidean), precision (share of samples within radius r (inclusive) of a
   held-out row) and recall (share of held-out rows within r of a sample). On
   the 2-D sets r = 0.1, twice the data's noise scale; on digits r is the
   median distance from a held-out row to its nearest training row. The
   "training rows" line is the reference: real data against held-out data.
   On the 2-D sets an extra row anneals Langevin through the three DAEs trained
   at σ = 0.4, 0.2 and 0.1 (Song & Ermon, 2019): 300 steps at 0.4, then a tail
   of 10, 30, 100 or 300 steps (tuned) at each smaller σ, denoised at the end.

Comparisons between methods are differences paired by seed with a 95% t interval
(``_stats.paired_interval``); ``tables(result)`` renders every table from the JSON alone,
for ``benchmarks/report.py`` and for this script's own printout.

Usage:  python benchmarks/bench_sampling.py [--seeds 3] [--quick] [--tables score,samples] [--sets ...]
A full run (both parts, every set; about 35 min on 2 busy cores) writes
benchmarks/results/bench_sampling.json, the file the docs' ``sampling/...`` blocks come
from; a partial run writes benchmarks/results/bench_sampling_<parts>.json unless ``--out``
says otherwise, so it never replaces the full run's file.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity
from sklearn.neural_network import BernoulliRBM

sys.path.insert(0, os.path.dirname(__file__))
from _report import machine, write_json  # noqa: E402  (a sibling script, not a package)
from _stats import paired_interval  # noqa: E402

from skae import VAE, DenoisingAutoencoder, GaussianNoise, MaskingNoise, SaltAndPepperNoise  # noqa: E402
from skae.datasets import gaussian_mixture_score, load_digits_unit, make_gaussian_mixture  # noqa: E402

SIGMAS_SCORE = (0.1, 0.25, 0.5)
TABLES = ("score", "samples")
SETS = ("moons", "ring", "binarized digits")


# ---------------------------------------------------------------------- metrics
def energy_distance(A, B):
    """2 E|A - B| - E|A - A'| - E|B - B'| (Euclidean; within-set pairs exclude i = j)."""
    def within(Z):
        return pairwise_distances(Z).sum() / (len(Z) * (len(Z) - 1))

    return 2 * pairwise_distances(A, B).mean() - within(A) - within(B)


def precision_recall(samples, held_out, radius):
    D = pairwise_distances(samples, held_out)
    return float((D.min(axis=1) <= radius).mean()), float((D.min(axis=0) <= radius).mean())


def kde_bandwidth(X, seed):
    grid = GridSearchCV(KernelDensity(), {"bandwidth": np.logspace(-2.5, 0.5, 16)}, cv=5)
    return grid.fit(X[np.random.RandomState(seed).permutation(len(X))[:2000]]).best_params_["bandwidth"]


# ------------------------------------------------------------------------ score
def mixture(dim, seed):
    """(means, std): a ring of 8 modes (radius 2) in 2-D; 4 modes on the sphere of radius 3 in 10-D."""
    if dim == 2:
        angles = 2 * np.pi * np.arange(8) / 8
        return 2 * np.c_[np.cos(angles), np.sin(angles)], 0.3
    means = np.random.RandomState(seed).normal(size=(4, dim))
    return 3 * means / np.linalg.norm(means, axis=1, keepdims=True), 0.5


def score_dae(X, sigma, seed, quick):
    epochs = 3 if quick else 40
    dae = DenoisingAutoencoder(64, hidden_layer_sizes=(64,), activation="gelu", loss="squared_error",
                               corruption=GaussianNoise(sigma), max_iter=epochs, n_iter_no_change=epochs,
                               batch_size=128, lr=2e-3, random_state=seed).fit(X)
    dae.set_params(lr=2e-4, batch_size=1000)  # anneal: the score divides the denoiser's error by sigma^2
    for _ in range(1 if quick else 10):
        dae.partial_fit(X)
    return dae


def score_table(seeds, quick):
    rows = []
    n = 2000 if quick else 10_000
    for dim in (2, 10):
        for sigma in SIGMAS_SCORE:
            errors = {"DAE log_density_gradient": [], "KDE, bandwidth σ": [], "KDE, CV bandwidth smoothed by σ": []}
            for seed in range(seeds):
                means, std = mixture(dim, seed)
                X = make_gaussian_mixture(n, means, std, random_state=seed)
                rng = np.random.RandomState(seed + 1000)
                X_test = make_gaussian_mixture(2000, means, std, random_state=rng)
                X_test += sigma * rng.normal(size=X_test.shape)  # held-out points from q_sigma
                exact = gaussian_mixture_score(X_test, means, std, sigma=sigma)
                h = kde_bandwidth(X, seed)
                estimates = {
                    "DAE log_density_gradient": score_dae(X, sigma, seed, quick).log_density_gradient(X_test),
                    "KDE, bandwidth σ": gaussian_mixture_score(X_test, X, sigma),
                    "KDE, CV bandwidth smoothed by σ": gaussian_mixture_score(X_test, X, np.sqrt(h**2 + sigma**2)),
                }
                for name, estimate in estimates.items():
                    errors[name].append(float(np.linalg.norm(estimate - exact) / np.linalg.norm(exact)))
            for name, errs in errors.items():
                rows.append({"dim": dim, "sigma": sigma, "method": name, "errors": errs,
                             "mean": float(np.mean(errs)), "sd": float(np.std(errs))})
                print(f"  {dim}-D σ={sigma} {name}: {np.mean(errs):.3f} ± {np.std(errs):.3f}", flush=True)
    print("\n" + tables({"score": rows})["score"], flush=True)
    return rows


# ---------------------------------------------------------------------- samples
def sample_set(name, seed, quick):
    """(X, radius or None, binary)."""
    n = 1500 if quick else 6000
    if name == "moons":
        return make_moons(n, noise=0.05, random_state=seed)[0], 0.1, False
    if name == "ring":
        angles = 2 * np.pi * np.arange(8) / 8
        return make_gaussian_mixture(n, np.c_[np.cos(angles), np.sin(angles)], 0.05, random_state=seed), 0.1, False
    X = (load_digits_unit()[0] > 0.5).astype(np.float64)
    return X[np.random.RandomState(seed).permutation(len(X))], None, True


def dae_candidates(binary, quick):
    epochs = 5 if quick else (100 if binary else 300)
    # lr=1e-3: what these chains were recorded with (DenoisingAutoencoder's default before it became 3e-3)
    common = {"max_iter": epochs, "n_iter_no_change": epochs, "random_state": 0, "lr": 1e-3}
    if binary:
        noises = {"masking 0.5": MaskingNoise(0.5), "masking 0.75": MaskingNoise(0.75),
                  "salt-and-pepper 0.2": SaltAndPepperNoise(0.2), "salt-and-pepper 0.4": SaltAndPepperNoise(0.4)}
        return {name: DenoisingAutoencoder(256, corruption=noise, **common) for name, noise in noises.items()}
    return {f"σ={s}": DenoisingAutoencoder(64, hidden_layer_sizes=(128,), activation="gelu", loss="squared_error",
                                           corruption=GaussianNoise(s), batch_size=128, **common)
            for s in (0.05, 0.1, 0.2, 0.4)}


def vae_candidates(binary, quick):
    epochs = 5 if quick else (100 if binary else 300)
    latent = (4, 8, 16, 32) if binary else (1, 2, 4, 8)
    return {f"latent {k}": VAE(k, hidden_layer_sizes=(128,), max_iter=epochs, n_iter_no_change=epochs,
                                batch_size=128, random_state=0) for k in latent}


def rbm_sampler(rbm, n, seed, steps):
    v = (np.random.RandomState(seed).uniform(size=(n, rbm.components_.shape[1])) < 0.5).astype(np.float64)
    rbm.random_state_ = np.random.RandomState(seed)
    for _ in range(steps):
        v = rbm.gibbs(v).astype(np.float64)
    return v


def tuned(candidates, fit, draw, X_fit, X_tune, radius):
    """The candidate that scores best on the tuning rows: (name, fitted, {name: fitted} of all).

    With a ``radius`` (the 2-D sets) the score is the harmonic mean of precision and recall at that
    radius, the goal's metric; without one (digits) it is the energy distance.
    """
    best, fitted = None, {}
    for name, est in candidates.items():
        est = fitted[name] = fit(est, X_fit)
        try:
            samples = draw(est, len(X_tune))
        except FloatingPointError:  # a diverging chain (skae raises instead of returning NaN rows)
            continue
        if radius is None:
            loss = energy_distance(samples, X_tune)
        else:
            p, r = precision_recall(samples, X_tune, radius)
            loss = -2 * p * r / max(p + r, 1e-12)
        if best is None or loss < best[0]:
            best = (loss, name, est)
    if best is None:
        raise RuntimeError(f"every candidate's chain diverged: {list(candidates)}")
    return best[1], best[2], fitted


def annealed_langevin(models, n, tail, steps, seed):
    """Langevin through decreasing noise levels (Song & Ermon's annealing, with skae's public API):
    ``steps`` at the largest σ (to mix between regions), ``tail`` at each smaller one, then denoised."""
    x = models[0].sample(n, n_steps=steps, method="langevin", random_state=seed)
    for k, model in enumerate(models[1:], start=1):
        x = model.sample(n_steps=tail, init=x, method="langevin", denoise_last=k == len(models) - 1,
                         random_state=seed + k)
    return x


def samplers(X_fit, X_tune, binary, seed, quick, radius):
    """name -> (chosen setting, draw(n) -> samples)."""
    steps = 10 if quick else 1000
    out = {}

    def fit(est, X):
        return est.set_params(random_state=seed).fit(X)

    chain = lambda est, n, **kw: est.sample(n, n_steps=steps, random_state=seed, **kw)  # noqa: E731
    name, dae, daes = tuned(dae_candidates(binary, quick), fit, chain, X_fit, X_tune, radius)
    out["DAE chain"] = (name, lambda n: chain(dae, n))
    out["DAE chain, denoise_last"] = (name, lambda n: chain(dae, n, denoise_last=True))
    if not binary:
        langevin = lambda n, **kw: dae.sample(n, n_steps=steps, method="langevin", random_state=seed, **kw)  # noqa: E731
        out["DAE Langevin"] = (name, langevin)
        out["DAE Langevin, denoise_last"] = (name, lambda n: langevin(n, denoise_last=True))
        # the 3 trained models at σ = 0.4, 0.2, 0.1; the tail length is tuned like every setting
        ladder = [daes[f"σ={s}"] for s in (0.4, 0.2, 0.1)]
        tails = {f"tail {t}": t for t in ((2, 5) if quick else (10, 30, 100, 300))}
        anneal = lambda t, n: annealed_langevin(ladder, n, t, 3 * steps // 10, seed)  # noqa: E731
        tail, t, _ = tuned(tails, lambda t, X: t, anneal, X_fit, X_tune, radius)
        out["DAE annealed Langevin (σ 0.4, 0.2, 0.1), denoise_last"] = (tail, lambda n: anneal(t, n))
    name, vae, _ = tuned(vae_candidates(binary, quick), fit, lambda est, n: est.sample(n, random_state=seed),
                      X_fit, X_tune, radius)
    out["VAE.sample"] = (name, lambda n: vae.sample(n, random_state=seed))
    out["GaussianMixture(2)"] = ("2", lambda n: GaussianMixture(2, random_state=seed).fit(X_fit).sample(n)[0])
    cov = "diag" if binary else "full"
    fits = [GaussianMixture(k, covariance_type=cov, random_state=seed, reg_covar=1e-3).fit(X_fit)
            for k in ((1, 2, 5, 10) if quick else (1, 2, 3, 5, 8, 12, 16, 20, 30))]
    gmm = min(fits, key=lambda g: g.bic(X_fit))
    out["GaussianMixture(BIC)"] = (str(gmm.n_components), lambda n: gmm.sample(n)[0])
    kde = KernelDensity(bandwidth=kde_bandwidth(X_fit, seed)).fit(X_fit)
    out["KernelDensity(CV)"] = (f"{kde.bandwidth:.3g}", lambda n: kde.sample(n, random_state=seed))
    if binary:
        rbms = {f"{k} hidden": BernoulliRBM(k, learning_rate=0.05, n_iter=5 if quick else 50)
                for k in (32, 64, 128, 256)}
        gibbs = 20 if quick else 1000
        name, rbm, _ = tuned(rbms, fit, lambda est, n: rbm_sampler(est, n, seed, gibbs), X_fit, X_tune, None)
        out["BernoulliRBM Gibbs"] = (name, lambda n: rbm_sampler(rbm, n, seed, gibbs))
    out["training rows (reference)"] = ("—", lambda n: X_fit[:n])
    return out


def samples_table(sets, seeds, quick):
    rows = []
    for set_name in sets:
        for seed in range(seeds):
            X, radius, binary = sample_set(set_name, seed, quick)
            X_train, X_test = train_test_split(X, test_size=1 / 3, random_state=seed)
            X_fit, X_tune = train_test_split(X_train, test_size=0.2, random_state=seed)
            tuning_radius = radius  # None on digits: tuned by energy distance
            if radius is None:
                radius = float(np.median(pairwise_distances(X_test, X_train).min(axis=1)))
            start = time.perf_counter()
            for name, (setting, draw) in samplers(X_fit, X_tune, binary, seed, quick, tuning_radius).items():
                try:
                    S = draw(len(X_test))
                    p, r = precision_recall(S, X_test, radius)
                    distance = float(energy_distance(S, X_test))
                except FloatingPointError:  # reported as a failure, not left out
                    p = r = distance = float("nan")
                rows.append({"set": set_name, "seed": seed, "method": name, "setting": setting, "radius": radius,
                             "binary": binary, "energy_distance": distance, "precision": p, "recall": r})
            print(f"  {set_name} seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    blocks = tables({"samples": rows})
    print("\n" + blocks["samples"] + "\n\n" + blocks["samples-paired"], flush=True)
    return rows


# ------------------------------------------------------------------------- report
SCORE_METHODS = ("DAE log_density_gradient", "KDE, bandwidth σ", "KDE, CV bandwidth smoothed by σ")
ANNEALED = "DAE annealed Langevin (σ 0.4, 0.2, 0.1), denoise_last"
GOAL = (0.8, 0.9)  # the 2-D goal: precision and recall at r = 0.1
COMPARISONS = (  # (method, reference) pairs the docs discuss, on every set that has both
    ("DAE Langevin, denoise_last", "DAE chain"),
    (ANNEALED, "DAE Langevin, denoise_last"),
    (ANNEALED, "VAE.sample"),
    (ANNEALED, "GaussianMixture(2)"),
    (ANNEALED, "GaussianMixture(BIC)"),
    (ANNEALED, "KernelDensity(CV)"),
    ("DAE chain", "VAE.sample"),
    ("DAE chain", "GaussianMixture(BIC)"),
    ("DAE chain", "BernoulliRBM Gibbs"),
)


def _spread(values, digits=3):
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def _score_block(rows):
    lines = ["| data | σ | DAE | KDE, bandwidth σ | KDE, CV bandwidth smoothed by σ | DAE minus KDE, bandwidth σ | "
             "DAE minus KDE, CV bandwidth |", "|---|---|---|---|---|---|---|"]
    for dim in dict.fromkeys(r["dim"] for r in rows):
        for sigma in dict.fromkeys(r["sigma"] for r in rows if r["dim"] == dim):
            cell = {r["method"]: r["errors"] for r in rows if r["dim"] == dim and r["sigma"] == sigma}
            changes = [paired_interval(cell[SCORE_METHODS[0]], cell[m], higher_is_better=False).format(digits=3)
                       for m in SCORE_METHODS[1:]]
            name = "ring of 8, 2-D" if dim == 2 else f"4 modes, {dim}-D"
            lines.append(f"| {name} | {sigma:g} | " + " | ".join(_spread(cell[m]) for m in SCORE_METHODS)
                         + " | " + " | ".join(changes) + " |")
    return "\n".join(lines)


def _by_set(rows):
    """``{set: {method: [row per seed, by seed]}}`` in the order the rows were written."""
    out = {}
    for r in rows:
        out.setdefault(r["set"], {}).setdefault(r["method"], []).append(r)
    for methods in out.values():
        for cell in methods.values():
            cell.sort(key=lambda r: r["seed"])
    return out


def _samples_block(rows):
    lines = ["| data | method | settings chosen | energy distance | precision | recall | "
             f"seeds with precision ≥ {GOAL[0]} and recall ≥ {GOAL[1]} (2-D goal) |", "|---|---|---|---|---|---|---|"]
    for set_name, methods in _by_set(rows).items():
        for method, cell in methods.items():
            binary = cell[0].get("binary", set_name == "binarized digits")
            if binary and method.endswith("denoise_last"):  # probabilities, not samples: not comparable
                continue
            goal = "–" if binary else \
                f"{sum(r['precision'] >= GOAL[0] and r['recall'] >= GOAL[1] for r in cell)}/{len(cell)}"
            chosen = ", ".join(dict.fromkeys(str(r["setting"]) for r in cell))
            lines.append(f"| {set_name} (r={cell[0]['radius']:.2f}) | {method} | {chosen} | "
                         + " | ".join(_spread([r[k] for r in cell]) for k in ("energy_distance", "precision", "recall"))
                         + f" | {goal} |")
    return "\n".join(lines)


def _paired_block(rows):
    lines = ["| data | method | minus | energy distance (lower is better) | precision | recall |",
             "|---|---|---|---|---|---|"]
    for set_name, methods in _by_set(rows).items():
        for method, reference in COMPARISONS:
            if method not in methods or reference not in methods:
                continue
            a, b = methods[method], methods[reference]
            if [r["seed"] for r in a] != [r["seed"] for r in b]:
                raise ValueError(f"{set_name}: {method} and {reference} were run on different seeds")
            cells = []
            for key in ("energy_distance", "precision", "recall"):
                values, base = [r[key] for r in a], [r[key] for r in b]
                if np.isnan(values + base).any():  # a chain diverged on some seed: no interval
                    cells.append("– (a chain diverged)")
                    continue
                change = paired_interval(values, base, higher_is_better=key != "energy_distance")
                cells.append(change.format(digits=3))
            lines.append(f"| {set_name} | {method} | {reference} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(result):
    """Markdown blocks for ``benchmarks/report.py``, from the JSON alone.

    Parameters
    ----------
    result : dict
        What this script writes: ``"score"`` and/or ``"samples"``, lists of rows.

    Returns
    -------
    dict of str to str
        ``"score"``: relative error of each score estimate (mean ± sd over seeds) and the DAE's
        error minus each KDE's, paired by seed (95% interval; lower is better).
        ``"samples"``: energy distance, precision and recall of each sampler against held-out
        rows, the settings chosen on the tuning rows, and how many seeds meet the 2-D goal
        (``denoise_last`` rows of binary sets are left out: they hold probabilities, not samples).
        ``"samples-paired"``: the differences the docs discuss, paired by seed.
        Only the blocks whose part of the benchmark was run.
    """
    blocks = {}
    if "score" in result:
        blocks["score"] = _score_block(result["score"])
    if "samples" in result:
        blocks["samples"] = _samples_block(result["samples"])
        blocks["samples-paired"] = _paired_block(result["samples"])
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small data, few epochs, 1 seed: a smoke run")
    parser.add_argument("--tables", default=",".join(TABLES), help="comma-separated parts to run: score, samples")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None,
                        help="the JSON to write; default results/bench_sampling.json for a full run, "
                             "results/bench_sampling_<parts>.json for a partial one")
    args = parser.parse_args()
    parts = args.tables.split(",")
    unknown = set(parts) - set(TABLES)
    if unknown:
        parser.error(f"--tables: unknown {sorted(unknown)}; choose from {list(TABLES)}")
    if args.out is None:
        partial = [p for p in TABLES if p in parts] if set(parts) != set(TABLES) else []
        if "samples" in parts and list(args.sets) != list(SETS):
            partial.append("-".join(s.replace(" ", "-") for s in args.sets))
        name = "_".join(["bench_sampling", *partial]) + ".json"
        args.out = os.path.join(os.path.dirname(__file__), "results", name)
    torch.set_num_threads(args.threads)
    seeds = 1 if args.quick else args.seeds
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    result = {"meta": machine(seeds=seeds, quick=args.quick, threads=args.threads, tables=parts, sets=args.sets)}
    if "score" in parts:
        result["score"] = score_table(seeds, args.quick)
    if "samples" in parts:
        result["samples"] = samples_table(args.sets, seeds, args.quick)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
