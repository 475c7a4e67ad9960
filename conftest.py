"""pytest's collection: the ONNX export's modules need the optional ``[onnx]`` extra."""

import importlib.util

collect_ignore = []
if any(importlib.util.find_spec(name) is None for name in ("skl2onnx", "onnx", "onnxruntime", "onnxscript")):
    collect_ignore += ["skae/onnx.py", "skae/io/onnx.py"]  # their doctests import it
