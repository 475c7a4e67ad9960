"""Fingerprint the outputs of every estimator, to show that a refactor changes none.

Fits each of skae's seven estimators in several configurations (early stopping,
deep encoders, Gaussian likelihood, several corruptions per row, unlabeled
pretraining, ...) with a fixed ``random_state`` on CPU, then hashes the bytes
of what a user sees: ``transform``, ``inverse_transform``, ``score_samples``
(``predict_proba`` for the classifier), ``loss_curve_`` and ``n_iter_``, after
``fit``, after a later ``partial_fit``, and after a first ``partial_fit``.

Run it before and after a change and compare::

    python benchmarks/fingerprint.py --out before.json     # on the old commit
    python benchmarks/fingerprint.py --compare before.json # on the new one

With an editable install, ``import skae`` finds the installed checkout whatever the
current folder; for an old commit in another worktree, put it first on the path:
``PYTHONPATH=/tmp/old python benchmarks/fingerprint.py --out before.json``. The
script prints the ``skae`` it imported.

Exits non-zero when any output differs.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import torch
from sklearn.base import clone

import skae
from skae.datasets import load_digits_unit


def _hash(value):
    array = np.ascontiguousarray(np.asarray(value, dtype=np.float64))
    return hashlib.sha256(array.tobytes()).hexdigest()[:16]


def _configurations():
    X, y = load_digits_unit()
    X = X[:400]
    y = y[:400]
    binary = (X > 0.5).astype(float)
    standard = (X - X.mean(0)) / (X.std(0) + 0.1)
    small = dict(random_state=0, device="cpu", batch_size=64)
    m = skae.MaskingNoise(0.3)
    return [
        ("dae", skae.DenoisingAutoencoder(16, max_iter=3, corruption=m, **small), X, None),
        ("dae-deep-es", skae.DenoisingAutoencoder(8, hidden_layer_sizes=(24,), max_iter=4,
                                                  early_stopping=True, n_iter_no_change=2, **small), X, None),
        ("dae-gauss-sq", skae.DenoisingAutoencoder(8, corruption=skae.GaussianNoise(0.2), activation="tanh",
                                                   max_iter=3, **small), standard, None),
        ("dae-tied", skae.DenoisingAutoencoder(8, tied_weights=True, max_iter=2, **small), X, None),
        ("stacked", skae.StackedDAE(8, hidden_layer_sizes=(24,), max_iter=2, fine_tune_iter=2, **small), X, None),
        ("stacked-noft-list", skae.StackedDAE(8, hidden_layer_sizes=(24,), max_iter=2, fine_tune_iter=0,
                                              corruption=[m, skae.SaltAndPepperNoise(0.1)], **small), X, None),
        ("stacked-es", skae.StackedDAE(8, hidden_layer_sizes=(16,), max_iter=3, fine_tune_iter=3,
                                       early_stopping=True, **small), X, None),
        ("cae", skae.ContractiveAE(16, max_iter=3, **small), X, None),
        ("cae-deep", skae.ContractiveAE(8, hidden_layer_sizes=(16,), activation="tanh", max_iter=2,
                                        tied_weights=False, **small), X, None),
        ("sae-l1", skae.SparseAE(16, max_iter=3, **small), X, None),
        ("sae-kl", skae.SparseAE(16, sparsity_penalty="kl", activation="sigmoid", sparsity=0.1,
                                 max_iter=3, **small), X, None),
        ("vae", skae.VAE(4, hidden_layer_sizes=(32,), max_iter=3, **small), binary, None),
        ("vae-gauss-iwae", skae.VAE(4, hidden_layer_sizes=(32,), objective="iwae", n_samples=3,
                                    max_iter=3, **small), standard, None),
        ("vae-es", skae.VAE(4, hidden_layer_sizes=(16,), max_iter=3, early_stopping=True, **small), binary, None),
        ("dvae", skae.DVAE(4, hidden_layer_sizes=(32,), max_iter=3, n_corruptions=2, **small), binary, None),
        ("diwae", skae.DVAE(4, hidden_layer_sizes=(32,), objective="iwae", n_samples=2, max_iter=2,
                            **small), binary, None),
        ("sdac", skae.StackedDAEClassifier(8, hidden_layer_sizes=(16,), max_iter=2, fine_tune_iter=3,
                                           **small), X, y),
        ("sdac-es", skae.StackedDAEClassifier(8, hidden_layer_sizes=(16,), max_iter=2, fine_tune_iter=3,
                                              early_stopping=True, **small), X, y),
    ]


def _outputs(est, X):
    out = {}
    if isinstance(est, skae.StackedDAEClassifier):
        out["predict_proba"] = _hash(est.predict_proba(X))
        out["predict_proba32"] = _hash(est.predict_proba(X.astype(np.float32)))
    else:
        Z = est.transform(X)
        out["transform"] = _hash(Z)
        out["transform32"] = _hash(est.transform(X.astype(np.float32)))
        out["inverse_transform"] = _hash(est.inverse_transform(Z))
        out["score_samples"] = _hash(est.score_samples(X))
    out["loss_curve"] = _hash(est.loss_curve_)
    out["n_iter"] = int(est.n_iter_)
    return out


def fingerprint():
    torch.set_num_threads(1)
    results = {}
    for name, est, X, y in _configurations():
        fit_X, later = X[:300], X[300:]
        if y is None:
            est.fit(fit_X)
        else:
            est.fit(fit_X, y[:300])
        results[f"{name}/fit"] = _outputs(est, X)
        path = os.path.join(tempfile.mkdtemp(), "model.skae")
        skae.save(est, path)
        loaded = skae.load(path)
        results[f"{name}/load"] = _outputs(loaded, X)
        if y is None:
            loaded.partial_fit(later)
            results[f"{name}/load_partial_fit"] = _outputs(loaded, X)
            est.partial_fit(later)
            results[f"{name}/partial_fit"] = _outputs(est, X)
            first = clone(est).partial_fit(fit_X)
            results[f"{name}/first_partial_fit"] = _outputs(first, X)
        if isinstance(est, skae.VAE):
            results[f"{name}/log_likelihood"] = {"value": _hash(est.log_likelihood(X[:50], n_samples=20))}
            results[f"{name}/sample"] = {"value": _hash(est.sample(5, random_state=0))}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", help="compare with fingerprints in this JSON file")
    args = parser.parse_args()
    print(f"fingerprinting skae from {os.path.dirname(skae.__file__)}")
    results = fingerprint()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    if not args.compare:
        for key, value in results.items():
            print(key, value)
        return 0
    with open(args.compare) as f:
        before = json.load(f)
    differ = 0
    for key in sorted(set(before) | set(results)):
        old, new = before.get(key), results.get(key)
        if old == new:
            continue
        differ += 1
        changed = sorted(k for k in set(old or {}) | set(new or {}) if (old or {}).get(k) != (new or {}).get(k))
        print(f"DIFFERS {key}: {changed}")
    print(f"{len(results)} configurations x outputs compared; {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
