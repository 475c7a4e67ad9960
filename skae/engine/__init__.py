"""The training engine (torch and skorch; no scikit-learn estimators).

``net`` holds :class:`~skae.engine.net.SkaeNet`, the one skorch ``NeuralNet``
that trains every model and owns its training state; ``data`` batches tensors;
``callbacks`` (divergence, stopping) and ``progress`` are skorch callbacks;
``parallel`` switches on data-parallel training; ``devices`` and ``seeds``
resolve the ``device`` and ``random_state`` parameters.
"""
