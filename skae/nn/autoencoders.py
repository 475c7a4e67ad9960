"""The autoencoder modules of skae's estimators (torch only, no training code).

Every module takes plain keyword arguments; weights are initialised explicitly
from a ``torch.Generator`` (:mod:`skae.nn.init`), so that seeding never touches
torch's global random state. :class:`ModularAutoencoder` assembles any encoder
and decoder (the estimators' ``encoder=`` / ``decoder=`` parameters) behind the
same flat ``(n_samples, n_features)`` tables as the MLPs; it also works on a
single unbatched row, as ``torch.func.vmap`` (the contractive penalty's exact
Jacobian) calls it.
"""

import math

import torch
from torch import nn

from .functional import jacobian_frobenius_sq
from .layers import FlattenTrailing, Reshape, Shift, TiedLinear, make_activation, mlp

__all__ = [
    "Decoder", "Autoencoder", "ContractiveAutoencoder", "StackedAutoencoder", "Classifier", "DenoisingClassifier",
    "GaussianEncoder",
    "VariationalAutoencoder", "ModularAutoencoder", "ContractiveModularAutoencoder", "PosteriorEncoder",
    "check_shapes",
]


class Decoder(nn.Module):
    """Maps codes back to data space.

    ``forward(z)`` gives the reconstruction in data space (the Bernoulli mean
    ``sigmoid(logits)`` for a cross-entropy model, the raw output otherwise);
    ``preactivation(z)`` gives the output before the output activation, which
    the losses use for numerical stability.
    """

    def __init__(self, layers, output_activation):
        super().__init__()
        self.layers = layers
        self.output_activation = output_activation

    def preactivation(self, z):  # (B, n_components) -> (B, n_features)
        return self.layers(z)

    def forward(self, z):
        return self.output_activation(self.layers(z))


class Autoencoder(nn.Module):
    """A multilayer perceptron autoencoder, decoder mirroring the encoder.

    Encoder: ``n_features -> *hidden_layer_sizes -> n_components``, with
    ``activation`` after every layer (so the code lies in the activation's
    range, e.g. (0, 1) for sigmoid, as in Vincent et al.). Decoder: the mirror
    image, with no activation on its last layer before ``output_activation``.

    Parameters
    ----------
    n_features : int
        Input width.
    n_components : int
        Code width.
    hidden_layer_sizes : tuple of int, default=()
        Encoder widths between input and code.
    activation : str, default="sigmoid"
        Hidden activation, a key of :data:`ACTIVATIONS`.
    output_activation : str, default="identity"
        Activation that maps the decoder's last layer to data space
        (``"sigmoid"`` for data in [0, 1] under cross-entropy).
    tied_weights : bool, default=False
        Decoder weights are the transposed encoder weights (W' = Wᵀ).
    input_offset : array-like of shape (n_features,) or None, default=None
        Subtracted from the input before the first layer (a :class:`Shift`);
        the reconstruction is of the input itself.

    Notes
    -----
    ``forward(x)`` returns ``(preactivation, code)``: the decoder's output before
    its output activation, shape ``(B, n_features)``, and the code, shape
    ``(B, n_components)``.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes=(),
        activation="sigmoid",
        output_activation="identity",
        tied_weights=False,
        input_offset=None,
    ):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_components]
        self.activation = activation

        self.encoder = mlp(sizes, activation)
        if input_offset is not None:
            self.encoder.insert(0, Shift(input_offset))
        linears = [m for m in self.encoder if isinstance(m, nn.Linear)]
        decoder_layers = []
        for i, linear in enumerate(reversed(linears)):
            if tied_weights:
                decoder_layers.append(TiedLinear(linear))
            else:
                decoder_layers.append(nn.Linear(linear.out_features, linear.in_features))
            if i < len(linears) - 1:
                decoder_layers.append(make_activation(activation))
        self.decoder = Decoder(nn.Sequential(*decoder_layers), make_activation(output_activation))

    def forward(self, x):  # (B, n_features) -> ((B, n_features), (B, n_components))
        code = self.encoder(x)
        return self.decoder.preactivation(code), code


class ContractiveAutoencoder(Autoencoder):
    """:class:`Autoencoder` whose ``forward`` also returns ‖J_f(x)‖²_F per sample.

    ``forward(x)`` returns ``(preactivation, code, jacobian_norms)``, the
    exact squared Frobenius norm of the encoder Jacobian at each row
    (:func:`~skae.nn.functional.jacobian_frobenius_sq`), so that the contractive
    penalty's every use of the weights happens inside ``forward``.
    """

    def forward(self, x):  # (B, D) -> ((B, D), (B, H), (B,))
        code = self.encoder(x)
        return self.decoder.preactivation(code), code, jacobian_frobenius_sq(self.encoder, x, code)


class StackedAutoencoder(nn.Module):
    """A deep autoencoder assembled from trained one-layer autoencoders.

    Layer k's encoder maps the code of layer k-1 to code k; the decoders run in
    reverse order, each followed by its own output activation, which maps it
    back into the space of the code below (the data space for the first layer).

    Parameters
    ----------
    layers : list of Autoencoder
        One-hidden-layer autoencoders, input side first; their parameters are
        shared, not copied.

    Notes
    -----
    ``forward(x)`` returns ``(preactivation, code)`` like :class:`Autoencoder`.
    """

    def __init__(self, layers):
        super().__init__()
        layers = list(layers)
        self.encoder = nn.Sequential(*(layer.encoder for layer in layers))
        decoder_blocks = []
        for i, layer in enumerate(reversed(layers)):
            decoder_blocks.append(layer.decoder.layers)
            if i < len(layers) - 1:
                decoder_blocks.append(layer.decoder.output_activation)
        self.decoder = Decoder(nn.Sequential(*decoder_blocks), layers[0].decoder.output_activation)

    def forward(self, x):  # (B, n_features) -> ((B, n_features), (B, n_components))
        code = self.encoder(x)
        return self.decoder.preactivation(code), code


class Classifier(nn.Module):
    """An encoder followed by a linear output layer giving class logits.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps inputs to codes of width ``n_components`` (e.g. a pretrained stack).
    n_components : int
        Code width.
    n_classes : int
        Number of classes.
    """

    def __init__(self, encoder, n_components, n_classes):
        super().__init__()
        self.encoder = encoder
        self.output = nn.Linear(n_components, n_classes)

    def forward(self, x):  # (B, n_features) -> (B, n_classes) logits
        return self.output(self.encoder(x))


class DenoisingClassifier(nn.Module):
    """A classifier that, in training, also reconstructs its input from a corrupted copy.

    The module of a joint semi-supervised objective (Ranzato & Szummer, 2008): the
    classifier's encoder is shared with a decoder that keeps denoising while the
    labels train the classifier.

    Parameters
    ----------
    classifier : Classifier
        Encoder and output layer; its encoder is the one the decoder inverts.
    decoder : Decoder
        Maps the encoder's codes back to data space.
    corruption : callable or None
        ``corruption(x, generator) -> x_tilde`` (e.g. :class:`~skae.nn.corruption.MaskingNoise`);
        ``None`` reconstructs the clean rows.

    Notes
    -----
    ``forward(x)`` returns the class logits, as :class:`Classifier` does (inference, export).
    ``forward(x, generator=g)`` (training: the net passes its noise generator) returns
    ``(logits, preactivation, x)``: the logits of the clean rows, the decoder's
    pre-activation from the code of ``corruption(x, g)``, and the clean rows as the
    reconstruction's target.
    """

    def __init__(self, classifier, decoder, corruption):
        super().__init__()
        self.classifier = classifier
        self.decoder = decoder
        self.corruption = corruption

    def forward(self, x, generator=None):
        logits = self.classifier(x)
        if generator is None:
            return logits
        x_tilde = x if self.corruption is None else self.corruption(x, generator)
        code = self.classifier.encoder(x_tilde)
        return logits, self.decoder.preactivation(code), x


class GaussianEncoder(nn.Module):
    """Inference network q(z|x) = N(μ(x), diag σ²(x)).

    An MLP trunk through ``hidden_layer_sizes`` then two linear heads;
    ``forward(x)`` returns ``(mu, log_var)``, each of shape (B, n_components).
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes=(), activation="relu"):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes]
        self.trunk = mlp(sizes, activation) if hidden_layer_sizes else nn.Identity()
        self.mean = nn.Linear(sizes[-1], n_components)
        self.log_var = nn.Linear(sizes[-1], n_components)

    def forward(self, x):  # (B, D) -> ((B, H), (B, H))
        h = self.trunk(x)
        return self.mean(h), self.log_var(h)


class VariationalAutoencoder(nn.Module):
    """A VAE: Gaussian encoder, MLP decoder, standard normal prior.

    Parameters
    ----------
    n_features : int
    n_components : int
        Latent size.
    hidden_layer_sizes : tuple of int, default=(256,)
        Encoder trunk widths; the decoder mirrors them.
    activation : str, default="relu"
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        ``"bernoulli"``: the decoder gives logits and ``forward`` of the decoder
        the pixel probabilities. ``"gaussian"``: the decoder gives the mean and
        one learned variance per feature (homoscedastic across samples, shared
        by every z), ``exp(log_var) + min_variance``.
    min_variance : float, default=1e-3
        Floor of the Gaussian decoder's variance: without one, a feature the
        decoder predicts exactly (a constant column) drives its variance, and
        the likelihood, towards infinity.
    encoder, decoder : torch.nn.Module or None, default=None
        Custom modules instead of the MLPs (see :class:`PosteriorEncoder`).
    input_shape : tuple of int or None, default=None
        The shape rows are viewed in by a custom encoder, and flattened back from.

    Notes
    -----
    ``forward(x, n_samples=1, generator=None, eps=None)`` returns everything the bounds of
    :func:`~skae.nn.losses.variational_bound` need:
    ``(mu, log_var, eps, z, decoded, decoder_log_var)``.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes=(256,), activation="relu",
                 likelihood="bernoulli", min_variance=1e-3, encoder=None, decoder=None, input_shape=None):
        super().__init__()
        self.likelihood = likelihood
        self.min_variance = min_variance
        if encoder is None:
            self.encoder = GaussianEncoder(n_features, n_components, hidden_layer_sizes, activation)
        else:  # a custom module giving (mu, log_var) or one (B, 2 n_components) tensor
            self.encoder = PosteriorEncoder(encoder, n_components, input_shape)
        sizes = [n_components, *reversed(hidden_layer_sizes), n_features]
        if decoder is None:
            decoder = mlp(sizes, activation, final_activation=False)
        elif input_shape is not None:
            decoder = nn.Sequential(decoder, FlattenTrailing(len(input_shape)))
        output = "sigmoid" if likelihood == "bernoulli" else "identity"
        self.decoder = Decoder(decoder, make_activation(output))
        if likelihood == "gaussian":
            self.log_var = nn.Parameter(torch.zeros(n_features))
        else:
            self.log_var = None

    def forward(self, x, n_samples=1, generator=None, eps=None):
        """Encode, draw z_k = μ + σ ε_k, decode every z_k (see :meth:`decode_samples`)."""
        mu, log_var = self.encoder(x)  # (B, H) each
        return self.decode_samples(mu, log_var, n_samples=n_samples, generator=generator, eps=eps)

    def decode_samples(self, mu, log_var, n_samples=1, generator=None, eps=None):
        """``(mu, log_var, eps, z, decoded, decoder_log_var)`` for posterior parameters (B, H).

        ``eps`` (K, B, H), if given, are the standard normal draws; otherwise
        K = ``n_samples`` draws come from ``generator``.
        """
        if eps is None:
            eps = torch.randn((n_samples, *mu.shape), generator=generator, device=mu.device,
                              dtype=mu.dtype)
        z = mu + (0.5 * log_var).exp() * eps  # (K, B, H)
        K, B, H = z.shape
        decoded = self.decoder.preactivation(z.reshape(K * B, H)).reshape(K, B, -1)
        return mu, log_var, eps, z, decoded, self.decoder_log_var()

    def decoder_log_var(self):
        """log(exp(log_var) + min_variance) per feature, a smooth floor; ``None`` for Bernoulli."""
        if self.log_var is None:
            return None
        return torch.logaddexp(self.log_var, torch.tensor(math.log(self.min_variance), dtype=self.log_var.dtype,
                                                          device=self.log_var.device))


class ModularAutoencoder(nn.Module):
    """An autoencoder from any encoder (x -> code) and decoder (code -> reconstruction).

    Parameters
    ----------
    encoder, decoder : torch.nn.Module
        The encoder maps ``(B, *input_shape)`` (or ``(B, n_features)``) to
        codes ``(B, n_components)``; the decoder maps codes back, before the
        output activation.
    output_activation : str, default="identity"
        Maps the decoder's output to data space (``"sigmoid"`` under
        cross-entropy).
    input_shape : tuple of int or None, default=None
        Rows are reshaped to it before the encoder (when ``reshape_input``)
        and the decoder's output is flattened back from it.
    reshape_input : bool, default=True
        Reshape rows for the encoder (``False`` for an MLP encoder).

    Notes
    -----
    ``forward(x)`` on flat rows returns ``(preactivation, code)`` like
    :class:`~skae.modules.Autoencoder`; ``encoder`` and ``decoder`` take and
    give flat rows.
    """

    def __init__(self, encoder, decoder, output_activation="identity", input_shape=None, reshape_input=True):
        super().__init__()
        if input_shape is not None and reshape_input:
            encoder = nn.Sequential(Reshape(input_shape), encoder)
        if input_shape is not None:
            decoder = nn.Sequential(decoder, FlattenTrailing(len(input_shape)))
        self.encoder = encoder
        self.decoder = Decoder(decoder, make_activation(output_activation))

    def forward(self, x):  # (B, n_features) -> ((B, n_features), (B, n_components))
        code = self.encoder(x)
        return self.decoder.preactivation(code), code


class ContractiveModularAutoencoder(ModularAutoencoder):
    """:class:`ModularAutoencoder` whose ``forward`` also returns ‖J_f(x)‖²_F per row (exact, ``torch.func``)."""

    def forward(self, x):  # (B, D) -> ((B, D), (B, H), (B,))
        code = self.encoder(x)
        return self.decoder.preactivation(code), code, jacobian_frobenius_sq(self.encoder, x, code)


class PosteriorEncoder(nn.Module):
    """A custom VAE encoder's output as posterior parameters ``(mu, log_var)``.

    The wrapped module returns either the pair ``(mu, log_var)``, each of
    shape ``(B, n_components)``, or one tensor of shape ``(B, 2 n_components)``
    (the mean, then the log-variance), as :class:`ConvEncoder` does when it
    is built with twice the latent width.

    Parameters
    ----------
    module : torch.nn.Module
    n_components : int
        Latent width.
    input_shape : tuple of int or None, default=None
        Rows are reshaped to it before ``module``.
    """

    def __init__(self, module, n_components, input_shape=None):
        super().__init__()
        self.module = module if input_shape is None else nn.Sequential(Reshape(input_shape), module)
        self.n_components = int(n_components)

    def forward(self, x):
        out = self.module(x)
        h = self.n_components
        if isinstance(out, torch.Tensor) and out.shape[-1] == 2 * h:
            return out[..., :h], out[..., h:]
        if isinstance(out, (tuple, list)) and len(out) == 2 and all(
                isinstance(o, torch.Tensor) and o.shape[-1] == h for o in out):
            return tuple(out)
        got = (tuple(out.shape) if isinstance(out, torch.Tensor)
               else [tuple(getattr(o, "shape", ())) for o in out] if isinstance(out, (tuple, list)) else type(out))
        raise ValueError(f"a VAE encoder must return posterior parameters: (mu, log_var), each of shape "
                         f"(n_samples, n_components={h}), or one tensor of shape (n_samples, 2 * n_components = "
                         f"{2 * h}); got {got}.")


def check_shapes(module, n_features, n_components, names):
    """Run ``module`` on two zero rows; a clear error if its code or reconstruction has the wrong shape."""
    x = torch.zeros(2, n_features)
    with torch.no_grad():
        try:
            code = module.encoder(x)
            if isinstance(module.encoder, PosteriorEncoder):
                code = code[0]  # the posterior mean: what transform gives and the decoder reads
        except Exception as exc:
            raise ValueError(f"{names['encoder']} failed on a batch of shape {tuple(x.shape)}"
                             f"{names['shape']}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(code, torch.Tensor) or tuple(code.shape) != (2, n_components):
            got = tuple(code.shape) if isinstance(code, torch.Tensor) else type(code).__name__
            raise ValueError(f"{names['encoder']} returned codes of shape {got}; they must have shape "
                             f"(n_samples, n_components) = (2, {n_components}).")
        try:
            out = module.decoder.preactivation(code)
        except Exception as exc:
            raise ValueError(f"{names['decoder']} failed on codes of shape {tuple(code.shape)}: "
                             f"{type(exc).__name__}: {exc}") from exc
        if tuple(out.shape) != (2, n_features):
            raise ValueError(f"{names['decoder']} returned reconstructions of shape {tuple(out.shape)} "
                             f"(after flattening{names['shape']}); they must have n_features = "
                             f"{n_features} values per row.")
