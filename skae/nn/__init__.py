"""The science of skae, in torch only (no scikit-learn, no skorch), testable on tensors alone.

``layers`` (activations, MLP stacks, tied and reshaping layers),
``autoencoders`` (the model modules), ``conv`` (the ready-made convolutional
pair), ``corruption`` (the noise processes), ``losses`` (reconstruction,
penalties, variational bounds), ``functional`` (encoder Jacobians) and
``init`` (seeded initialisation).
"""
