"""The ready-made convolutional encoder and decoder (torch only), for ``encoder=`` / ``decoder=``."""

from math import prod

from torch import nn

from .layers import make_activation

__all__ = ["ConvEncoder", "ConvDecoder"]


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
    """Convolutions (1-D or 2-D, from ``input_shape``), each halving the size, then a linear code layer.

    Parameters
    ----------
    n_components : int
        Code width.
    input_shape : tuple of int
        ``(channels, length)`` for signals or ``(channels, height, width)`` for images.
    channels : tuple of int, default=(32, 64)
        Output channels of each convolution (each halves the spatial size).
    kernel_size : int, default=5
    activation : str, default="relu"
        After every convolution; the code itself is linear.
    pooling : {"max", "stride"}, default="max"
        How each layer halves the size: ``"max"``, a convolution then a 2-wide max-pooling;
        ``"stride"``, a stride-2 convolution (cheaper; the default before). The defaults
        (max-pooling, 32 and 64 channels, kernel 5) were chosen on a validation split of
        MNIST-1D's training rows for LogisticRegression on the codes
        (``benchmarks/bench_conv.py``). A model saved with the earlier defaults (stride,
        16 and 32 channels, kernel 3) and no ``encoder__*`` parameters does not load: its
        weights do not fit the new layers, and :func:`skae.load` says so.
    """

    def __init__(self, n_components, input_shape=None, channels=(32, 64), kernel_size=5, activation="relu",
                 pooling="max"):
        super().__init__()
        if pooling not in ("max", "stride"):
            raise ValueError(f"ConvEncoder: pooling must be 'max' or 'stride', got {pooling!r}.")
        sizes = _conv_sizes(input_shape, channels, kernel_size)
        conv = (nn.Conv1d, nn.Conv2d)[len(input_shape) - 2]
        pool = (nn.MaxPool1d, nn.MaxPool2d)[len(input_shape) - 2]
        layers, c_in = [], input_shape[0]
        for c_out in channels:
            if pooling == "max":  # ceil_mode: the same sizes as the stride-2 convolution's (and the decoder's)
                layers += [conv(c_in, c_out, kernel_size, padding=kernel_size // 2), make_activation(activation),
                           pool(2, ceil_mode=True)]
            else:
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

    def __init__(self, n_components, input_shape=None, channels=(32, 64), kernel_size=5, activation="relu"):
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
