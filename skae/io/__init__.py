"""Persistence and checkpoints, generic over every registered estimator and module class.

``persistence`` (:func:`skae.save` / :func:`skae.load`: a zip of JSON and
safetensors, no pickle), ``encoding`` (what the JSON holds, and back) and
``checkpoint`` (:func:`skae.resumable_fit`). They
know no model's attributes: estimators give their fitted state and training
state through :class:`~skae.models.base.TorchEstimator`'s methods.
"""
