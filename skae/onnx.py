"""ONNX export of fitted skae models and of pipelines holding them (``pip install "skae[onnx]"``).

Importing this module registers skae's converters with skl2onnx, so that skl2onnx's own ``to_onnx``
converts pipelines with skae steps; :func:`to_onnx` does the same for one model or a pipeline. See
:mod:`skae.io.onnx`.
"""

from .io.onnx import ClassifierGraph, TransformGraph, exportable_classes, register_converters, to_onnx

__all__ = ["to_onnx", "TransformGraph", "ClassifierGraph", "register_converters", "exportable_classes"]
