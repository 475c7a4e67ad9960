"""The torch-only modules and losses, on tensors alone."""

import subprocess
import sys

import pytest
import torch
from torch.nn import functional as F

from skae.modules import Autoencoder, TiedLinear
from skae.nn.init import build_without_global_rng, init_weights
from skae.nn.losses import ReconstructionLoss, reconstruction_loss


def test_torch_only_modules_import_neither_sklearn_nor_skorch():
    code = (
        "import sys; import skae.nn.corruption, skae.nn.layers, skae.nn.autoencoders, skae.nn.conv, "
        "skae.nn.losses, skae.nn.functional, skae.nn.init, skae.modules; "
        "bad = [m for m in ('sklearn', 'skorch') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    # Import skae.nn's modules (and skae.modules) without the package __init__ pulling in the rest.
    code = "import importlib.util, sys, types\n" + (
        "pkg = types.ModuleType('skae'); pkg.__path__ = [%r]; sys.modules['skae'] = pkg\n"
        % str(__import__("pathlib").Path(__file__).resolve().parents[1] / "skae")
    ) + code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_autoencoder_shapes_and_layers():
    ae = Autoencoder(n_features=10, n_components=3, hidden_layer_sizes=(7, 5), activation="relu")
    pre, code = ae(torch.randn(4, 10))
    assert pre.shape == (4, 10) and code.shape == (4, 3)
    enc = [m.weight.shape for m in ae.encoder if isinstance(m, torch.nn.Linear)]
    dec = [m.weight.shape for m in ae.decoder.layers if isinstance(m, torch.nn.Linear)]
    assert enc == [(7, 10), (5, 7), (3, 5)]
    assert dec == [(5, 3), (7, 5), (10, 7)]
    assert (code >= 0).all()  # the code goes through the activation too


def test_decoder_forward_applies_output_activation():
    ae = Autoencoder(n_features=6, n_components=2, output_activation="sigmoid")
    z = torch.randn(3, 2)
    assert torch.allclose(ae.decoder(z), torch.sigmoid(ae.decoder.preactivation(z)))


def test_tied_weights_share_the_parameter():
    ae = Autoencoder(n_features=8, n_components=3, hidden_layer_sizes=(5,), tied_weights=True)
    tied = [m for m in ae.decoder.layers if isinstance(m, TiedLinear)]
    enc = [m for m in ae.encoder if isinstance(m, torch.nn.Linear)]
    assert len(tied) == 2
    assert tied[0].weight is enc[1].weight and tied[1].weight is enc[0].weight
    # a tied model has fewer parameters: only decoder biases are its own
    untied = Autoencoder(n_features=8, n_components=3, hidden_layer_sizes=(5,))
    n_tied = sum(p.numel() for p in ae.parameters())
    n_untied = sum(p.numel() for p in untied.parameters())
    assert n_untied - n_tied == 8 * 5 + 5 * 3
    x = torch.randn(2, 3)
    assert tied[1](torch.randn(2, 5)).shape == (2, 8)
    assert torch.allclose(tied[0](x), x @ enc[1].weight + tied[0].bias)


def test_init_is_seeded_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a = init_weights(build_without_global_rng(Autoencoder, 20, 4), torch.Generator().manual_seed(3))
    b = init_weights(build_without_global_rng(Autoencoder, 20, 4), torch.Generator().manual_seed(3))
    c = init_weights(build_without_global_rng(Autoencoder, 20, 4), torch.Generator().manual_seed(4))
    assert torch.equal(state, torch.random.get_rng_state())
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["encoder.0.weight"], sc["encoder.0.weight"])
    # Glorot-uniform bound sqrt(6 / (fan_in + fan_out)), zero biases
    w = sa["encoder.0.weight"]
    assert w.abs().max() <= (6 / 24) ** 0.5 and w.abs().max() > 0.8 * (6 / 24) ** 0.5
    assert torch.count_nonzero(sa["encoder.0.bias"]) == 0


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        Autoencoder(n_features=3, n_components=2, activation="swish")


def test_cross_entropy_matches_the_formula():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 7, generator=g, dtype=torch.float64)
    x = torch.rand(5, 7, generator=g, dtype=torch.float64)
    p = torch.sigmoid(logits)
    manual = -(x * p.log() + (1 - x) * (1 - p).log()).sum(1)
    assert torch.allclose(reconstruction_loss(logits, x, "cross_entropy"), manual)
    # stable where the naive formula overflows
    big = torch.full((1, 3), 200.0)
    assert torch.isfinite(reconstruction_loss(big, torch.zeros(1, 3), "cross_entropy")).all()


def test_squared_error_is_summed_over_features_and_averaged_over_samples():
    out = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    x = torch.tensor([[0.0, 0.0], [0.0, 3.0]])
    assert reconstruction_loss(out, x, "squared_error").tolist() == [5.0, 9.0]
    assert ReconstructionLoss("squared_error")(out, x).item() == 7.0
    assert torch.isclose(
        ReconstructionLoss("cross_entropy")(out, x.clamp(0, 1)),
        F.binary_cross_entropy_with_logits(out, x.clamp(0, 1), reduction="sum") / 2,
    )


def test_unknown_loss_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown reconstruction loss 'l1'"):
        ReconstructionLoss("l1")
