"""ONNX export of fitted skae models, alone or inside scikit-learn pipelines (the ``[onnx]`` extra).

Importing this module registers, with skl2onnx, a converter and a shape calculator for every skae
estimator whose inference is a fixed function of its input, so that skl2onnx's own
``to_onnx(pipeline, X[:1])`` converts a ``Pipeline`` or ``ColumnTransformer`` holding skae steps. Each
converter writes the fitted module's inference as a torch module (:class:`TransformGraph`,
:class:`ClassifierGraph`), exports it with ``torch.onnx.export`` (a dynamic batch axis, the opset
skl2onnx asks for) and splices the graph in with skl2onnx's ``add_onnx_graph``.

What cannot be exported is a clear error naming it: sampling (``sample``), scores that draw noise (a
VAE's bound), training; and the models not covered yet (``DenoisingImputer``,
``AutoencoderOutlierDetector``).
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
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType, StringTensorType
    from skl2onnx.helpers.integration import add_onnx_graph
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "skae.onnx needs the optional ONNX packages: pip install 'skae[onnx]' (skl2onnx, onnx, onnxruntime)."
    ) from exc

from ..models.autoencoder import BaseAutoencoder
from ..models.classifier import StackedDAEClassifier
from ..models.registry import registered_estimators

__all__ = ["to_onnx", "TransformGraph", "ClassifierGraph", "register_converters", "exportable_classes"]


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


def exportable_classes():
    """The registered skae estimator classes this module converts."""
    return [cls for cls in registered_estimators().values() if issubclass(cls, (BaseAutoencoder, StackedDAEClassifier))]


def _graph(estimator, dtype):
    if isinstance(estimator, StackedDAEClassifier):
        return ClassifierGraph(estimator, dtype)
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
    operator.outputs[0].type = tensor_type([n, estimator._n_features_out])


def _convert_transformer(scope, operator, container):
    estimator = operator.raw_operator
    dtype, _ = _input_dtype(operator)
    model = _export(_graph(estimator, dtype), estimator.n_features_in_, dtype, container.target_opset)
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
        Inputs ``X``; for a transformer the output ``variable`` (the codes), for a classifier
        ``label`` and ``probabilities``.

    Raises
    ------
    TypeError
        For a model, or a step in it, that cannot be exported (e.g. ``DenoisingImputer``).

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
        module = type(step).__module__ or ""
        if module.startswith("skae") and not isinstance(step, tuple(exportable_classes())):
            raise TypeError(
                f"skae.onnx cannot export {type(step).__name__} yet: the models it converts are "
                f"{', '.join(sorted(c.__name__ for c in exportable_classes()))}.")


register_converters()
