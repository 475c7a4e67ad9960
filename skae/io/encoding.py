"""What a model file's JSON holds, and back: parameters and fitted attributes encoded without pickle.

Plain values stay JSON; tuples, registered estimators and corruptions, and
module classes (by import path, rebuilt only when trusted) are tagged objects;
numeric arrays go into the safetensors member as ``fitted/<name>`` (format 3)
or stay JSON lists (format 2, and a checkpoint's fingerprint). Nothing is
imported or run to decode: classes come from registries and ``trusted``.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import torch

from ..models.registry import registered_estimators, registry_name
from ..nn import autoencoders as _autoencoders
from ..nn import conv as _conv
from ..nn.corruption import registered_corruptions

__all__ = ["FITTED_PREFIX", "decode", "encode", "trusted_classes", "Untrusted"]

#: Where a fitted array lives in the safetensors member.
FITTED_PREFIX = "fitted/"


def encode(value, name, arrays=None):
    """``value`` as JSON; numeric arrays go into ``arrays[fitted/<name>]`` when given (else JSON lists)."""
    if isinstance(value, np.random.RandomState):  # a generator's state is not a parameter to share
        warnings.warn(f"{name} is a RandomState instance; it is saved as None.", UserWarning)
        return None
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, type) and issubclass(value, torch.nn.Module):  # encoder= / decoder=
        return {"__module_class__": _class_path(value)}
    if isinstance(value, (tuple, list)):
        items = [encode(v, f"{name}.{i}", arrays) for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if registered_estimators().get(registry_name(type(value))) is type(value):  # a meta-estimator's model
        encoded = {"__estimator__": registry_name(type(value)),
                   "params": encode(value.get_params(deep=False), name)}
        if hasattr(value, "net_"):
            encoded["state"] = encode(value._fitted_state(), name, arrays)
        return encoded
    if registered_corruptions().get(registry_name(type(value))) is type(value):
        return {"__corruption__": registry_name(type(value)), "params": encode(value.get_params(), name)}
    if isinstance(value, dict):
        return {str(k): encode(v, f"{name}.{k}", arrays) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            if not all(isinstance(v, str) for v in value.ravel()):
                raise ValueError(f"Cannot save {name}: an object array that is not all strings.")
            return {"__array__": value.tolist(), "dtype": "object-str"}
        if arrays is not None and value.dtype.kind in "biuf":
            key = FITTED_PREFIX + name
            arrays[key] = torch.from_numpy(np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<")))
            return {"__array__": key, "dtype": value.dtype.str}
        return {"__array__": [encode(v, name) for v in value.tolist()], "dtype": value.dtype.str}
    raise ValueError(
        f"Cannot save {name}={value!r} safely (type {type(value).__name__}); use pickle or joblib "
        f"for estimators with custom objects."
    )


def _class_path(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_classes(trusted):
    """{import path: class} of skae's own module classes and the user's ``trusted`` ones."""
    own = [getattr(module, name) for module in (_autoencoders, _conv) for name in module.__all__]
    own = [cls for cls in own if isinstance(cls, type) and issubclass(cls, torch.nn.Module)]
    # the paths of skae's convolutional pair in files written before the nn/ layout
    classes = {f"skae._modular.{cls.__name__}": cls for cls in (_conv.ConvEncoder, _conv.ConvDecoder)}
    for cls in (*own, *trusted):
        if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
            raise TypeError(f"trusted must list torch.nn.Module classes, got {cls!r}.")
        classes[_class_path(cls)] = cls
    return classes


def decode(value, trusted, arrays=None):
    if isinstance(value, list):
        return [decode(v, trusted, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__module_class__" in value:  # looked up among the trusted classes: nothing is imported
        path = str(value["__module_class__"])
        if path not in trusted:
            raise Untrusted(
                f"the model uses the module class {path!r}, which is not trusted; if you trust it, "
                f"load with skae.load(path, trusted=[{path.rsplit('.', 1)[-1]}]). No code was imported or run"
            )
        return trusted[path]
    if "__estimator__" in value:
        cls = registered_estimators().get(value["__estimator__"])
        if cls is None:
            raise ValueError(f"Unknown estimator class {value['__estimator__']!r} in the model file.")
        estimator = cls(**decode(value["params"], trusted))
        if "state" in value:
            estimator._restore_fitted_state(decode(value["state"], trusted, arrays))
        return estimator
    if "__tuple__" in value:
        return tuple(decode(v, trusted, arrays) for v in value["__tuple__"])
    if "__corruption__" in value:
        cls = registered_corruptions().get(value["__corruption__"])
        if cls is None:
            raise ValueError(f"Unknown corruption class {value['__corruption__']!r} in the model file.")
        return cls(**decode(value["params"], trusted))
    if "__array__" in value:
        if value["dtype"] == "object-str":
            items = decode(value["__array__"], trusted)
            if not all(isinstance(v, str) for v in items):
                raise ValueError("A string array in the model file holds non-strings.")
            return np.asarray(items, dtype=object)
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "biufUS":
            raise ValueError(f"Unsupported array dtype {dtype} in the model file.")
        if dtype.kind in "US" and not isinstance(value["__array__"], str):
            items = np.asarray(decode(value["__array__"], trusted))  # as wide as its longest item
            if items.size and items.dtype.kind not in "US":
                raise ValueError(f"A {dtype} array in the model file holds non-strings.")
            # never wider than the items need: a declared width of gigabytes would allocate that much per item
            return items.astype(dtype) if dtype.itemsize <= items.dtype.itemsize else items
        if isinstance(value["__array__"], str):  # a fitted array in the tensors member
            key = value["__array__"]
            if arrays is None or key not in arrays or not key.startswith(FITTED_PREFIX):
                raise ValueError(f"The fitted array {key!r} is missing from the tensors.")
            array = arrays[key].numpy()
            if array.dtype.kind != dtype.kind or array.dtype.itemsize != dtype.itemsize:
                raise ValueError(f"The fitted array {key!r} is {array.dtype}, the header says {dtype}.")
            return array.astype(dtype, copy=True)
        return np.asarray(decode(value["__array__"], trusted), dtype=dtype)
    return {k: decode(v, trusted, arrays) for k, v in value.items()}


class Untrusted(ValueError):
    """A model file names a module class that the caller did not trust."""
