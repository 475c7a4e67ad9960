"""The package's layout: nn <- engine <- models <- io, no import circle, old paths as aliases, a registry."""

import ast
import os
import subprocess
import sys
import traceback
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet

import skae
from skae.models.registry import registered_estimators

PACKAGE = Path(skae.__file__).resolve().parent
#: Layers, bottom first; a module may import its own layer and those below. The package's
#: top-level modules (__init__, modules, datasets, ...) gather the public names from every layer.
LAYERS = ["nn", "engine", "models", "io"]


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports():
    """{module: {skae modules and third-party roots it imports anywhere in its code, functions included}}."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module
                found.add(target)
                # `from . import x` / `from ..nn import conv` import submodules
                found.update(f"{target}.{alias.name}" for alias in node.names)
        known = {_module_name(p) for p in PACKAGE.rglob("*.py")}
        graph[name] = {t for t in found if t in known and t != name} | {
            t.split(".")[0] for t in found if not t.startswith("skae")}
    return graph


def _layer(module):
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_dependencies_point_one_way():
    graph = _imports()
    assert {"skae.nn.layers", "skae.engine.net", "skae.models.dae", "skae.io.persistence"} <= set(graph)
    upward = []
    for module, targets in graph.items():
        layer = _layer(module)
        if layer is None:
            continue
        for target in targets:
            if target.startswith("skae"):
                if _layer(target) is None and target not in ("skae._version",):
                    upward.append((module, target))  # a layer importing the package's facade
                elif _layer(target) is not None and _layer(target) > layer:
                    upward.append((module, target))
    assert upward == []
    for module, targets in graph.items():
        if _layer(module) == 0:  # torch only
            assert not targets & {"sklearn", "skorch", "scipy"}, (module, targets)
        if _layer(module) == 1:
            assert "sklearn" not in targets, module


def test_no_import_circle():
    graph = {m: {t for t in ts if t.startswith("skae")} for m, ts in _imports().items()}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if nxt == "skae" or node == "skae":  # the package itself imports everything; nothing imports it
                continue
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []
    assert not any("skae" in targets for module, targets in graph.items() if module != "skae")


@pytest.mark.parametrize("module", ["skae.nn.autoencoders", "skae.nn.conv", "skae.models.custom",
                                    "skae.models.stacked", "skae.io.checkpoint"])
def test_a_module_imported_first_in_a_fresh_process_works(module):
    """Bug: importing skae._modular or skae._custom first failed (modules.py <-> _modular.py)."""
    code = f"import importlib, sys; importlib.import_module({module!r}); print('ok')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


@pytest.mark.parametrize("old, new, name", [
    ("skae.losses", "skae.nn.losses", "ReconstructionLoss"),
    ("skae.corruption", "skae.nn.corruption", "MaskingNoise"),
    ("skae.dae", "skae.models.dae", "DenoisingAutoencoder"),
    ("skae.persistence", "skae.io.persistence", "save"),
    ("skae.parallel", "skae.engine.parallel", "data_parallel"),
])
def test_old_module_paths_are_deprecated_aliases(old, new, name):
    import importlib

    alias = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {new}"):
        value = getattr(alias, name)
    assert value is getattr(importlib.import_module(new), name)


def test_modules_stays_the_public_home_of_the_torch_modules():
    from skae.modules import Autoencoder, ConvDecoder, ConvEncoder, ModularAutoencoder

    assert ConvEncoder.__module__ == "skae.nn.conv" and Autoencoder.__module__ == "skae.nn.autoencoders"
    assert ConvDecoder and ModularAutoencoder


def test_every_public_estimator_is_registered_and_a_new_one_needs_no_edit_to_io(tmp_path, small_digits):
    public = [getattr(skae, n) for n in skae.__all__ if isinstance(getattr(skae, n), type)
              and issubclass(getattr(skae, n), BaseEstimator)]
    assert len(public) == 9
    assert all(registered_estimators()[cls.__name__] is cls for cls in public)

    class ShallowDAE(skae.DenoisingAutoencoder):
        """A user's model: registered by its import path when defined."""

    est = ShallowDAE(4, max_iter=2, random_state=0, device="cpu").fit(small_digits[0])
    skae.save(est, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    assert type(loaded) is ShallowDAE
    np.testing.assert_array_equal(loaded.transform(small_digits[0]), est.transform(small_digits[0]))


def _files_on_the_path_to_the_optimizer_step(est, X):
    """skae files holding the estimator's or the net's methods that run from fit to the first step."""
    import skae as package

    root = os.path.dirname(package.__file__)
    methods, stack_files = set(), set()

    def tracer(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            if isinstance(frame.f_locals.get("self"), (BaseEstimator, NeuralNet)):
                methods.add(os.path.relpath(frame.f_code.co_filename, root))

    step = torch.optim.Adam.step

    def first_step(optimizer, *args, **kwargs):
        sys.settrace(None)
        stack_files.update(os.path.relpath(f.filename, root) for f in traceback.extract_stack()
                           if f.filename.startswith(root))
        return step(optimizer, *args, **kwargs)

    torch.optim.Adam.step = first_step
    try:
        sys.settrace(tracer)
        est.fit(X)
    finally:
        sys.settrace(None)
        torch.optim.Adam.step = step
    return methods, stack_files


def test_tracing_fit_to_the_optimizer_step_touches_few_files(small_digits):
    methods, stack = _files_on_the_path_to_the_optimizer_step(
        skae.DenoisingAutoencoder(4, max_iter=1, random_state=0, device="cpu"), small_digits[0])
    assert stack <= methods
    assert methods == {"models/dae.py", "models/autoencoder.py", "models/base.py", "engine/net.py"}


def test_old_private_paths_resolve_so_that_old_pickles_load():
    import importlib

    from skae.engine.callbacks import DivergenceCheck
    from skae.engine.net import SkaeNet
    from skae.nn.conv import ConvEncoder

    with pytest.warns(DeprecationWarning, match="skae._net moved to skae.engine.net"):
        assert importlib.import_module("skae._net").SkaeNet is SkaeNet
    with pytest.warns(DeprecationWarning, match="skae._modular moved to skae.nn.conv"):
        assert importlib.import_module("skae._modular").ConvEncoder is ConvEncoder
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        importlib.import_module("skae._callbacks").Nothing
    import pickle

    old = DivergenceCheck()
    del old.__dict__["factor"]  # an instance pickled before the attribute existed
    assert pickle.loads(pickle.dumps(old)).factor == 1e3


def test_star_import_from_an_old_path_imports_the_new_modules_names():
    namespace = {}
    with pytest.warns(DeprecationWarning):
        exec("from skae.losses import *", namespace)
    assert "ReconstructionLoss" in namespace and "MaskedSquaredError" in namespace


def test_abstract_bases_are_not_registered():
    from skae.models.autoencoder import BaseAutoencoder
    from skae.models.base import TorchEstimator

    names = registered_estimators()
    assert "TorchEstimator" not in names and "BaseAutoencoder" not in names
    assert TorchEstimator and BaseAutoencoder and len(names) >= 9
