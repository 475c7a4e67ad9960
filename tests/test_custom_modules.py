"""encoder= / decoder= / input_shape=: your own torch modules behind the scikit-learn API."""

import json
import sys
import zipfile

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from torch import nn

import skae
from skae import ContractiveAE, DenoisingAutoencoder, SparseAE
from skae.io.persistence import _header_hash
from skae.modules import ConvDecoder, ConvEncoder

CONV = dict(encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 8, 8), encoder__channels=(4, 8),
            decoder__channels=(4, 8), max_iter=3, random_state=0)


class TinyEncoder(nn.Module):
    """A user's module: takes the sizes skae knows by name, plus its own argument."""

    def __init__(self, n_features, n_components, width=12):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, width), nn.Tanh(), nn.Linear(width, n_components))

    def forward(self, x):
        return self.net(x)


class AnyDecoder(nn.Module):
    """Takes whatever it is given through **kwargs."""

    def __init__(self, **sizes):
        super().__init__()
        self.sizes = sizes
        self.net = nn.Linear(sizes["n_components"], sizes["n_features"])

    def forward(self, z):
        return self.net(z)


def test_a_conv_dae_fits_transforms_and_reproduces(small_digits):
    X, _ = small_digits
    dae = DenoisingAutoencoder(16, **CONV).fit(X)
    Z = dae.transform(X)
    assert Z.shape == (300, 16) and dae.inverse_transform(Z).shape == (300, 64)
    assert np.all((dae.inverse_transform(Z) >= 0) & (dae.inverse_transform(Z) <= 1))  # sigmoid output
    assert isinstance(dae.net_.module_.encoder[1], ConvEncoder)  # rows reshaped, then the user's class
    again = DenoisingAutoencoder(16, **CONV).fit(X)
    np.testing.assert_array_equal(again.transform(X), Z)  # random_state seeds the modules' own init
    other = DenoisingAutoencoder(16, **{**CONV, "random_state": 1}).fit(X)
    assert not np.array_equal(other.transform(X), Z)
    assert dae.score(X) > DenoisingAutoencoder(16, **{**CONV, "max_iter": 1}).fit(X).score(X)  # it learns


def test_routed_parameters_are_params_set_params_clone_and_grid_search(small_digits):
    X, y = small_digits
    dae = DenoisingAutoencoder(16, **CONV)
    params = dae.get_params()
    assert params["encoder__channels"] == (4, 8) and params["encoder"] is ConvEncoder
    assert vars(dae).keys() == params.keys() - {k for k in params if k.startswith("corruption__")}
    copy = clone(dae)
    assert copy.get_params()["decoder__channels"] == (4, 8)
    copy.set_params(encoder__channels=(2, 4), decoder__channels=(2, 4)).fit(X)
    assert copy.net_.module_.encoder[1].convs[0].out_channels == 2 and dae.encoder__channels == (4, 8)
    pipe = Pipeline([("dae", dae), ("clf", SVC())])
    search = GridSearchCV(pipe, {"dae__encoder__channels": [(2, 4), (4, 8)]}, cv=2).fit(X, y)
    assert search.best_params_["dae__encoder__channels"] in [(2, 4), (4, 8)]
    typo = DenoisingAutoencoder(chanels=3)  # sklearn: __init__ and set_params never raise
    with pytest.raises(TypeError, match="unexpected parameters \\['chanels'\\]"):
        typo.fit(X)


def test_user_modules_get_the_sizes_they_ask_for(small_digits):
    X, _ = small_digits
    dae = DenoisingAutoencoder(6, encoder=TinyEncoder, encoder__width=20, decoder=AnyDecoder,
                               max_iter=2, random_state=0).fit(X)
    module = dae.net_.module_
    assert module.encoder.net[0].out_features == 20
    assert module.decoder.layers.sizes == {"n_features": 64, "n_components": 6}  # no input_shape: not set
    # an MLP decoder mirrors hidden_layer_sizes behind a custom encoder
    mixed = SparseAE(6, encoder=TinyEncoder, hidden_layer_sizes=(10,), max_iter=1, random_state=0).fit(X)
    assert [m.out_features for m in mixed.net_.module_.decoder.modules() if isinstance(m, nn.Linear)] == [10, 64]


def test_mnist1d_shaped_signals_with_the_1d_pair():
    X = np.random.RandomState(0).normal(size=(64, 40))
    dae = DenoisingAutoencoder(8, encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 40),
                               corruption=None, max_iter=2, random_state=0).fit(X)
    assert dae.loss_ == "squared_error" and dae.transform(X).shape == (64, 8)
    assert isinstance(dae.net_.module_.encoder[1].convs[0], nn.Conv1d)


def test_the_contractive_penalty_is_the_exact_jacobian_of_a_custom_encoder(small_digits):
    X, _ = small_digits
    cae = ContractiveAE(5, encoder=ConvEncoder, input_shape=(1, 8, 8), encoder__channels=(3, 4),
                        max_iter=2, random_state=0).fit(X)
    module = cae.net_.module_.double()
    x = torch.as_tensor(X[:4], dtype=torch.float64)
    norms = module(x)[2]
    exact = [torch.autograd.functional.jacobian(module.encoder, row).square().sum() for row in x]
    torch.testing.assert_close(norms, torch.stack(exact), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(encoder=ConvEncoder(4, input_shape=(1, 8, 8))), TypeError, "must be a torch.nn.Module class.*ConvEncoder"),
    (dict(encoder="conv"), TypeError, "None \\(the MLP\\) or a torch.nn.Module subclass"),
    (dict(encoder=TinyEncoder, encoder__width=3, n_components=4, decoder=ConvDecoder, input_shape=(1, 8, 9)),
     ValueError, "holds 72 values per row, but X has 64 features"),
    (dict(encoder__width=3), ValueError, "encoder is None"),
    (dict(input_shape=(1, 8, 8)), ValueError, "input_shape is for custom encoder/decoder modules"),
    (dict(encoder=nn.Identity), ValueError, "returned codes of shape \\(2, 64\\); .* \\(2, 4\\)"),
    (dict(decoder=nn.Identity), ValueError, "returned reconstructions of shape \\(2, 4\\).*64 values per row"),
    (dict(encoder=TinyEncoder, encoder__depth=2), TypeError, "encoder=TinyEncoder could not be built"),
])
def test_bad_modules_are_clear_errors_at_fit(small_digits, kwargs, error, match):
    X, _ = small_digits
    est = DenoisingAutoencoder(**{"n_components": 4, "max_iter": 1, **kwargs})
    with pytest.raises(error, match=match):
        est.fit(X)
    assert not hasattr(est, "net_")


def test_save_and_load_custom_modules_only_when_trusted(small_digits, tmp_path):
    X, _ = small_digits
    conv = DenoisingAutoencoder(16, **CONV).fit(X)
    skae.save(conv, tmp_path / "conv.skae")  # skae's own classes are trusted
    np.testing.assert_array_equal(skae.load(tmp_path / "conv.skae").transform(X), conv.transform(X))

    user = DenoisingAutoencoder(6, encoder=TinyEncoder, encoder__width=9, max_iter=2, random_state=0).fit(X)
    skae.save(user, tmp_path / "user.skae")
    with pytest.raises(ValueError, match="TinyEncoder.*not trusted.*trusted=\\[TinyEncoder\\]"):
        skae.load(tmp_path / "user.skae")
    loaded = skae.load(tmp_path / "user.skae", trusted=[TinyEncoder])
    np.testing.assert_array_equal(loaded.transform(X), user.transform(X))
    assert loaded.get_params()["encoder__width"] == 9

    # a file naming any other class is refused without importing it
    with zipfile.ZipFile(tmp_path / "user.skae") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    meta = json.loads(members["skae.json"])
    meta["params"]["encoder"] = {"__module_class__": "skae_evil_module_xyz.Payload"}
    meta["header_sha256"] = _header_hash(meta)  # a careful attacker recomputes the header's hash
    with zipfile.ZipFile(tmp_path / "evil.skae", "w") as zf:
        zf.writestr("skae.json", json.dumps(meta))
        zf.writestr("tensors.safetensors", members["tensors.safetensors"])
    with pytest.raises(ValueError, match="skae_evil_module_xyz.Payload.*not trusted"):
        skae.load(tmp_path / "evil.skae", trusted=[TinyEncoder])
    assert "skae_evil_module_xyz" not in sys.modules
    with pytest.raises(TypeError, match="trusted must list torch.nn.Module classes"):
        skae.load(tmp_path / "user.skae", trusted=["TinyEncoder"])


class PairEncoder(nn.Module):
    """Returns the posterior parameters as a pair."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.mean = nn.Linear(n_features, n_components // 2)
        self.log_var = nn.Linear(n_features, n_components // 2)

    def forward(self, x):
        return self.mean(x), self.log_var(x)


def test_vae_and_dvae_take_custom_encoders_that_give_posterior_parameters(small_digits, tmp_path):
    X = (small_digits[0] > 0.5).astype(np.float64)
    vae = skae.VAE(4, encoder=ConvEncoder, decoder=ConvDecoder, input_shape=(1, 8, 8), encoder__channels=(4, 8),
                   decoder__channels=(4, 8), max_iter=3, random_state=0).fit(X)
    module = vae.net_.module_
    assert module.encoder.module[1].code.out_features == 8  # ConvEncoder built with 2 x n_components
    mu, log_var = module.encoder(torch.as_tensor(X[:5], dtype=torch.float32))
    np.testing.assert_allclose(vae.transform(X[:5]), mu.detach().numpy(), atol=1e-6)  # codes: the mean (f64 vs f32)
    assert np.isfinite(vae.score(X)) and vae.sample(2, random_state=0).shape == (2, 64)
    skae.save(vae, tmp_path / "vae.skae")
    np.testing.assert_array_equal(skae.load(tmp_path / "vae.skae").transform(X), vae.transform(X))

    pair = skae.DVAE(4, encoder=PairEncoder, max_iter=2, random_state=0).fit(X)
    assert pair.transform(X).shape == (300, 4)
    assert clone(pair).get_params()["encoder"] is PairEncoder
    with pytest.raises(ValueError, match="must return posterior parameters.*2 \\* n_components = 8.*\\(2, 4\\)"):
        skae.VAE(4, encoder=TinyEncoder, encoder__n_components=4, max_iter=1).fit(X)


class SeededLayer(nn.Module):
    """A layer skae does not know, whose reset_parameters draws from torch's global generator."""

    def __init__(self, width):
        super().__init__()
        self.scale = nn.Parameter(torch.empty(width))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.scale, 1.0, 0.1)

    def forward(self, x):
        return x * self.scale


class EncoderWithSeededLayer(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, n_components), SeededLayer(n_components))

    def forward(self, x):
        return self.net(x)


def test_custom_modules_are_initialised_without_reseeding_torchs_global_rng(small_digits, monkeypatch):
    """Bug: custom modules were initialised under torch.manual_seed (which also reseeds every CUDA
    generator, which fork_rng(devices=[]) does not restore)."""
    def forbidden(*args, **kwargs):
        raise AssertionError("torch's global generators were reseeded")

    monkeypatch.setattr(torch, "manual_seed", forbidden)
    monkeypatch.setattr(torch.cuda, "manual_seed_all", forbidden)
    monkeypatch.setattr(torch.cuda, "manual_seed", forbidden)
    X = small_digits[0]
    state = torch.get_rng_state()
    for kwargs in (CONV, dict(encoder=EncoderWithSeededLayer, max_iter=2, random_state=0)):
        a = DenoisingAutoencoder(4, **kwargs).fit(X)
        b = DenoisingAutoencoder(4, **kwargs).fit(X)
        np.testing.assert_array_equal(a.transform(X), b.transform(X))  # seeded by random_state
    assert torch.equal(torch.get_rng_state(), state)  # the global CPU generator is as it was
    c = DenoisingAutoencoder(4, **{**CONV, "random_state": 1}).fit(X)
    assert not np.array_equal(c.transform(X), a.transform(X))


def test_seeded_reset_draws_what_torchs_own_reset_draws_after_manual_seed():
    from skae.nn.init import seeded_reset_parameters

    def build():
        return nn.Sequential(nn.Linear(5, 4), nn.Conv1d(1, 2, 3), nn.ConvTranspose2d(2, 1, 3), SeededLayer(4))

    with torch.random.fork_rng(devices=[]):
        reference = build()
        torch.manual_seed(123)
        for layer in reference.modules():
            if layer is not reference and hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    ours = seeded_reset_parameters(build(), torch.Generator().manual_seed(123))
    for (name, p), q in zip(reference.named_parameters(), ours.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0, msg=name)
