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
