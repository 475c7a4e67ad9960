"""Bring your own torch modules: the ``encoder=`` / ``decoder=`` / ``input_shape=`` parameters.

``encoder`` and ``decoder`` are ``None`` (the MLP of ``hidden_layer_sizes``) or
a ``torch.nn.Module`` *class*, built in ``fit`` with the ``encoder__*`` /
``decoder__*`` keyword parameters (skorch's routing convention) plus the sizes
the estimator knows: ``n_features``, ``n_components`` and ``input_shape``, each
passed when the class's ``__init__`` takes it.
"""

import inspect
from math import prod
from numbers import Integral

import torch
from torch import nn

from ._modular import ModularAutoencoder, Reshape, check_shapes
from .losses import RECONSTRUCTION_LOSSES
from .modules import mlp

__all__ = ["CustomModulesMixin", "CUSTOM_CONSTRAINTS"]

_ROUTED = ("encoder__", "decoder__")

#: Constraints of the parameters (checked in full, with clearer messages, in ``fit``).
CUSTOM_CONSTRAINTS = {"encoder": "no_validation", "decoder": "no_validation", "input_shape": [None, tuple, list]}


def _class_path(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


class CustomModulesMixin:
    """``encoder`` / ``decoder`` module classes with routed ``encoder__*`` / ``decoder__*`` parameters."""

    #: The module class assembling a custom encoder and decoder.
    _modular_class = ModularAutoencoder

    def _store_routed(self, params):
        """``__init__``'s ``**module_params``, stored as they are (checked in ``fit``, as sklearn asks)."""
        vars(self).update(params)

    def _extra_params(self):
        """The keyword parameters beyond the signature: ``encoder__*``, ``decoder__*`` (or mistakes)."""
        named = set(self._get_param_names())
        return {k: v for k, v in vars(self).items() if k not in named and not k.startswith("_") and not k.endswith("_")}

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._extra_params())
        return params

    def set_params(self, **params):
        named = set(self._get_param_names())
        extra = [k for k in params if k.startswith(_ROUTED) or (k not in named and "__" not in k)]
        vars(self).update({k: params.pop(k) for k in extra})
        return super().set_params(**params)

    def _routed(self, name):
        prefix = name + "__"
        return {k[len(prefix):]: v for k, v in vars(self).items() if k.startswith(prefix)}

    def _custom_modules(self):
        return self.encoder is not None or self.decoder is not None

    def _check_params(self):
        super()._check_params()
        unknown = sorted(k for k in self._extra_params() if not k.startswith(_ROUTED))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected parameters {unknown} (only "
                            f"encoder__* and decoder__* are routed to the modules).")
        for name in ("encoder", "decoder"):
            value = getattr(self, name)
            if isinstance(value, nn.Module):
                raise TypeError(f"{name} must be a torch.nn.Module class, built in fit with {name}__* "
                                f"parameters; got an instance of {type(value).__name__}. Pass the class, "
                                f"e.g. {name}={type(value).__name__}, and its arguments as {name}__<arg>=...")
            if value is not None and not (isinstance(value, type) and issubclass(value, nn.Module)):
                raise TypeError(f"{name} must be None (the MLP) or a torch.nn.Module subclass, got {value!r}.")
            if value is None and self._routed(name):
                raise ValueError(f"{sorted(name + '__' + k for k in self._routed(name))} set, but {name} is "
                                 f"None: the MLP {name} takes no routed parameters.")
        if self.input_shape is not None and not self._custom_modules():
            raise ValueError("input_shape is for custom encoder/decoder modules; the MLP takes flat rows.")

    def _input_shape(self, n_features):
        shape = self.input_shape
        if shape is None:
            return None
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in shape) or not shape:
            raise ValueError(f"input_shape must hold positive integers, got {shape!r}.")
        if prod(shape) != n_features:
            raise ValueError(f"input_shape={tuple(shape)} holds {prod(shape)} values per row, but X has "
                             f"{n_features} features.")
        return tuple(int(s) for s in shape)

    def _build(self, name, n_features, n_components=None):
        cls = getattr(self, name)
        kwargs = self._routed(name)
        known = {"n_features": n_features, "n_components": int(n_components or self.n_components),
                 "input_shape": self._input_shape(n_features)}
        signature = inspect.signature(cls)
        takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        for key, value in known.items():
            if value is not None and key not in kwargs and (takes_any or key in signature.parameters):
                kwargs[key] = value
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}={cls.__name__} could not be built with {sorted(kwargs)}: {exc}") from exc

    def _custom_parts(self, n_features, encoder_width=None):
        """``(encoder, decoder, input_shape)``: the custom modules built, ``None`` for MLP parts."""
        encoder = None if self.encoder is None else self._build("encoder", n_features, encoder_width)
        decoder = None if self.decoder is None else self._build("decoder", n_features)
        return encoder, decoder, self._input_shape(n_features)

    def _check_shapes(self, module, n_features):
        names = {part: (f"{part}={getattr(self, part).__name__}" if getattr(self, part) is not None
                        else f"the MLP {part}") for part in ("encoder", "decoder")}
        shape = self._input_shape(n_features)
        names["shape"] = f" (rows reshaped to {shape})" if shape is not None else ""
        check_shapes(module, n_features, int(self.n_components), names)
        return module

    def _module(self, n_features):
        """The MLP, or a :class:`~skae.modules.ModularAutoencoder` around the custom classes."""
        if not self._custom_modules():
            return super()._module(n_features)
        encoder, decoder, shape = self._custom_parts(n_features)
        sizes = [n_features, *self._hidden_sizes(), int(self.n_components)]
        if encoder is None:
            encoder = mlp(sizes, self.activation)
        if decoder is None:
            decoder = nn.Sequential(mlp(sizes[::-1], self.activation, final_activation=False))
            if shape is not None:  # flat MLP output, viewed in the input's shape for the flattening
                decoder.append(Reshape(shape))
        module = self._modular_class(encoder, decoder, output_activation=RECONSTRUCTION_LOSSES[self.loss_],
                                     input_shape=shape, reshape_input=self.encoder is not None)
        return self._check_shapes(module, n_features)

    def _initialise(self, module, generator):
        """Custom modules: their own default initialisation, seeded from ``generator``."""
        if not self._custom_modules():
            return super()._initialise(module, generator)
        seed = int(torch.randint(2**62, (1,), generator=generator))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for layer in module.modules():
                if layer is not module and hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()
        return module

