"""skae.save / skae.load: identical round trips, and tampered files rejected without running code."""

import json
import pickle
import zipfile

import numpy as np
import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

import skae
from skae import (
    DVAE,
    VAE,
    ContractiveAE,
    DenoisingAutoencoder,
    GaussianNoise,
    MaskingNoise,
    SparseAE,
    StackedDAE,
    StackedDAEClassifier,
)
from skae.io.persistence import _header_hash

FAST = dict(max_iter=2, random_state=0)
ESTIMATORS = [
    DenoisingAutoencoder(8, corruption=GaussianNoise(0.1), tied_weights=True, **FAST),
    StackedDAE(8, hidden_layer_sizes=(16,), corruption=[MaskingNoise(0.2), None], fine_tune_iter=1, **FAST),
    ContractiveAE(8, hidden_layer_sizes=(12,), **FAST),
    SparseAE(8, sparsity_penalty="kl", activation="sigmoid", **FAST),
    VAE(4, objective="iwae", n_samples=2, **FAST),
    DVAE(4, n_corruptions=2, **FAST),
]


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:400], (X[:400] > 0.5).astype(np.float64), y[:400]


def _fit(est, data):
    X, Xb, y = data
    return est.fit(Xb if isinstance(est, VAE) else X), (Xb if isinstance(est, VAE) else X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_round_trip_gives_identical_outputs(estimator, data, tmp_path):
    est, X = _fit(estimator, data)
    path = tmp_path / "model.skae"
    skae.save(est, path)
    loaded = skae.load(path)
    assert type(loaded) is type(est)
    assert repr(loaded.get_params()) == repr(est.get_params())
    for method in ("transform", "score_samples"):
        np.testing.assert_array_equal(getattr(est, method)(X), getattr(loaded, method)(X))
    Z = est.transform(X)
    np.testing.assert_array_equal(est.inverse_transform(Z), loaded.inverse_transform(Z))
    for attr in ("n_features_in_", "n_iter_", "loss_curve_", "loss_"):
        assert getattr(loaded, attr) == getattr(est, attr)
    assert loaded.device_ == torch.device("cpu")
    loaded.partial_fit(X)  # and it trains on
    assert loaded.n_iter_ == est.n_iter_ + 1


def test_classifier_round_trip_with_string_labels(data, tmp_path):
    X, _, y = data
    labels = np.array(list("abcdefghij"))[y]
    clf = StackedDAEClassifier(8, hidden_layer_sizes=(16,), fine_tune_iter=2, **FAST).fit(X, labels)
    skae.save(clf, tmp_path / "clf.skae")
    loaded = skae.load(tmp_path / "clf.skae", device="cpu")
    np.testing.assert_array_equal(clf.predict_proba(X), loaded.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(X), loaded.predict(X))
    assert list(loaded.classes_) == list("abcdefghij")


def test_dataframe_names_survive(data, tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(data[0], columns=[f"px{i}" for i in range(64)])
    est = DenoisingAutoencoder(4, **FAST).fit(df)
    skae.save(est, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    assert list(loaded.feature_names_in_) == list(df.columns)
    np.testing.assert_array_equal(loaded.transform(df), est.transform(df))
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(df.rename(columns={"px0": "x"}))


def test_save_refuses_unfitted_and_unregistered_objects(data, tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        skae.save(DenoisingAutoencoder(), tmp_path / "m.skae")

    class NotACorruption:  # a duck-typed corruption: no class of skae's registry
        def __init__(self, rate=0.2):
            self.rate = rate

        def __call__(self, X, generator=None):
            return X.clone()

        def get_params(self, deep=True):
            return {"rate": self.rate}

        def set_params(self, **params):
            return self

    est = DenoisingAutoencoder(4, corruption=NotACorruption(), **FAST).fit(data[0])
    with pytest.raises(ValueError, match="Cannot save corruption="):
        skae.save(est, tmp_path / "m.skae")


def test_a_corruption_subclass_registers_itself_and_round_trips(data, tmp_path):
    class MyNoise(MaskingNoise):
        pass

    est = DenoisingAutoencoder(4, corruption=MyNoise(0.2), **FAST).fit(data[0])
    skae.save(est, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    assert type(loaded.corruption) is MyNoise and type(loaded.corruption_) is MyNoise
    np.testing.assert_array_equal(loaded.transform(data[0]), est.transform(data[0]))
    meta, blob = _read(tmp_path / "m.skae")
    meta["params"]["corruption"]["__corruption__"] = "somewhere.Else"  # a class this process never defined
    with pytest.raises(ValueError, match="Unknown corruption class 'somewhere.Else'"):
        skae.load(_write(tmp_path / "other.skae", meta, blob))


# ------------------------------------------------------------- tampering
@pytest.fixture()
def saved(data, tmp_path):
    est = DenoisingAutoencoder(8, **FAST).fit(data[0])
    path = tmp_path / "good.skae"
    skae.save(est, path)
    return path


def _read(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("skae.json")), zf.read("tensors.safetensors")


def _write(path, meta, blob, extra=None, rehash=True):
    """A model file from ``meta`` and ``blob``; ``rehash``: as a careful attacker, give the edited header its hash."""
    if rehash and isinstance(meta, dict) and "header_sha256" in meta:
        meta = {**meta, "header_sha256": _header_hash(meta)}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("skae.json", meta if isinstance(meta, str) else json.dumps(meta))
        zf.writestr("tensors.safetensors", blob)
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return path


def _retensor(meta, tensors):
    """Tensors and a header made consistent with each other (only deeper checks can object)."""
    import hashlib

    blob = st_save(tensors)
    meta["tensors_sha256"] = hashlib.sha256(blob).hexdigest()
    meta["tensors"] = {
        k: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "sha256": hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()}
        for k, t in tensors.items()
    }
    return meta, blob


class Exploit:
    """A pickle payload that would create a marker file if it were ever unpickled."""

    marker = None

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_is_rejected_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    Exploit.marker = str(marker)
    path = tmp_path / "evil.skae"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ValueError, match="not a zip archive"):
        skae.load(path)
    assert not marker.exists()


def test_a_pickle_member_inside_the_zip_is_rejected(saved, tmp_path):
    meta, blob = _read(saved)
    Exploit.marker = str(tmp_path / "pwned")
    path = _write(tmp_path / "evil.skae", meta, blob, extra={"data.pkl": pickle.dumps(Exploit())})
    with pytest.raises(ValueError, match="expected exactly the members"):
        skae.load(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("bad_class", ["Pipeline", "os.system", "NeuralNet", ""])
def test_unknown_class_is_rejected(saved, tmp_path, bad_class):
    meta, blob = _read(saved)
    meta["class"] = bad_class
    with pytest.raises(ValueError, match="unknown estimator class"):
        skae.load(_write(tmp_path / "x.skae", meta, blob))


def test_hash_mismatch_is_rejected(saved, tmp_path):
    meta, blob = _read(saved)
    tampered = bytearray(blob)
    tampered[-5] ^= 0xFF  # flip bits in the last weight
    with pytest.raises(ValueError, match="hash does not match"):
        skae.load(_write(tmp_path / "x.skae", meta, bytes(tampered)))
    # a per-tensor hash catches a consistent-looking blob with a changed weight
    tensors = st_load(blob)
    meta2, blob2 = _retensor(dict(meta), {k: v.clone() for k, v in tensors.items()})
    meta2["tensors"]["module.encoder.0.weight"]["sha256"] = "0" * 64
    with pytest.raises(ValueError, match="does not match its hash"):
        skae.load(_write(tmp_path / "y.skae", meta2, blob2))


def test_missing_and_extra_tensors_are_rejected(saved, tmp_path):
    meta, blob = _read(saved)
    tensors = st_load(blob)
    fewer = {k: v for k, v in tensors.items() if k != "module.decoder.layers.0.bias"}
    with pytest.raises(ValueError, match=r"missing \['decoder.layers.0.bias'\]"):
        skae.load(_write(tmp_path / "a.skae", *_retensor(dict(meta), fewer)))
    more = {**tensors, "module.backdoor": torch.zeros(3)}
    with pytest.raises(ValueError, match=r"extra \['backdoor'\]"):
        skae.load(_write(tmp_path / "b.skae", *_retensor(dict(meta), more)))
    stray = {**tensors, "backdoor": torch.zeros(3)}  # neither the module's nor a fitted array
    with pytest.raises(ValueError, match="neither the module's nor fitted arrays"):
        skae.load(_write(tmp_path / "b2.skae", *_retensor(dict(meta), stray)))
    # header and blob disagree
    meta3 = dict(meta)
    meta3["tensors"] = {k: v for k, v in meta["tensors"].items() if k != "module.encoder.0.bias"}
    with pytest.raises(ValueError, match="tensors differ from the header"):
        skae.load(_write(tmp_path / "c.skae", meta3, blob))


def test_wrong_shapes_and_dtypes_are_rejected(saved, tmp_path):
    meta, blob = _read(saved)
    tensors = st_load(blob)
    wrong = {**tensors, "module.encoder.0.weight": torch.zeros(9, 64)}
    with pytest.raises(ValueError, match=r"tensor 'encoder.0.weight' is \(9, 64\)"):
        skae.load(_write(tmp_path / "a.skae", *_retensor(dict(meta), wrong)))
    double = {**tensors, "module.encoder.0.bias": tensors["module.encoder.0.bias"].double()}
    with pytest.raises(ValueError, match="float64"):
        skae.load(_write(tmp_path / "b.skae", *_retensor(dict(meta), double)))


def test_tampered_parameters_are_rejected(saved, tmp_path):
    meta, blob = _read(saved)
    bigger = json.loads(json.dumps(meta))
    bigger["params"]["n_components"] = 16
    with pytest.raises(ValueError, match="do not fit|needs"):
        skae.load(_write(tmp_path / "a.skae", bigger, blob))
    bad = json.loads(json.dumps(meta))
    bad["params"]["corruption"] = {"__corruption__": "Popen", "params": {"args": "rm -rf /"}}
    with pytest.raises(ValueError, match="Unknown corruption class 'Popen'"):
        skae.load(_write(tmp_path / "b.skae", bad, blob))
    invalid = json.loads(json.dumps(meta))
    invalid["params"]["lr"] = -1
    with pytest.raises(ValueError, match="bad parameters"):
        skae.load(_write(tmp_path / "c.skae", invalid, blob))
    version = json.loads(json.dumps(meta))
    version["format_version"] = 99
    with pytest.raises(ValueError, match="format version 99"):
        skae.load(_write(tmp_path / "d.skae", version, blob))


def test_garbage_json_and_foreign_zip_are_rejected(saved, tmp_path):
    _, blob = _read(saved)
    path = tmp_path / "a.skae"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("skae.json", b"\x80not json")
        zf.writestr("tensors.safetensors", blob)
    with pytest.raises(ValueError, match="not UTF-8 text"):
        skae.load(path)
    with pytest.raises(ValueError, match="not valid JSON"):
        skae.load(_write(tmp_path / "c.skae", "{not json", blob))
    with pytest.raises(ValueError, match="no skae header"):
        skae.load(_write(tmp_path / "b.skae", {"format": "other"}, blob))


def test_fitted_arrays_are_stored_as_tensors_not_json_lists(data, tmp_path):
    est = DenoisingAutoencoder(8, **FAST).fit(data[0])
    skae.save(est, tmp_path / "m.skae")
    meta, blob = _read(tmp_path / "m.skae")
    tensors = st_load(blob)
    assert meta["format_version"] == 3
    for name in ("data_mean_", "data_std_", "training_sample_"):
        assert meta["fitted"][name]["__array__"] == f"fitted/{name}"
        np.testing.assert_array_equal(tensors[f"fitted/{name}"].numpy(), getattr(est, name))
    assert all(k.startswith(("module.", "fitted/")) for k in tensors)
    assert len(json.dumps(meta)) < 20_000  # 1,000 kept training rows would be ~1 MB of JSON text
    loaded = skae.load(tmp_path / "m.skae")
    np.testing.assert_array_equal(loaded.training_sample_, est.training_sample_)
    assert loaded.training_sample_.dtype == est.training_sample_.dtype


def test_a_file_of_format_2_still_loads(data, tmp_path):
    """Format 2 kept fitted arrays as JSON lists and the weights without the "module." prefix."""
    est = DenoisingAutoencoder(8, **FAST).fit(data[0])
    skae.save(est, tmp_path / "m.skae")
    meta, blob = _read(tmp_path / "m.skae")
    tensors = st_load(blob)
    weights = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}
    for name, value in meta["fitted"].items():
        if isinstance(value, dict) and isinstance(value.get("__array__"), str):
            value["__array__"] = tensors[value["__array__"]].numpy().tolist()
    meta["format_version"] = 2
    old = _write(tmp_path / "v2.skae", *_retensor(meta, weights))
    loaded = skae.load(old)
    np.testing.assert_array_equal(loaded.transform(data[0]), est.transform(data[0]))
    np.testing.assert_array_equal(loaded.data_mean_, est.data_mean_)


def test_a_fitted_array_missing_from_the_tensors_is_rejected(data, tmp_path):
    est = DenoisingAutoencoder(8, **FAST).fit(data[0])
    skae.save(est, tmp_path / "m.skae")
    meta, blob = _read(tmp_path / "m.skae")
    tensors = {k: v for k, v in st_load(blob).items() if k != "fitted/data_std_"}
    with pytest.raises(ValueError, match="fitted array 'fitted/data_std_' is missing"):
        skae.load(_write(tmp_path / "x.skae", *_retensor(meta, tensors)))


def test_a_save_that_fails_part_way_leaves_the_previous_file(data, tmp_path, monkeypatch):
    first = DenoisingAutoencoder(8, **FAST).fit(data[0])
    path = tmp_path / "m.skae"
    skae.save(first, path)
    second = DenoisingAutoencoder(4, **FAST).fit(data[0])
    original = zipfile.ZipFile.writestr

    def disk_full(self, name, payload, *args, **kwargs):
        if name == "tensors.safetensors":
            raise OSError(28, "No space left on device")
        return original(self, name, payload, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError, match="No space left"):
        skae.save(second, path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skae"]  # no temporary file left behind
    np.testing.assert_array_equal(skae.load(path).transform(data[0]), first.transform(data[0]))


# -------------------------------------------------- bounded loads (attacks)
def test_a_compressed_member_is_refused_before_it_is_read(saved, tmp_path):
    """A zip bomb: 64 MB of JSON compressed into a few KB would be inflated by a plain read."""
    import tracemalloc

    meta, blob = _read(saved)
    path = tmp_path / "bomb.skae"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("skae.json", json.dumps(meta) + " " * (64 * 2**20))
        zf.writestr("tensors.safetensors", blob)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    with pytest.raises(ValueError, match="member skae.json is compressed"):
        skae.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20  # nothing near the 64 MB was read


def test_a_header_declaring_a_network_bigger_than_its_weights_builds_nothing(saved, tmp_path):
    """A 30-layer, 3000-wide network declared next to a 64-8-64 network's weights (2.4 GB if built)."""
    import subprocess
    import sys

    meta, blob = _read(saved)
    meta["params"]["n_components"] = 3000
    meta["params"]["hidden_layer_sizes"] = {"__tuple__": [3000] * 30}
    path = _write(tmp_path / "big.skae", meta, blob)
    code = ("import resource, sys, skae\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n    skae.load(sys.argv[1])\nexcept ValueError as e:\n    print('refused:', e)\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                         check=True)
    refusal, grown_mb = run.stdout.strip().splitlines()
    assert "the weights do not fit a DenoisingAutoencoder" in refusal
    assert int(grown_mb) < 100  # MB; building the declared network takes 2,400


def test_deeply_nested_json_is_a_clear_error(saved, tmp_path):
    _, blob = _read(saved)
    with pytest.raises(ValueError, match="nests deeper than 64 levels"):
        skae.load(_write(tmp_path / "deep.skae", "[" * 100_000 + "]" * 100_000, blob))


def test_an_edited_header_is_refused_unless_rehashed_and_negative_sizes_are_clear_errors(saved, tmp_path):
    meta, blob = _read(saved)
    edited = json.loads(json.dumps(meta))
    edited["params"]["activation"] = "tanh"  # loads, with other outputs, if nothing checks the header
    with pytest.raises(ValueError, match="header .* was edited"):
        skae.load(_write(tmp_path / "a.skae", edited, blob, rehash=False))
    negative = json.loads(json.dumps(meta))
    negative["fitted"]["n_features_in_"] = -5
    with pytest.raises(ValueError, match="not a valid skae model file") as info:
        skae.load(_write(tmp_path / "b.skae", negative, blob))
    assert "negative" in str(info.value) or "do not fit" in str(info.value)


def test_load_refuses_a_class_the_caller_did_not_expect(saved):
    from skae import VAE

    assert isinstance(skae.load(saved, expected=DenoisingAutoencoder), DenoisingAutoencoder)
    assert isinstance(skae.load(saved, expected=(VAE, DenoisingAutoencoder)), DenoisingAutoencoder)
    with pytest.raises(ValueError, match="holds a DenoisingAutoencoder, not the VAE expected"):
        skae.load(saved, expected=VAE)
    with pytest.raises(TypeError, match="expected must be a class"):
        skae.load(saved, expected="VAE")


def test_every_flipped_byte_is_a_value_error_or_changes_nothing(saved, data, tmp_path):
    """Bug: byte flips raised zipfile.BadZipFile, where the docstring promises ValueError."""
    good = saved.read_bytes()
    reference = skae.load(saved).transform(data[0][:20])
    rng = np.random.RandomState(0)
    outcomes = {"refused": 0, "same": 0}
    for position in sorted(set(rng.randint(0, len(good), size=150)) | {0, 10, len(good) - 10, len(good) - 1}):
        flipped = bytearray(good)
        flipped[position] ^= 0xFF
        path = tmp_path / "flipped.skae"
        path.write_bytes(bytes(flipped))
        try:
            loaded = skae.load(path)
        except ValueError:
            outcomes["refused"] += 1
            continue
        np.testing.assert_array_equal(loaded.transform(data[0][:20]), reference)  # e.g. a timestamp byte
        outcomes["same"] += 1
    assert outcomes["refused"] > 100, outcomes


def test_a_string_array_declaring_a_huge_width_allocates_only_its_items(data, tmp_path):
    """A 3-item string array declaring 100 MB per item allocated 286 MB before any check."""
    import tracemalloc

    est = DenoisingAutoencoder(8, **FAST).fit(data[0])
    skae.save(est, tmp_path / "m.skae")
    meta, blob = _read(tmp_path / "m.skae")
    meta["fitted"]["padding_"] = {"__array__": ["a", "b", "c"], "dtype": "<U100000000"}
    tracemalloc.start()
    loaded = skae.load(_write(tmp_path / "wide.skae", meta, blob))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert loaded.padding_.tolist() == ["a", "b", "c"] and loaded.padding_.dtype.itemsize == 4
    assert peak < 64 * 2**20


def test_load_never_runs_the_module(small_digits, tmp_path, monkeypatch):
    """A crafted input_shape made the rebuilt conv module's check pass allocate without bound."""
    from skae.modules import ConvDecoder, ConvEncoder

    X = small_digits[0]
    est = DenoisingAutoencoder(4, encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 8, 8), max_iter=1,
                               random_state=0, device="cpu").fit(X)
    skae.save(est, tmp_path / "conv.skae")

    def forbidden(*args, **kwargs):
        raise AssertionError("load ran the module")

    monkeypatch.setattr("skae.models.custom.check_shapes", forbidden)
    np.testing.assert_array_equal(skae.load(tmp_path / "conv.skae").transform(X), est.transform(X))
    with pytest.raises(AssertionError, match="ran the module"):  # while fit does check the shapes
        DenoisingAutoencoder(4, encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 8, 8), max_iter=1).fit(X)


def test_a_crafted_central_directory_and_duplicate_members_are_value_errors(saved, tmp_path):
    good = saved.read_bytes()
    end = good.rindex(b"PK\x05\x06")  # the end-of-archive record; its offset field is at +16
    crafted = bytearray(good)
    crafted[end + 16:end + 20] = (0x7FFFFFF0).to_bytes(4, "little")
    path = tmp_path / "offset.skae"
    path.write_bytes(bytes(crafted))
    with pytest.raises(ValueError, match="offset.skae' is not a valid skae model file"):
        skae.load(path)
    meta, blob = _read(saved)
    path = tmp_path / "twice.skae"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "w") as zf:
        zf.writestr("skae.json", json.dumps(meta))
        zf.writestr("skae.json", json.dumps(meta))
        zf.writestr("tensors.safetensors", blob)
    with pytest.raises(ValueError, match="expected exactly the members"):
        skae.load(path)
    with pytest.raises(FileNotFoundError):  # the file system's own error stays itself
        skae.load(tmp_path / "missing.skae")


def test_a_file_saved_before_codes_were_scaled_loads_with_its_raw_codes(small_digits, tmp_path, monkeypatch):
    """A model saved by skae before ``scale_codes`` (no such parameter, no ``code_mean_``) must transform as
    it did when saved: the encoder's activations, not codes scaled by statistics it does not have."""
    X = small_digits[0]
    dae = DenoisingAutoencoder(n_components=8, max_iter=2, random_state=0, device="cpu").fit(X)
    raw = dae.set_params(scale_codes=False).transform(X)
    dae.set_params(scale_codes=True)
    # as the older version wrote it: no scale_codes parameter, no code statistics
    get_params = DenoisingAutoencoder.get_params
    with monkeypatch.context() as patch:
        patch.setattr(DenoisingAutoencoder, "get_params", lambda self, deep=True: {
            k: v for k, v in get_params(self, deep).items() if k != "scale_codes"})
        del dae.code_mean_, dae.code_scale_
        skae.save(dae, tmp_path / "old.skae")
    loaded = skae.load(tmp_path / "old.skae")
    assert loaded.scale_codes is False
    np.testing.assert_array_equal(loaded.transform(X), raw)
    fresh = skae.load(_save_fitted(tmp_path, X))  # a file of this version keeps its scaling
    assert fresh.scale_codes is True and np.allclose(fresh.transform(X).mean(axis=0), 0, atol=1e-5)


def _save_fitted(tmp_path, X):
    dae = DenoisingAutoencoder(n_components=8, max_iter=2, random_state=0, device="cpu").fit(X)
    skae.save(dae, tmp_path / "new.skae")
    return tmp_path / "new.skae"
