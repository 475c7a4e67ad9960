"""The README's main job, recorded: ``examples/digits_pipeline.py`` run as the README runs it.

Raw pixels vs. a plain autoencoder's and a DAE's codes under LogisticRegression and
SVC on sklearn digits, clean and with 25% of the test pixels masked, 5-fold CV; every
fold's score, and each feature map's difference to raw pixels as a paired 95% interval
over the folds (``_stats.paired_interval``, Nadeau & Bengio's correction).

Usage:  python benchmarks/bench_digits_pipeline.py
Writes benchmarks/results/bench_digits_pipeline.json (and the example's figure to a temporary folder).
"""

import argparse
import os

from _report import machine, run_example, write_json
from _stats import paired_interval

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "digits_pipeline.py")


def tables(result):
    """The README's block: accuracy over folds and the paired differences to raw pixels."""
    rows = result["rows"]
    lines = ["| features | classifier | clean | 25% masked | vs raw pixels, clean | vs raw pixels, 25% masked | "
             "AE fit s |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        raw = next(r for r in rows if r["features"] == "raw pixels" and r["classifier"] == row["classifier"])
        cells, versus = [], []
        for rate in ("0.0", "0.25"):
            folds = row["folds"][rate]
            mean = sum(folds) / len(folds)
            std = (sum((f - mean) ** 2 for f in folds) / len(folds)) ** 0.5
            cells.append(f"{100 * mean:.1f} ± {100 * std:.1f}")
            versus.append("" if row is raw else
                          paired_interval(folds, raw["folds"][rate], test_fraction=0.25).format(100))
        lines.append(f"| {row['features']} | {row['classifier']} | {' | '.join(cells)} | {' | '.join(versus)} | "
                     f"{row['fit_seconds']:.2f} |")
    return {"table": "\n".join(lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "bench_digits_pipeline.json"))
    args = parser.parse_args()
    meta = machine(threads=1, quick=False)
    result = {"meta": meta, **run_example(EXAMPLE, "--out", "{folder}")}
    write_json(args.out, result)


if __name__ == "__main__":
    main()
