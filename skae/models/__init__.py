"""The estimators (torch, skorch and scikit-learn), one file per family.

``base`` (the shared parameters and the one training path), ``autoencoder``
(what every autoencoder transformer does), then ``dae``, ``stacked``,
``classifier``, ``contractive``, ``sparse``, ``vae``, ``dvae``, ``impute`` and
``outlier``; ``params``, ``custom`` and ``validation`` hold the declarations
they share.
"""
