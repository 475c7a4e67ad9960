"""The contractive and sparsity penalties, on tensors alone."""

import pytest
import torch
from torch import nn

from skae.modules import Autoencoder, ContractiveAutoencoder
from skae.nn.functional import _single_layer, jacobian_frobenius_sq
from skae.nn.losses import ContractivePenalty, SparsityPenalty, kl_sparsity, l1_sparsity


def reference_norms(encoder, x):
    """‖J‖²_F per row from torch.autograd.functional.jacobian, one row at a time."""
    return torch.stack(
        [torch.autograd.functional.jacobian(encoder, x[i]).square().sum() for i in range(len(x))]
    )


ENCODERS = {
    "sigmoid 1 layer (closed form)": lambda: Autoencoder(7, 5, activation="sigmoid").encoder,
    "tanh 1 layer (closed form)": lambda: Autoencoder(7, 5, activation="tanh").encoder,
    "relu 1 layer (closed form)": lambda: Autoencoder(7, 5, activation="relu").encoder,
    "softplus 1 layer (closed form)": lambda: Autoencoder(7, 5, activation="softplus").encoder,
    "identity 1 layer (closed form)": lambda: Autoencoder(7, 5, activation="identity").encoder,
    "gelu 1 layer (closed form from z)": lambda: Autoencoder(7, 5, activation="gelu").encoder,
    "elu 1 layer (closed form from z)": lambda: Autoencoder(7, 5, activation="elu").encoder,
    "leaky_relu 1 layer (closed form from z)": lambda: Autoencoder(7, 5, activation="leaky_relu").encoder,
    "softplus beta=2 threshold=1 (closed form from z)": lambda: nn.Sequential(
        nn.Linear(7, 5), nn.Softplus(beta=2, threshold=1)),
    "gelu tanh approximation (torch.func)": lambda: nn.Sequential(nn.Linear(7, 5), nn.GELU("tanh")),
    "sigmoid 2 layers (torch.func)": lambda: Autoencoder(7, 3, hidden_layer_sizes=(6,)).encoder,
    "wide code (torch.func)": lambda: Autoencoder(3, 9, hidden_layer_sizes=(4,), activation="elu").encoder,
}


def test_one_layer_encoders_take_the_closed_form():
    """The torch.func path is 16-85x slower; every elementwise activation skae offers avoids it."""
    for name, make in ENCODERS.items():
        assert (_single_layer(make()) is not None) == ("closed form" in name), name


@pytest.mark.parametrize("name", list(ENCODERS))
def test_jacobian_norm_is_exact(name):
    torch.manual_seed(0)
    encoder = ENCODERS[name]().double()
    n_in = encoder[0].in_features
    x = torch.randn(11, n_in, dtype=torch.float64)
    ours = jacobian_frobenius_sq(encoder, x)
    torch.testing.assert_close(ours, reference_norms(encoder, x), rtol=1e-10, atol=1e-12)
    # with the code passed in, as in training
    torch.testing.assert_close(jacobian_frobenius_sq(encoder, x, encoder(x)), ours)


def test_sigmoid_closed_form_is_the_papers_formula():
    torch.manual_seed(1)
    encoder = Autoencoder(6, 4).encoder.double()
    x = torch.rand(5, 6, dtype=torch.float64)
    h = encoder(x)
    W = encoder[0].weight
    formula = ((h * (1 - h)) ** 2 * (W**2).sum(dim=1)).sum(dim=1)
    torch.testing.assert_close(jacobian_frobenius_sq(encoder, x), formula)


@pytest.mark.parametrize("name", ["sigmoid 1 layer (closed form)", "sigmoid 2 layers (torch.func)"])
def test_penalty_gradient_matches_double_backward(name):
    torch.manual_seed(2)
    encoder = ENCODERS[name]().double()
    x = torch.randn(4, 7, dtype=torch.float64)
    ours = torch.autograd.grad(jacobian_frobenius_sq(encoder, x).mean(), encoder[0].weight)[0]
    ref_value = torch.stack(
        [torch.autograd.functional.jacobian(encoder, x[i], create_graph=True).square().sum() for i in range(4)]
    ).mean()
    ref = torch.autograd.grad(ref_value, encoder[0].weight)[0]
    torch.testing.assert_close(ours, ref)


def test_contractive_penalty_weights_the_batch_mean():
    torch.manual_seed(3)
    ae = ContractiveAutoencoder(6, 4).double()
    x = torch.rand(8, 6, dtype=torch.float64)
    output = ae(x)
    assert len(output) == 3  # (preactivation, code, jacobian norms), all from forward
    value = ContractivePenalty(0.3)(output)
    torch.testing.assert_close(value, 0.3 * jacobian_frobenius_sq(ae.encoder, x).mean())
    assert ContractivePenalty(0)(output) is None


def test_l1_and_kl_sparsity_formulas():
    code = torch.tensor([[0.1, 0.5], [0.3, 0.1]], dtype=torch.float64)
    assert l1_sparsity(-code).tolist() == pytest.approx([0.6, 0.4])
    rho, rho_hat = 0.05, torch.tensor([0.2, 0.3], dtype=torch.float64)
    expected = (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
    torch.testing.assert_close(kl_sparsity(code, rho), expected)
    # zero exactly at the target, positive elsewhere
    at_target = torch.full((4, 3), 0.05, dtype=torch.float64)
    assert kl_sparsity(at_target, 0.05).abs() < 1e-12
    assert kl_sparsity(torch.zeros(4, 3), 0.05).isfinite()


def test_sparsity_penalty_object():
    code = torch.rand(6, 3)
    y_pred = (None, code)
    torch.testing.assert_close(SparsityPenalty(0.2, "l1")(y_pred), 0.2 * code.sum(1).mean())
    torch.testing.assert_close(SparsityPenalty(0.2, "kl", 0.1)(y_pred), 0.2 * kl_sparsity(code, 0.1))
    assert SparsityPenalty(0.0)(y_pred) is None
    with pytest.raises(ValueError, match="Unknown sparsity penalty 'l2'"):
        SparsityPenalty(0.1, "l2")
