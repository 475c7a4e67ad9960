"""Bring your own torch modules: the ``encoder=`` / ``decoder=`` / ``input_shape=`` parameters.

``encoder`` and ``decoder`` are ``None`` (the MLP of ``hidden_layer_sizes``) or
a ``torch.nn.Module`` *class*, built in ``fit`` with the ``encoder__*`` /
``decoder__*`` keyword parameters (skorch's routing convention) plus the sizes
the estimator knows: ``n_features``, ``n_components`` and ``input_shape``, each
passed when the class's ``__init__`` takes it.

These are functions of the estimator, called from its module factory: the
routed parameters themselves are stored and listed by
:class:`~skae.models.base.TorchEstimator` (``get_params`` / ``set_params``).
"""

import contextlib
import contextvars
import inspect
from math import prod
from numbers import Integral

import torch
from torch import nn

from ..nn.autoencoders import check_shapes
from ..nn.init import seeded_reset_parameters
from ..nn.layers import Reshape, mlp
from .table import output_activation

__all__ = ["CUSTOM_CONSTRAINTS", "uses_custom_modules", "check_custom_modules", "custom_parts",
           "custom_autoencoder", "check_module_shapes", "initialise_custom", "without_forward_check"]

#: Constraints of the parameters (checked in full, with clearer messages, in ``fit``).
CUSTOM_CONSTRAINTS = {"encoder": "no_validation", "decoder": "no_validation", "input_shape": [None, tuple, list]}


def uses_custom_modules(estimator):
    """Whether ``encoder`` or ``decoder`` names a module class (not the MLP)."""
    return estimator.encoder is not None or estimator.decoder is not None


def check_custom_modules(estimator):
    """Clear errors for bad ``encoder`` / ``decoder`` / ``input_shape`` values and stray routed parameters."""
    for name in ("encoder", "decoder"):
        value = getattr(estimator, name)
        if isinstance(value, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module class, built in fit with {name}__* "
                            f"parameters; got an instance of {type(value).__name__}. Pass the class, "
                            f"e.g. {name}={type(value).__name__}, and its arguments as {name}__<arg>=...")
        if value is not None and not (isinstance(value, type) and issubclass(value, nn.Module)):
            raise TypeError(f"{name} must be None (the MLP) or a torch.nn.Module subclass, got {value!r}.")
        routed = estimator._routed_params(name)
        if value is None and routed:
            raise ValueError(f"{sorted(name + '__' + k for k in routed)} set, but {name} is "
                             f"None: the MLP {name} takes no routed parameters.")
    if estimator.input_shape is not None and not uses_custom_modules(estimator):
        raise ValueError("input_shape is for custom encoder/decoder modules; the MLP takes flat rows.")


def _input_shape(estimator, n_features):
    shape = estimator.input_shape
    if shape is None:
        return None
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in shape) or not shape:
        raise ValueError(f"input_shape must hold positive integers, got {shape!r}.")
    if prod(shape) != n_features:
        raise ValueError(f"input_shape={tuple(shape)} holds {prod(shape)} values per row, but X has "
                         f"{n_features} features.")
    return tuple(int(s) for s in shape)


def _build(estimator, name, n_features, n_components=None):
    cls = getattr(estimator, name)
    kwargs = estimator._routed_params(name)
    known = {"n_features": n_features, "n_components": int(n_components or estimator.n_components),
             "input_shape": _input_shape(estimator, n_features)}
    signature = inspect.signature(cls)
    takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    for key, value in known.items():
        if value is not None and key not in kwargs and (takes_any or key in signature.parameters):
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise TypeError(f"{name}={cls.__name__} could not be built with {sorted(kwargs)}: {exc}") from exc


def custom_parts(estimator, n_features, encoder_width=None):
    """``(encoder, decoder, input_shape)``: the custom modules built, ``None`` for MLP parts."""
    encoder = None if estimator.encoder is None else _build(estimator, "encoder", n_features, encoder_width)
    decoder = None if estimator.decoder is None else _build(estimator, "decoder", n_features)
    return encoder, decoder, _input_shape(estimator, n_features)


#: Off while :func:`skae.load` rebuilds a module: the weights' shapes are checked instead, and a
#: forward pass on a crafted ``input_shape`` could allocate without bound.
_forward_check = contextvars.ContextVar("skae_forward_check", default=True)


@contextlib.contextmanager
def without_forward_check():
    """Build modules without running them on two rows (for a load, which checks the weights instead)."""
    token = _forward_check.set(False)
    try:
        yield
    finally:
        _forward_check.reset(token)


def check_module_shapes(estimator, module, n_features):
    """Run ``module`` on two rows: a clear error naming the part whose output has the wrong shape."""
    if not _forward_check.get():
        return module
    names = {part: (f"{part}={getattr(estimator, part).__name__}" if getattr(estimator, part) is not None
                    else f"the MLP {part}") for part in ("encoder", "decoder")}
    shape = _input_shape(estimator, n_features)
    names["shape"] = f" (rows reshaped to {shape})" if shape is not None else ""
    check_shapes(module, n_features, int(estimator.n_components), names)
    return module


def custom_autoencoder(estimator, n_features, modular_class):
    """A ``modular_class`` (e.g. :class:`~skae.modules.ModularAutoencoder`) around the custom classes.

    A part left ``None`` is the MLP of ``hidden_layer_sizes``.
    """
    encoder, decoder, shape = custom_parts(estimator, n_features)
    sizes = [n_features, *estimator._hidden_sizes(), int(estimator.n_components)]
    if encoder is None:
        encoder = mlp(sizes, estimator.activation)
    if decoder is None:
        decoder = nn.Sequential(mlp(sizes[::-1], estimator.activation, final_activation=False))
        if shape is not None:  # flat MLP output, viewed in the input's shape for the flattening
            decoder.append(Reshape(shape))
    module = modular_class(encoder, decoder, output_activation=output_activation(estimator.loss_),
                           input_shape=shape, reshape_input=estimator.encoder is not None)
    return check_module_shapes(estimator, module, n_features)


def initialise_custom(module, generator):
    """Custom modules keep their own default initialisation, drawn from ``generator``."""
    seed = int(torch.randint(2**62, (1,), generator=generator))
    return seeded_reset_parameters(module, torch.Generator().manual_seed(seed))
