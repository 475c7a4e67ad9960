"""scikit-learn's PCA pipeline example with PCA swapped for ``DenoisingAutoencoder()``, recorded.

Runs ``examples/plot_pca_swap.py``: ``StandardScaler -> PCA -> LogisticRegression(max_iter=10000,
tol=0.1)`` on digits, ``GridSearchCV`` (5-fold) over ``n_components`` in {5, 15, 30, 45, 60} and ``C`` in
logspace(-4, 4, 4), once with ``PCA()`` at its defaults and once with ``DenoisingAutoencoder(random_state=0)``
at its defaults in the same step (its pipeline with a ``memory``, so that the grid over ``C`` reuses each
fitted autoencoder). Neither the autoencoder's defaults nor ``scale_codes`` were chosen on this example.

The best DAE configuration is compared with the best PCA configuration fold by fold: a paired 95%
interval with Nadeau & Bengio's correction (``_stats.paired_interval``). Both bests are picked on the
same folds they are scored on, as the gallery example does, so both are optimistic alike. The search
times are one run each.

Usage:  python benchmarks/bench_pca_swap.py
Writes benchmarks/results/bench_pca_swap.json.
"""

import argparse
import os

from _report import machine, run_example, write_json
from _stats import paired_interval

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "plot_pca_swap.py")
PCA, DAE = "PCA", "DenoisingAutoencoder"


def tables(result):
    """The user guide's block: the two searches side by side, the paired difference and the goals."""
    pca, dae = result[PCA], result[DAE]
    lines = ["| reducer | best CV accuracy (mean ± sd over folds) | best n_components, C | search s | "
             "× PCA's search time |", "|---|---|---|---|---|"]
    for name in (PCA, DAE):
        r = result[name]
        folds = r["best_folds"]
        mean = sum(folds) / len(folds)
        sd = (sum((f - mean) ** 2 for f in folds) / len(folds)) ** 0.5
        params = r["best_params"]
        lines.append(f"| {name} | {mean:.3f} ± {sd:.3f} | {params['pca__n_components']:.0f}, "
                     f"{params['logistic__C']:.3g} | {r['seconds']:.1f} | {r['seconds'] / pca['seconds']:.1f} |")
    diff = paired_interval(dae["best_folds"], pca["best_folds"], test_fraction=0.25)
    chance = sum(score < 0.2 for score in dae["mean_test_score"])
    lines += ["", f"Best DAE − best PCA, over the 5 folds: {diff.format(100)} points "
                  f"(paired 95% interval, Nadeau & Bengio's correction). Grid cells of the DAE's search at "
                  f"chance level (< 0.2): {chance} of {len(dae['mean_test_score'])}.",
              "", f"Goals (issue 34): best DAE accuracy ≥ PCA's: "
                  f"{'reached' if dae['best_score'] >= pca['best_score'] else 'not reached'} "
                  f"({dae['best_score']:.3f} against {pca['best_score']:.3f}); search ≤ 10× PCA's time: "
                  f"{'reached' if dae['seconds'] <= 10 * pca['seconds'] else 'not reached'} "
                  f"({dae['seconds'] / pca['seconds']:.1f}×, one run)."]
    return {"table": "\n".join(lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_pca_swap.json"))
    args = parser.parse_args()
    meta = machine(threads=1, quick=False)
    result = {"meta": meta, **run_example(EXAMPLE)}
    for block in tables(result).values():
        print(block)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
