"""Saving and loading fitted skae estimators without pickle.

A model file is a zip archive with exactly two members:

- ``skae.json``: the format version, the estimator's class (a registered
  one), its parameters, its fitted metadata, library versions, and for each
  tensor its dtype, shape and SHA-256;
- ``tensors.safetensors``: the module's weights (``module.*``) and the
  numeric fitted arrays (``fitted/*``, e.g. ``data_mean_``) in the safetensors
  format (a JSON header and raw little-endian buffers: no code).

This module knows no model's attributes. Estimator classes register themselves
when they are defined (:func:`skae.models.registry.registered_estimators`), and
corruption classes likewise (:func:`skae.nn.corruption.registered_corruptions`);
an estimator gives its fitted attributes (``_fitted_state``), rebuilds its
module untrained (``_untrained_module``) and attaches the loaded one
(``_attach_loaded_module``).

:func:`load` never unpickles. It accepts only registered estimator and
corruption classes, rebuilds the module from the parameters, checks every
tensor's name, hash, shape and dtype against the rebuilt module, and then
loads the weights strictly. Anything else is rejected with a ``ValueError``
before any weight is used. Pickle and joblib keep working for those who want
them; this format is for sharing models safely.

The optimiser state is not saved: after :func:`load`, ``partial_fit`` continues
from the saved weights with a fresh Adam state.
"""

import hashlib
import json
import os
import uuid
import zipfile

import sklearn
import torch

from .._version import __version__
from ..models.custom import without_forward_check
from ..models.registry import registered_estimators, registry_name
from .encoding import FITTED_PREFIX as _FITTED
from .encoding import Untrusted as _Untrusted
from .encoding import decode as _decode
from .encoding import encode as _encode
from .encoding import trusted_classes as _trusted_classes

__all__ = ["save", "load", "FORMAT_VERSION"]

#: 3: numeric fitted arrays in the safetensors member (2: as JSON lists; still read).
FORMAT_VERSION = 3
_READABLE_VERSIONS = (2, 3)
_JSON, _TENSORS = "skae.json", "tensors.safetensors"
_MODULE = "module."


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _tensor_bytes(t):
    return t.detach().cpu().contiguous().numpy().tobytes()


# ---------------------------------------------------------------------- save
def save(estimator, path):
    """Save a fitted skae estimator to ``path`` in skae's safe format.

    Parameters
    ----------
    estimator : skae estimator
        A fitted skae estimator (any registered class: skae's own, or a
        subclass of :class:`~skae.models.base.TorchEstimator`).
    path : str or path-like
        The file to write (conventionally ``*.skae``). It is written to a
        temporary file in the same folder, then renamed over ``path``: a save
        that fails part-way leaves any previous file at ``path`` as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> import skae
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> dae = skae.DenoisingAutoencoder(n_components=8, max_iter=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "dae.skae")
    >>> skae.save(dae, path)
    >>> bool((skae.load(path).transform(X) == dae.transform(X)).all())
    True
    """
    from safetensors.torch import save as safetensors_save
    from sklearn.utils.validation import check_is_fitted

    name = registry_name(type(estimator))
    if registered_estimators().get(name) is not type(estimator):
        raise ValueError(f"skae.save saves skae's estimators, not {type(estimator).__name__}.")
    check_is_fitted(estimator, "net_")

    params = {key: _encode(value, key) for key, value in estimator.get_params(deep=False).items()}
    arrays = {}
    fitted = {a: _encode(value, a, arrays) for a, value in estimator._fitted_state().items()}

    state = estimator.net_.module_.state_dict()
    tensors = {_MODULE + k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    tensors.update(arrays)
    manifest = {
        k: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "sha256": _sha256(_tensor_bytes(t))}
        for k, t in tensors.items()
    }
    blob = safetensors_save(tensors)
    meta = {
        "format": "skae", "format_version": FORMAT_VERSION, "class": name, "params": params,
        "fitted": fitted, "tensors": manifest, "tensors_sha256": _sha256(blob),
        "device": str(estimator.device_),
        "versions": {"skae": _version(), "torch": torch.__version__, "sklearn": sklearn.__version__},
    }
    meta["header_sha256"] = _header_hash(meta)
    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(_JSON, json.dumps(meta, indent=1))
            zf.writestr(_TENSORS, blob)

    replace_atomically(os.fspath(path), write)


def replace_atomically(path, write):
    """Write ``path`` through ``write(binary_file)``: into a new file of the same folder, then renamed over it.

    The temporary name is this call's own (two writers never share one), the
    file gets the permissions of any new file (the umask applies), it is
    flushed and fsynced before the rename, and removed if anything fails: a
    write that fails part-way leaves any previous ``path`` as it was.
    """
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _version():
    return __version__


# ---------------------------------------------------------------------- load
#: The deepest nesting of lists and objects the JSON member may hold (skae's own use about 8).
MAX_JSON_DEPTH = 64


def _reject(path, why):
    raise ValueError(f"{os.fspath(path)!r} is not a valid skae model file: {why}.")


def _json_depth(text):
    """The deepest nesting of ``[`` / ``{`` in JSON ``text``, outside strings (without parsing it)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _header_hash(meta):
    """SHA-256 of the header without its own hash: catches an edited header (not a forged one)."""
    body = {k: v for k, v in meta.items() if k != "header_sha256"}
    return _sha256(json.dumps(body, sort_keys=True).encode("utf-8"))


def _read_members(path, file):
    """The JSON header and the tensors' bytes, each read only after its declared size was checked.

    skae writes its members uncompressed, so each holds at most the file's own
    size: a member that is compressed (a zip bomb's 400 MB of JSON in 400 KB)
    or declares more bytes than the file holds is refused before it is read.
    """
    size = os.fstat(file.fileno()).st_size
    try:
        with zipfile.ZipFile(file) as zf:
            infos = zf.infolist()
            names = sorted(info.filename for info in infos)
            if names != sorted([_JSON, _TENSORS]):
                _reject(path, f"expected exactly the members {[_JSON, _TENSORS]}, found {names}")
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                    _reject(path, f"the member {info.filename} is compressed ({info.compress_size} bytes "
                                  f"declaring {info.file_size}); skae writes its members uncompressed")
                if info.file_size > size:
                    _reject(path, f"the member {info.filename} declares {info.file_size} bytes in a file of {size}")
            text, blob = zf.read(_JSON), zf.read(_TENSORS)
    except zipfile.BadZipFile as exc:
        _reject(path, f"not a zip archive, or a damaged one ({exc})")
    try:
        text = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        _reject(path, f"{_JSON} is not UTF-8 text ({exc})")
    if _json_depth(text) > MAX_JSON_DEPTH:
        _reject(path, f"{_JSON} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        _reject(path, f"{_JSON} is not valid JSON ({exc})")
    return meta, blob


def _check_module_shapes(path, estimator, tensors):
    """Rebuild the module on torch's meta device (no memory) and check the file's weights fit it.

    A header that declares a network far bigger than the weights it carries is
    refused before any real module is built. Only a trusted user module that
    cannot be built on the meta device skips this (``None``); its weights are
    checked once it is built.
    """
    try:
        with torch.device("meta"):
            return estimator._untrained_module()
    except Exception:
        model = getattr(estimator, "estimator_", estimator)  # (the outlier detector's model)
        if getattr(model, "_uses_custom_modules", lambda: False)():
            return None
        raise


def _check_weights(path, cls, module, tensors):
    expected = module.state_dict()
    if set(expected) != set(tensors):
        missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
        _reject(path, f"the weights do not fit a {cls.__name__} with these parameters "
                      f"(missing {missing}, extra {extra})")
    for key, t in tensors.items():
        if expected[key].shape != t.shape or expected[key].dtype != t.dtype:
            _reject(path, f"tensor {key!r} is {tuple(t.shape)} {t.dtype}, the model needs "
                          f"{tuple(expected[key].shape)} {expected[key].dtype}")


def load(path, device=None, *, trusted=(), expected=None):
    """Load an estimator saved with :func:`save`; never unpickles.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str, torch.device or None, default=None
        Where to put the model; ``None`` uses the saved estimator's ``device``
        parameter (``"auto"``: CUDA when available, else CPU). A model trained
        on CUDA loads on a CPU-only machine.
    trusted : sequence of torch.nn.Module classes, default=()
        Module classes the model's ``encoder`` / ``decoder`` may name, besides
        skae's own. The file stores a class by its import path; it is matched
        against these classes and never imported, so a file naming any other
        class is refused with an error that names it.
    expected : class, tuple of classes or None, default=None
        The estimator class(es) the caller expects, e.g.
        ``skae.DenoisingAutoencoder``: a file holding any other class is
        refused before anything is built.

    Returns
    -------
    estimator : skae estimator
        Fitted, with outputs identical to the saved one's.

    Raises
    ------
    ValueError
        If the file is not a skae model file or fails any check (an unknown
        or unexpected class, an edited header, a hash mismatch, missing, extra
        or misshapen tensors, a member larger than the file or compressed, JSON
        nested deeper than :data:`MAX_JSON_DEPTH`, ...). Every member is read
        only after its declared size was checked against the file's, and the
        declared architecture is checked against the weights on torch's meta
        device before any real module is built (and never run), so memory use
        is a small multiple of the file's size.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> import skae
    >>> path = os.path.join(tempfile.mkdtemp(), "not-a-model.skae")
    >>> with open(path, "wb") as f:
    ...     f.write(pickle.dumps({"a": 1})) > 0
    True
    >>> skae.load(path)
    Traceback (most recent call last):
    ...
    ValueError: '...not-a-model.skae' is not a valid skae model file: not a zip archive, or a damaged one ...
    """
    trusted = _trusted_classes(trusted)  # the caller's own arguments: their errors stay TypeErrors
    if expected is not None and not (isinstance(expected, type) or (
            isinstance(expected, tuple) and all(isinstance(c, type) for c in expected))):
        raise TypeError(f"expected must be a class or a tuple of classes, got {expected!r}.")
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing or unreadable file: the operating system's own error
        try:
            with without_forward_check():
                return _load(path, file, device, trusted, expected)
        except ValueError:
            raise  # already naming the file
        except Exception as exc:  # anything else a crafted file provokes is still "not a valid model file"
            raise ValueError(f"{path!r} is not a valid skae model file: {type(exc).__name__}: {exc}.") from exc


def _load(path, file, device, trusted, expected):
    from safetensors.torch import load as safetensors_load

    meta, blob = _read_members(path, file)
    if not isinstance(meta, dict) or meta.get("format") != "skae":
        _reject(path, "no skae header")
    version = meta.get("format_version")
    if version not in _READABLE_VERSIONS:
        _reject(path, f"format version {version!r}, this skae reads {list(_READABLE_VERSIONS)}")
    if version >= 3 and meta.get("header_sha256") != _header_hash(meta):
        _reject(path, f"the header ({_JSON}) was edited: its hash does not match")
    classes = registered_estimators()
    cls = classes.get(meta.get("class"))
    if cls is None:
        _reject(path, f"unknown estimator class {meta.get('class')!r}; skae loads only the registered "
                      f"{sorted(classes)} (a class of yours is registered once its module is imported)")
    if expected is not None and not issubclass(cls, expected):
        names = [c.__name__ for c in (expected if isinstance(expected, tuple) else (expected,))]
        _reject(path, f"it holds a {cls.__name__}, not the {' or '.join(names)} expected")
    if _sha256(blob) != meta.get("tensors_sha256"):
        _reject(path, "the tensors' hash does not match the header (the file was modified or truncated)")
    try:
        tensors = safetensors_load(blob)
    except Exception as exc:  # safetensors raises its own error types
        _reject(path, f"unreadable tensors ({exc})")

    manifest = meta.get("tensors", {})
    if set(tensors) != set(manifest):
        missing, extra = sorted(set(manifest) - set(tensors)), sorted(set(tensors) - set(manifest))
        _reject(path, f"tensors differ from the header (missing {missing}, extra {extra})")
    for key, info in manifest.items():
        t = tensors[key]
        if list(t.shape) != info["shape"] or str(t.dtype).replace("torch.", "") != info["dtype"]:
            _reject(path, f"tensor {key!r} is {tuple(t.shape)} {t.dtype}, the header says {info}")
        if _sha256(_tensor_bytes(t)) != info["sha256"]:
            _reject(path, f"tensor {key!r} does not match its hash")

    if version >= 3:  # the module's weights under "module.", the fitted arrays under "fitted/"
        arrays = {k: t for k, t in tensors.items() if k.startswith(_FITTED)}
        tensors = {k[len(_MODULE):]: t for k, t in tensors.items() if k.startswith(_MODULE)}
        if len(arrays) + len(tensors) != len(manifest):
            _reject(path, "tensors that are neither the module's nor fitted arrays")
    else:
        arrays = None
    try:
        params = _decode(meta["params"], trusted)
        fitted = _decode(meta["fitted"], trusted, arrays)
        estimator = cls(**params)
        estimator._validate_params()
    except _Untrusted as exc:
        _reject(path, str(exc))
    except (TypeError, ValueError, KeyError) as exc:
        _reject(path, f"bad parameters ({exc})")
    try:
        estimator._restore_fitted_state(fitted)
        shapes = _check_module_shapes(path, estimator, tensors)
    except (TypeError, ValueError, KeyError, AttributeError, RuntimeError) as exc:
        _reject(path, f"bad parameters or fitted state ({type(exc).__name__}: {exc})")
    if shapes is not None:
        _check_weights(path, cls, shapes, tensors)  # before any memory is spent on the real module
    module = estimator._untrained_module()
    _check_weights(path, cls, module, tensors)
    module.load_state_dict(tensors, strict=True)
    estimator._attach_loaded_module(module, device=device)
    return estimator
