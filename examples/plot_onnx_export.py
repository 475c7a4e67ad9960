"""
===============================================
Exporting a pipeline with skae steps to ONNX
===============================================

Fit ``StandardScaler -> StackedDAE -> LogisticRegression`` on digits, export the
whole pipeline to ONNX with :func:`skae.onnx.to_onnx` (skl2onnx with skae's
converters) and run it in onnxruntime, where neither Python's torch nor
scikit-learn is needed. The labels and probabilities match the pipeline's own.

Needs the optional extra: ``pip install "skae[onnx]"``.
"""

# %%
# Fit the pipeline
# ----------------
import os
import tempfile
import time

import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import StackedDAE
from skae.onnx import to_onnx

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
pipe = Pipeline([
    ("scaler", StandardScaler()),
    ("sdae", StackedDAE(hidden_layer_sizes=(128,), n_components=64, max_iter=20, fine_tune_iter=20,
                        random_state=0)),
    ("clf", LogisticRegression(max_iter=1000)),
]).fit(X_train, y_train)
print(f"pipeline accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Export it and run it in onnxruntime
# -----------------------------------
# ``zipmap=False`` gives the probabilities as a plain (N, 10) tensor instead of a
# list of dictionaries.
start = time.perf_counter()
onx = to_onnx(pipe, X_train[:1], options={id(pipe.named_steps["clf"]): {"zipmap": False}})
print(f"exported in {time.perf_counter() - start:.1f} s: {len(onx.SerializeToString()) / 1e3:.0f} kB, "
      f"inputs {[i.name for i in onx.graph.input]}, outputs {[o.name for o in onx.graph.output]}")

session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
labels, probabilities = session.run(None, {"X": X_test})

# %%
# The same answers
# ----------------
print(f"labels identical: {np.array_equal(labels, pipe.predict(X_test))}")
print(f"largest probability difference: {np.abs(probabilities - pipe.predict_proba(X_test)).max():.1e}")

# %%
# The file a C++, C#, Java or JavaScript service loads is ``onx.SerializeToString()``:
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "pipeline.onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    again = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    print(f"reloaded from disk, same labels: {np.array_equal(again.run(None, {'X': X_test})[0], labels)}")
