"""Autoencoders assembled from any encoder and decoder, and ready-made convolutional ones (torch only).

The estimators' ``encoder=`` / ``decoder=`` parameters build these: a user's
``torch.nn.Module`` classes (or the convolutional pair here) behind the same
flat ``(n_samples, n_features)`` tables as the MLPs. Every module here also
works on a single unbatched row, as ``torch.func.vmap`` (the contractive
penalty's exact Jacobian) calls it.
"""

from math import prod

import torch
from torch import nn

from .losses import jacobian_frobenius_sq
from .modules import Decoder, make_activation

__all__ = ["Reshape", "FlattenTrailing", "ModularAutoencoder", "ContractiveModularAutoencoder",
           "PosteriorEncoder", "ConvEncoder", "ConvDecoder"]


class Reshape(nn.Module):
    """Reshape the last dimension into ``shape``: ``(..., prod(shape)) -> (..., *shape)``."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x):
        return x.unflatten(-1, self.shape)


class FlattenTrailing(nn.Module):
    """Flatten the last ``n_dims`` dimensions: ``(..., *shape) -> (..., prod(shape))``."""

    def __init__(self, n_dims):
        super().__init__()
        self.n_dims = int(n_dims)

    def forward(self, x):
        return x.flatten(-self.n_dims)


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


def _conv_sizes(input_shape, channels, kernel_size):
    """Spatial sizes after each stride-2 convolution, input first."""
    if input_shape is None or len(input_shape) not in (2, 3):
        raise ValueError(
            f"The convolutional modules need input_shape=(channels, length) or (channels, height, "
            f"width), got input_shape={input_shape!r}."
        )
    pad, sizes = kernel_size // 2, [list(input_shape[1:])]
    for _ in channels:
        sizes.append([(s + 2 * pad - kernel_size) // 2 + 1 for s in sizes[-1]])
    if min(sizes[-1]) < 1:
        raise ValueError(f"input_shape={tuple(input_shape)} is too small for {len(channels)} stride-2 layers.")
    return sizes


class ConvEncoder(nn.Module):
    """Stride-2 convolutions (1-D or 2-D, from ``input_shape``), then a linear code layer.

    Parameters
    ----------
    n_components : int
        Code width.
    input_shape : tuple of int
        ``(channels, length)`` for signals or ``(channels, height, width)`` for images.
    channels : tuple of int, default=(16, 32)
        Output channels of each convolution (each halves the spatial size).
    kernel_size : int, default=3
    activation : str, default="relu"
        After every convolution; the code itself is linear.
    """

    def __init__(self, n_components, input_shape=None, channels=(16, 32), kernel_size=3, activation="relu"):
        super().__init__()
        sizes = _conv_sizes(input_shape, channels, kernel_size)
        conv = (nn.Conv1d, nn.Conv2d)[len(input_shape) - 2]
        layers, c_in = [], input_shape[0]
        for c_out in channels:
            layers += [conv(c_in, c_out, kernel_size, stride=2, padding=kernel_size // 2),
                       make_activation(activation)]
            c_in = c_out
        self.n_dims = len(input_shape)
        self.convs = nn.Sequential(*layers)
        self.code = nn.Linear(c_in * prod(sizes[-1]), n_components)

    def forward(self, x):  # (B, *input_shape) or (*input_shape) -> (B, n_components) or (n_components,)
        return self.code(self.convs(x).flatten(-self.n_dims))


class ConvDecoder(nn.Module):
    """The mirror of :class:`ConvEncoder`: a linear layer, then stride-2 transposed convolutions.

    Parameters are those of :class:`ConvEncoder`; the output has shape
    ``(B, *input_shape)`` exactly (before the model's output activation).
    """

    def __init__(self, n_components, input_shape=None, channels=(16, 32), kernel_size=3, activation="relu"):
        super().__init__()
        sizes = _conv_sizes(input_shape, channels, kernel_size)
        deconv = (nn.ConvTranspose1d, nn.ConvTranspose2d)[len(input_shape) - 2]
        pad, widths = kernel_size // 2, [input_shape[0], *channels]
        self.start = (channels[-1], *sizes[-1])
        self.expand = nn.Sequential(nn.Linear(n_components, prod(self.start)), make_activation(activation))
        layers = []
        for i in reversed(range(len(channels))):  # back to sizes[i] from sizes[i + 1]
            extra = [t - ((s - 1) * 2 - 2 * pad + kernel_size) for t, s in zip(sizes[i], sizes[i + 1])]
            layers.append(deconv(widths[i + 1], widths[i], kernel_size, stride=2, padding=pad,
                                 output_padding=tuple(extra)))
            if i > 0:
                layers.append(make_activation(activation))
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z):  # (B, n_components) -> (B, *input_shape)
        return self.deconvs(self.expand(z).unflatten(-1, self.start))


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
