"""ONNX export of fitted skae models, alone or inside scikit-learn pipelines (the ``[onnx]`` extra).

Importing this module registers, with skl2onnx, a converter and a shape calculator for every skae
estimator whose inference is a fixed function of its input, so that skl2onnx's own
``to_onnx(pipeline, X[:1])`` converts a ``Pipeline`` or ``ColumnTransformer`` holding skae steps. Each
converter writes the fitted model's method as a torch module (:class:`TransformGraph`,
:class:`ClassifierGraph`, :class:`ImputerGraph`, :class:`DetectorGraph`), exports it with ``torch.onnx.export`` (a dynamic batch axis, the opset
skl2onnx asks for) and splices the graph in with skl2onnx's ``add_onnx_graph``.

What cannot be exported is a clear error naming it: anything that draws noise (``sample``, a VAE's
bound as an outlier score, ``DenoisingImputer(sample_posterior=True)``) and training.
"""

import logging
import warnings

import numpy as np
import torch
from torch import nn

try:
    import onnx
    from skl2onnx import to_onnx as _skl2onnx_to_onnx
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        guess_tensor_type,
    )
    from skl2onnx.helpers.integration import add_onnx_graph
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "skae.onnx needs the optional ONNX packages: pip install 'skae[onnx]' (skl2onnx, onnx, onnxruntime, "
        "onnxscript)."
    ) from exc

from ..models.autoencoder import BaseAutoencoder
from ..models.classifier import StackedDAEClassifier
from ..models.impute import DenoisingImputer
from ..models.outlier import AutoencoderOutlierDetector
from ..models.registry import registered_estimators
from ..models.vae import VAE

__all__ = ["to_onnx", "TransformGraph", "ClassifierGraph", "ImputerGraph", "DetectorGraph", "register_converters",
           "exportable_classes"]


class TransformGraph(nn.Module):
    """``transform``'s computation as one torch module: the encoder, then the code scaling.

    Parameters
    ----------
    estimator : BaseAutoencoder
        A fitted skae transformer (VAE and DVAE: the posterior mean).
    dtype : torch.dtype
    """

    def __init__(self, estimator, dtype=torch.float32):
        super().__init__()
        self.module = estimator._inference_module(dtype).cpu()
        self.encode = estimator._encode
        scaled = bool(getattr(estimator, "scale_codes", False))
        mean = estimator.code_mean_ if scaled else np.zeros(estimator._n_features_out)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=dtype))
        self.register_buffer("scale", torch.as_tensor(estimator.code_scale_ if scaled else 1.0, dtype=dtype))

    def forward(self, x):
        return (self.encode(self.module, x) - self.mean) / self.scale


class ClassifierGraph(nn.Module):
    """``predict_proba``'s computation for :class:`~skae.StackedDAEClassifier`: softmax of the logits."""

    def __init__(self, estimator, dtype=torch.float32):
        super().__init__()
        self.module = estimator._inference_module(dtype).cpu()

    def forward(self, x):
        return torch.softmax(self.module(x), dim=1)


class ImputerGraph(nn.Module):
    """:class:`~skae.DenoisingImputer`'s ``transform``: observed entries kept, missing ones filled.

    Missing entries (``missing_values``) enter the network standardised at 0; its reconstruction,
    scaled back, fills them; the columns empty at ``fit`` are dropped (or filled with 0 under
    ``keep_empty_features``) and the missing indicator appended with ``add_indicator``.
    """

    def __init__(self, estimator, dtype=torch.float32):
        super().__init__()
        _check_exportable(estimator)
        self.module = estimator._inference_module(dtype).cpu()
        self.missing_value = None if estimator.missing_values != estimator.missing_values else float(
            estimator.missing_values)
        for name, value in (("mean", estimator.mean_), ("scale", estimator.scale_)):
            self.register_buffer(name, torch.as_tensor(value, dtype=dtype))
        self.register_buffer("empty", torch.as_tensor(estimator.empty_))
        kept = np.arange(estimator.n_features_in_) if estimator.keep_empty_features else np.flatnonzero(
            ~estimator.empty_)
        self.register_buffer("kept", torch.as_tensor(kept, dtype=torch.int64))
        indicator = estimator.indicator_features_
        self.register_buffer("indicator", None if indicator is None else torch.as_tensor(indicator, dtype=torch.int64))

    def forward(self, x):
        missing = torch.isnan(x) if self.missing_value is None else x == self.missing_value
        inputs = torch.where(missing, torch.zeros_like(x), (x - self.mean) / self.scale)
        filled = self.module(inputs)[0] * self.scale + self.mean
        filled = torch.where(self.empty, torch.zeros_like(filled), filled)
        out = torch.where(missing, filled, x).index_select(1, self.kept)
        if self.indicator is None:
            return out
        return torch.cat([out, missing.index_select(1, self.indicator).to(x.dtype)], dim=1)


class DetectorGraph(nn.Module):
    """:class:`~skae.AutoencoderOutlierDetector`: ``predict``'s labels, ``decision_function``, and
    (option ``score_samples``) ``score_samples``, from the fitted model's reconstruction score."""

    def __init__(self, detector, dtype=torch.float32, score_samples=False):
        super().__init__()
        _check_exportable(detector)
        estimator = detector.estimator_
        self.module = estimator._inference_module(dtype).cpu()
        self.score = estimator._score_batch
        self.offset = float(detector.offset_)
        self.score_samples = score_samples

    def forward(self, x):
        scores = self.score(self.module, x)  # (N, 1)
        decision = scores - self.offset
        label = torch.where(decision < 0, -1, 1).to(torch.int64)
        return (label, decision, scores) if self.score_samples else (label, decision)


def exportable_classes():
    """The registered skae estimator classes this module converts."""
    kinds = (BaseAutoencoder, StackedDAEClassifier, DenoisingImputer, AutoencoderOutlierDetector)
    return [cls for cls in registered_estimators().values() if issubclass(cls, kinds)]


def _graph(estimator, dtype):
    if isinstance(estimator, StackedDAEClassifier):
        return ClassifierGraph(estimator, dtype)
    if isinstance(estimator, DenoisingImputer):
        return ImputerGraph(estimator, dtype)
    return TransformGraph(estimator, dtype)


#: The lowest opset torch's exporter writes.
_TORCH_MIN_OPSET = 18


def _export(module, n_features, dtype, opset):
    """The torch module as an ONNX ModelProto with one input (N, n_features), N dynamic (torch.export)."""
    example = torch.zeros(2, n_features, dtype=dtype)
    exporter_log = logging.getLogger("torch.onnx._internal.exporter")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)  # e.g. "torchvision is not installed": nothing a user must act on
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's notices about torch's own internals
            program = torch.onnx.export(module.eval(), (example,), dynamic_shapes=({0: torch.export.Dim("N")},),
                                        opset_version=max(opset or _TORCH_MIN_OPSET, _TORCH_MIN_OPSET),
                                        dynamo=True, verbose=False)
    finally:
        exporter_log.setLevel(level)
    return program.model_proto


def _input_dtype(operator):
    kind = operator.inputs[0].type
    if isinstance(kind, DoubleTensorType):
        return torch.float64, DoubleTensorType
    if isinstance(kind, FloatTensorType):
        return torch.float32, FloatTensorType
    raise TypeError(f"skae.onnx: {type(operator.raw_operator).__name__} takes float or double tensors, "
                    f"got {type(kind).__name__}.")


def _shape_transformer(operator):
    _, tensor_type = _input_dtype(operator)
    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    width = len(estimator.get_feature_names_out()) if isinstance(estimator, DenoisingImputer) else \
        estimator._n_features_out
    operator.outputs[0].type = tensor_type([n, width])


def _convert_transformer(scope, operator, container):
    estimator = operator.raw_operator
    dtype, _ = _input_dtype(operator)
    model = _export(_graph(estimator, dtype), estimator.n_features_in_, dtype, container.target_opset)
    add_onnx_graph(scope, operator, container, model)


def _shape_detector(operator):
    """skl2onnx's outlier outputs, as for IsolationForest: labels (N, 1), decision (N, 1)[, scores (N, 1)]."""
    _, tensor_type = _input_dtype(operator)
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([n, 1])
    for output in operator.outputs[1:]:
        output.type = tensor_type([n, 1])


def _parse_detector(scope, model, inputs, custom_parsers=None):
    """skl2onnx's outlier outputs (``label``, ``scores``), and ``score_samples`` when the option asks for it."""
    operator = scope.declare_local_operator(f"Skae{type(model).__name__}", model)
    operator.inputs = inputs
    kind = guess_tensor_type(inputs[0].type)
    operator.outputs.append(scope.declare_local_variable("label", Int64TensorType()))
    operator.outputs.append(scope.declare_local_variable("scores", kind))
    if scope.get_options(model, dict(score_samples=False))["score_samples"]:
        operator.outputs.append(scope.declare_local_variable("score_samples", guess_tensor_type(inputs[0].type)))
    return operator.outputs


def _convert_detector(scope, operator, container):
    detector = operator.raw_operator
    dtype, _ = _input_dtype(operator)
    score_samples = bool(container.get_options(detector, dict(score_samples=False))["score_samples"])
    graph = DetectorGraph(detector, dtype, score_samples=score_samples)
    model = _export(graph, detector.n_features_in_, dtype, container.target_opset)
    add_onnx_graph(scope, operator, container, model)


def _shape_classifier(operator):
    dtype, tensor_type = _input_dtype(operator)
    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    labels = estimator.classes_
    label_type = StringTensorType if labels.dtype.kind in "OUS" else Int64TensorType
    operator.outputs[0].type = label_type([n])
    operator.outputs[1].type = tensor_type([n, len(labels)])


def _convert_classifier(scope, operator, container):
    """Probabilities from the exported graph; labels: ``classes_[argmax]``, as ``predict`` gives them."""
    estimator = operator.raw_operator
    dtype, _ = _input_dtype(operator)
    model = _export(_graph(estimator, dtype), estimator.n_features_in_, dtype, container.target_opset)
    probabilities = operator.outputs[1]
    # the spliced graph writes the probabilities; the label output is computed from them below
    graph_operator = _Outputs(operator.inputs, [probabilities])
    add_onnx_graph(scope, graph_operator, container, model)
    index = scope.get_unique_variable_name("argmax")
    container.add_node("ArgMax", [probabilities.onnx_name], index, axis=1, keepdims=0,
                       name=scope.get_unique_operator_name("ArgMax"))
    labels = estimator.classes_
    if labels.dtype.kind in "OUS":
        classes = scope.get_unique_variable_name("classes")
        container.add_initializer(classes, onnx.TensorProto.STRING, [len(labels)],
                                  [str(c).encode() for c in labels])
    else:
        classes = scope.get_unique_variable_name("classes")
        container.add_initializer(classes, onnx.TensorProto.INT64, [len(labels)], [int(c) for c in labels])
    container.add_node("Gather", [classes, index], operator.outputs[0].onnx_name, axis=0,
                       name=scope.get_unique_operator_name("Gather"))


class _Outputs:
    """An operator-like view with chosen outputs, for ``add_onnx_graph``."""

    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = inputs, outputs


def register_converters():
    """Register skae's converters with skl2onnx (done once, when :mod:`skae.onnx` is imported)."""
    for cls in exportable_classes():
        if issubclass(cls, StackedDAEClassifier):
            update_registered_converter(cls, f"Skae{cls.__name__}", _shape_classifier, _convert_classifier,
                                        options={"zipmap": [True, False, "columns"], "nocl": [True, False]})
        elif issubclass(cls, AutoencoderOutlierDetector):
            update_registered_converter(cls, f"Skae{cls.__name__}", _shape_detector, _convert_detector,
                                        parser=_parse_detector, options={"score_samples": [True, False]})
        else:
            update_registered_converter(cls, f"Skae{cls.__name__}", _shape_transformer, _convert_transformer)


def to_onnx(model, X, *, target_opset=None, options=None):
    """A fitted skae model, or a pipeline holding skae steps, as an ONNX ``ModelProto``.

    Parameters
    ----------
    model : estimator
        A fitted skae transformer (``transform``), a :class:`~skae.StackedDAEClassifier`
        (``predict`` and ``predict_proba``), or any scikit-learn pipeline skl2onnx converts with
        skae steps in it.
    X : array-like of shape (n_samples, n_features)
        A few rows: their dtype (float32 or float64) and width type the ONNX input.
    target_opset : int or None, default=None
        The ONNX opset (skl2onnx's latest supported by default).
    options : dict or None, default=None
        skl2onnx's options, e.g. ``{id(clf): {"zipmap": False}}`` for probabilities as a tensor.

    Returns
    -------
    onx : onnx.ModelProto
        Input ``X``. Outputs: a transformer's ``transform`` (a ``DenoisingImputer``'s filled rows);
        a classifier's ``label`` and ``probabilities``; an ``AutoencoderOutlierDetector``'s ``label``
        (``predict``) and ``scores`` (``decision_function``), both (N, 1), and ``score_samples`` with
        the option ``{id(detector): {"score_samples": True}}``.

    Raises
    ------
    TypeError
        For a model, or a step in it, that cannot be exported: one that draws noise
        (``DenoisingImputer(sample_posterior=True)``, a detector around a VAE), or one not covered.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skae import DenoisingAutoencoder
    >>> from skae.onnx import to_onnx
    >>> X = np.random.RandomState(0).uniform(size=(100, 8)).astype(np.float32)
    >>> dae = DenoisingAutoencoder(4, max_iter=2, random_state=0).fit(X)
    >>> onx = to_onnx(dae, X[:1])
    >>> session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> codes = session.run(None, {"X": X})[0]
    >>> bool(np.allclose(codes, dae.transform(X), atol=1e-5))
    True
    """
    register_converters()  # again: skae subclasses defined since the import
    _refuse_unexportable(model)
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float32)
    return _skl2onnx_to_onnx(model, X[:1], target_opset=target_opset, options=options)


def _steps(model):
    yield model
    for attribute in ("steps", "transformers", "transformer_list"):
        for item in getattr(model, attribute, None) or []:
            yield from _steps(item[1])


def _refuse_unexportable(model):
    for step in _steps(model):
        if (type(step).__module__ or "").startswith("skae"):
            _check_exportable(step)


def _check_exportable(estimator):
    """A TypeError naming what cannot be exported: a model that is not covered, or one that draws noise."""
    if not isinstance(estimator, tuple(exportable_classes())):
        raise TypeError(f"skae.onnx cannot export {type(estimator).__name__}: the models it converts are "
                        f"{', '.join(sorted(c.__name__ for c in exportable_classes()))}.")
    if isinstance(estimator, DenoisingImputer) and estimator.sample_posterior:
        raise TypeError("skae.onnx cannot export DenoisingImputer(sample_posterior=True): its fills are random "
                        "draws. Export it with sample_posterior=False (the mean fill).")
    inner = getattr(estimator, "estimator_", None)
    if any(model.__dict__.get("column_kinds_") is not None for model in (estimator, inner) if model is not None):
        raise TypeError(f"skae.onnx cannot export {type(estimator).__name__} fitted on a table with bool, categorical "
                        f"or text columns: its encoding runs in pandas. Fit it on numbers (e.g. after a "
                        f"ColumnTransformer with OneHotEncoder) to export it.")
    if isinstance(estimator, AutoencoderOutlierDetector) and isinstance(inner, VAE):
        raise TypeError(f"skae.onnx cannot export an AutoencoderOutlierDetector around a {type(inner).__name__}: "
                        f"its score (a bound on log p(x)) draws noise.")


register_converters()
