"""How ``DenoisingAutoencoder()``'s defaults were chosen: a tuning suite, against a time budget.

The suite holds only generated data that no other benchmark reports for the DAE's features (those are
reported on digits, MNIST-1D, breast cancer and wine by ``bench_features.py``):

- rectangles and convex (Larochelle et al.'s tasks, 28 x 28 binary images, generated);
- a ``make_classification`` table (40 features, 3 clusters per class) and a ``make_gaussian_quantiles``
  table (20 features, 4 classes whose boundaries are spheres), standardised on the training split.

Each set: 2,000 training rows and 1,000 held-out rows (one seed). Each candidate configuration of
``DenoisingAutoencoder`` (``n_components`` x ``lr`` x ``batch_size`` x ``max_iter``, everything else at
its defaults, ``random_state=0``) is fitted on the training rows without labels and timed;
LogisticRegression(max_iter=2000) is fitted on its codes and scored on the held-out rows. The budget is
issue 29's goal: a fit in at most twice the time of ``BernoulliRBM(n_iter=10)`` (its other settings at
their defaults, on the min-max-scaled set) on the same set, timed in the same run.

The rule: among the configurations within the budget on at least 3 of the 4 sets, the one with the
highest mean held-out accuracy; the current defaults are a row of the table whatever their time.

``--validate`` then checks the choice on the data ``bench_features.py`` reports (digits, MNIST-1D,
breast cancer, wine, its splits and scaling), which took no part in it: the chosen configuration against
the defaults before, LogisticRegression(max_iter=2000) on the codes, paired over folds or seeds
(``_stats.paired_interval``, Nadeau & Bengio's correction for folds), and each fit's time against
``BernoulliRBM(n_iter=10)``'s on the same split. It adds a ``validation`` section to the JSON.

Usage:  python benchmarks/bench_defaults.py [--quick]; python benchmarks/bench_defaults.py --validate
Writes benchmarks/results/bench_defaults.json.
"""

import argparse
import itertools
import json
import os
import statistics
import time
import warnings

import numpy as np
import torch
from _report import machine, write_json
from sklearn.datasets import make_classification, make_gaussian_quantiles
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skae import DenoisingAutoencoder
from skae.datasets import make_convex, make_rectangles

N_TRAIN, N_TEST, BUDGET = 2000, 1000, 2.0
GRID = {"n_components": [64, 128, 256], "lr": [1e-3, 3e-3], "batch_size": [64, 200], "max_iter": [20, 50, 100]}
QUICK_GRID = {"n_components": [16], "lr": [1e-3], "batch_size": [64, 200], "max_iter": [2]}
CURRENT = {"n_components": 128, "lr": 1e-3, "batch_size": 64, "max_iter": 100}


def suite(quick):
    """{name: (X_train, y_train, X_test, y_test)}, images in [0, 1] and tables standardised."""
    n = 200 if quick else N_TRAIN + N_TEST
    train = n * 2 // 3
    sets = {}
    for name, make in (("rectangles", make_rectangles), ("convex", make_convex)):
        X, y = make(n, random_state=0)
        sets[name] = (X[:train], y[:train], X[train:], y[train:])
    tables = {
        "make_classification": make_classification(n, n_features=40, n_informative=12, n_redundant=8,
                                                   n_clusters_per_class=3, random_state=0),
        "gaussian_quantiles": make_gaussian_quantiles(n_samples=n, n_features=20, n_classes=4, random_state=0),
    }
    for name, (X, y) in tables.items():
        scaler = StandardScaler().fit(X[:train])
        sets[name] = (scaler.transform(X[:train]), y[:train], scaler.transform(X[train:]), y[train:])
    return sets


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


def score(model, data):
    X_train, y_train, X_test, y_test = data
    clf = LogisticRegression(max_iter=2000).fit(model.transform(X_train), y_train)
    return float(clf.score(model.transform(X_test), y_test))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (not a result)")
    parser.add_argument("--validate", action="store_true", help="check the recorded choice on the reported sets")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_defaults.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.validate:
        return validate(args.out, args.quick)
    grid = QUICK_GRID if args.quick else GRID
    configs = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    if not args.quick and CURRENT not in configs:
        configs.append(CURRENT)
    result = {"meta": machine(threads=1, quick=args.quick), "budget": BUDGET, "sets": {}, "configs": configs}
    warm = np.random.RandomState(0).uniform(size=(64, 8))  # one-time costs (first optimiser, imports) untimed
    BernoulliRBM(n_iter=1).fit(warm)
    DenoisingAutoencoder(4, max_iter=1, device="cpu").fit(warm)
    for name, data in suite(args.quick).items():
        X_train = data[0]
        scaler = MinMaxScaler().fit(X_train)
        rbm, rbm_seconds = timed(lambda: BernoulliRBM(n_iter=10, random_state=0).fit(scaler.transform(X_train)))
        runs = []
        for config in configs:
            model, seconds = timed(lambda: DenoisingAutoencoder(random_state=0, device="cpu", **config).fit(X_train))
            runs.append({"seconds": seconds, "accuracy": score(model, data), "epochs": model.n_iter_})
            print(f"{name:>20} {config} {seconds:6.2f} s ({seconds / rbm_seconds:4.1f}x RBM) "
                  f"acc {runs[-1]['accuracy']:.3f}, {model.n_iter_} epochs", flush=True)
        result["sets"][name] = {"rbm_seconds": rbm_seconds, "runs": runs}
    result["chosen"] = choose(result)
    for block in tables(result).values():
        print(block)
    write_json(args.out, result)


def validate(path, quick):
    """Add the ``validation`` section (see the module docstring) to the JSON at ``path``."""
    from bench_features import SLUGS, splits

    with open(path) as f:
        result = json.load(f)
    chosen = result["configs"][result["chosen"]]
    candidates = {"defaults before": CURRENT, "the rule's choice": chosen}
    sections = {}
    for name in SLUGS:
        rows = {label: {"accuracy": [], "seconds": []} for label in candidates}
        rbm_seconds = []
        for seed, X_train, y_train, X_test, y_test in splits(name, quick):
            scaler = MinMaxScaler().fit(X_train)
            rbm_seconds.append(timed(lambda: BernoulliRBM(n_iter=10, random_state=seed).fit(
                scaler.transform(X_train).clip(0, 1)))[1])
            for label, config in candidates.items():
                settings = {**config, "max_iter": 2} if quick else config
                model, seconds = timed(lambda: DenoisingAutoencoder(random_state=seed, device="cpu", **settings)
                                       .fit(X_train))
                rows[label]["seconds"].append(seconds)
                rows[label]["accuracy"].append(score(model, (X_train, y_train, X_test, y_test)))
        sections[name] = {"rbm_seconds": rbm_seconds, "rows": rows, "folds": name != "MNIST-1D"}
        print(name, {k: round(statistics.mean(v["accuracy"]), 3) for k, v in rows.items()}, flush=True)
    result["validation"] = {"meta": machine(threads=1, quick=quick), "sets": sections}
    for block in tables(result).values():
        print(block)
    write_json(path, result)


def choose(result, reference="rbm_seconds", metric="accuracy"):
    """Index of the configuration the rule picks (see the module docstring); ``reference``: the budget's unit;
    ``metric``: the key of each run's score."""
    sets = list(result["sets"].values())

    def within(i):
        return sum(s["runs"][i]["seconds"] <= result["budget"] * s[reference] for s in sets)

    def accuracy(i):
        return statistics.mean(s["runs"][i][metric] for s in sets)

    needed = min(3, len(sets))
    eligible = [i for i in range(len(result["configs"])) if within(i) >= needed]
    return max(eligible, key=accuracy) if eligible else None


def _name(config):
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.items())


def tables(result, model="DenoisingAutoencoder", reference=("rbm_seconds", "`BernoulliRBM(n_iter=10)`", "RBM"),
           current=CURRENT, metric=("accuracy", "Held-out LogisticRegression accuracy on the codes", "acc.")):
    """The tuning suite's table (each configuration's mean score and time ratio, best first), the validation.

    ``reference``: the budget's unit, as (its key in each set, its name, its short name); ``metric``: the
    score, as (its key in each run, its description, its short name).
    """
    key, unit, short = reference
    metric_key, metric_text, metric_short = metric
    sets = result["sets"]
    names = list(sets)
    rows = []
    for i, config in enumerate(result["configs"]):
        accuracies = [sets[s]["runs"][i][metric_key] for s in names]
        ratios = [sets[s]["runs"][i]["seconds"] / sets[s][key] for s in names]
        rows.append((statistics.mean(accuracies), i, accuracies, ratios))
    rows.sort(key=lambda row: -row[0])
    chosen = result.get("chosen")
    lines = [f"{metric_text} and fit time ÷ {unit}'s, "
             f"per set; budget: {result['budget']:g}× the {short}'s time on at least 3 of the {len(names)} sets.", "",
             f"| {model} | mean {metric_short} | " + " | ".join(f"{s}: {metric_short}, × {short}" for s in names)
             + " | within budget |", "|---|---|" + "---|" * len(names) + "---|"]
    for mean, i, accuracies, ratios in rows:
        config = result["configs"][i]
        label = _name(config) + (" (the rule's choice)" if i == chosen else "") + (
            " (defaults before)" if config == current else "")
        cells = " | ".join(f"{a:.3f}, {r:.1f}×" for a, r in zip(accuracies, ratios))
        inside = sum(r <= result["budget"] for r in ratios)
        lines.append(f"| {label} | {mean:.3f} | {cells} | {inside} of {len(names)} |")
    blocks = {"table": "\n".join(lines)}
    if "validation" in result:
        blocks["validation"] = validation_table(result["validation"], reference=(key, short),
                                                metric=(metric_key, metric_short))
    return blocks


def validation_table(validation, reference=("rbm_seconds", "RBM"), metric=("accuracy", "acc.")):
    """The choice against the defaults before, on the reported sets."""
    from _stats import paired_interval

    key, short = reference
    metric_key, metric_short = metric
    lines = [f"| data | LR {metric_short}, defaults before | LR {metric_short}, the rule's choice | "
             f"choice − before (points) | fit ÷ {short}'s, before | fit ÷ {short}'s, choice |",
             "|---|---|---|---|---|---|"]
    for name, section in validation["sets"].items():
        before, after = section["rows"]["defaults before"], section["rows"]["the rule's choice"]
        diff = paired_interval(after[metric_key], before[metric_key],
                               test_fraction=0.25 if section["folds"] else None)
        rbm = statistics.mean(section[key])
        lines.append(f"| {name} | {100 * statistics.mean(before[metric_key]):.1f} | "
                     f"{100 * statistics.mean(after[metric_key]):.1f} | {diff.format(100)} | "
                     f"{statistics.mean(before['seconds']) / rbm:.1f}× | {statistics.mean(after['seconds']) / rbm:.1f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
