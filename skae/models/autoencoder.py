"""The base of skae's autoencoders: everything a transformer does with a trained encoder and decoder.

:class:`BaseAutoencoder` writes, once for all autoencoders: ``fit``,
``partial_fit``, ``transform``, ``inverse_transform``, ``score_samples``,
``score``, the output feature names, the default single training phase, the
``encoder=`` / ``decoder=`` module classes, and the collapsed-code check after
training. A single-phase model declares its parameters, its module classes
(``_module_class``, ``_modular_class``) and its objective (:meth:`~BaseAutoencoder._objective`).
"""

import warnings

import numpy as np
import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
)

from ..engine.data import TensorData
from ..nn.autoencoders import Autoencoder, ModularAutoencoder
from ..nn.losses import ReconstructionLoss, reconstruction_loss
from .base import Phase, TorchEstimator
from .custom import custom_autoencoder, initialise_custom, uses_custom_modules
from .table import (
    TABLE_LOSS,
    column_weights,
    column_widths,
    decode_table,
    describe_columns,
    encode_table,
    is_table,
    missing_entries,
    numeric_matrix,
    output_activation,
    table_objective,
    validate_table,
)
from .validation import check_float32_range, check_X_for_loss, refuse_fit_params

__all__ = ["BaseAutoencoder"]


class BaseAutoencoder(TransformerMixin, TorchEstimator):
    """Base class of skae's autoencoders; not for direct use.

    Subclasses store their parameters in ``__init__``, extend
    ``_parameter_constraints``, and declare their module (``_module_class`` and,
    with ``encoder=`` / ``decoder=`` parameters, ``_modular_class``; or
    :meth:`_module`) and objective (:meth:`_objective`); a multi-phase model
    overrides :meth:`_phases`. The module's ``forward(x)`` gives
    ``(preactivation, code, ...)``; it has an ``encoder`` (x -> code) and a
    ``decoder`` whose ``forward`` maps codes to data space and
    ``preactivation`` to the loss's input.
    """

    _parameter_constraints: dict = dict(TorchEstimator._parameter_constraints)

    #: A base class, never rebuilt from a file (not registered; its subclasses are).
    _abstract = True

    #: Prefix of the output feature names (``dae0, dae1, ...``).
    _feature_prefix = "ae"

    #: The MLP module class :meth:`_module` builds.
    _module_class = Autoencoder

    #: The module class assembling ``encoder=`` / ``decoder=`` classes (for estimators with those parameters).
    _modular_class = ModularAutoencoder

    # ------------------------------------------------------- declarations
    def _uses_custom_modules(self):
        return "encoder" in self._get_param_names() and uses_custom_modules(self)

    def _module(self, n_features):
        """A new, not yet initialised module: ``_modular_class`` around the ``encoder`` / ``decoder``
        classes if any, else ``_module_class`` from ``n_components``, ``hidden_layer_sizes``,
        ``activation``, ``tied_weights`` and ``loss_``."""
        if self._uses_custom_modules():
            return custom_autoencoder(self, n_features, self._modular_class)
        return self._module_class(
            n_features=n_features,
            n_components=self.n_components,
            hidden_layer_sizes=self._hidden_sizes(),
            activation=self.activation,
            output_activation=output_activation(self.loss_),
            tied_weights=self.tied_weights,
        )

    def _objective(self):
        """The training objective, as :class:`~skae.engine.net.SkaeNet` parameters."""
        if self.loss_ == TABLE_LOSS:
            return table_objective(self.column_kinds_, self.categories_, self.column_weights_.tolist())
        return {"criterion": ReconstructionLoss, "criterion__kind": self.loss_}

    def _phases(self, X=None, y=None):
        """One phase: ``max_iter`` epochs of :meth:`_objective` on ``X``."""
        return [Phase(
            name="fit", epochs=self.max_iter, module=lambda trained: self._module(self._input_width()),
            objective=self._objective(), data=lambda trained: TensorData(X), initialise=self._initialise,
        )]

    def _initialise(self, module, generator):
        """Glorot-uniform weights for the MLP; a user's modules keep their own initialisation, seeded."""
        if self._uses_custom_modules():
            return initialise_custom(module, generator)
        return super()._initialise(module, generator)

    def _prepare_training_data(self, X, y=None):
        X = self._validate_X(X, reset=True, min_samples=2)
        if self.column_kinds_ is not None:
            if self.loss == "cross_entropy":
                raise ValueError("A table is fitted with squared error on its numeric columns and cross-entropy on "
                                 "its category blocks; loss='cross_entropy' applies to arrays in [0, 1]: use "
                                 "loss='auto' or 'squared_error'.")
            self.loss_ = TABLE_LOSS
        else:
            self.loss_ = self._loss_for(X)
        self._check_training_X(X)
        return X, None

    # -------------------------------------------------------------- tables
    #: Whether ``fit`` takes a DataFrame with bool, categorical or text columns (see :mod:`skae.models.table`).
    _accepts_tables = True

    def _validate_X(self, X, *, reset, min_samples=1):
        """``X`` as a float array; a table (fitted on one, or any at ``fit``) as its float32 encoding."""
        if not (is_table(X) or (not reset and self.__dict__.get("column_kinds_") is not None)):
            if reset:
                self.column_kinds_ = None
            return super()._validate_X(X, reset=reset, min_samples=min_samples)
        if reset and not self._accepts_tables:
            raise ValueError(f"{type(self).__name__} takes numbers only, and X has bool, categorical or text "
                             f"columns. DenoisingAutoencoder, ContractiveAE and SparseAE take such tables; or "
                             f"one-hot encode them first (OneHotEncoder in a ColumnTransformer).")
        kinds = validate_table(self, X, reset=reset, min_samples=min_samples)
        missing = missing_entries(X, kinds, np.nan)
        if missing.any():
            raise ValueError(f"X has missing entries in the columns {list(X.columns[missing.any(axis=0)])}; "
                             f"fill them first, e.g. with DenoisingImputer in a Pipeline.")
        if reset:
            self.categories_, self.column_dtypes_ = describe_columns(X, missing)
            self.column_kinds_ = kinds
            numbers = numeric_matrix(X, kinds)
            check_float32_range(numbers)
            std = numbers.std(axis=0)
            self.column_mean_ = numbers.mean(axis=0)
            self.column_scale_ = np.where(std > 0, std, 1.0)
        encoded = encode_table(X, kinds, self.categories_, missing, self.column_mean_, self.column_scale_)
        if reset:
            widths = column_widths(kinds, self.categories_)
            self.column_weights_ = np.asarray(column_weights(encoded, kinds, widths, ~missing))
        return encoded.astype(np.float32)

    def _input_width(self):
        """The network's input width: ``n_features_in_``, or a table's encoded width."""
        if self.__dict__.get("column_kinds_") is None:
            return self.n_features_in_
        return sum(column_widths(self.column_kinds_, self.categories_))

    @property
    def _n_features_out(self):
        return self.n_components

    #: ``scale_codes`` centres the codes (a sparse code is only divided by its scale, keeping its zeros).
    _centre_codes = True

    #: Rows encoded at a time when the codes of the training data are measured.
    _chunk_rows = 4096

    #: Code activations with bounds, and the share of code entries within 1% of the range from a
    #: bound above which a fit warns that its code saturated.
    _BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    _saturated_share = 0.95

    def _after_training(self, X, y, *, update):
        stats = self._code_statistics(X)
        self._warn_if_collapsed(stats)
        self._warn_if_saturated(stats)
        n, mean, std = stats["n"], stats["mean"], stats["std"]
        if hasattr(self, "scale_codes") and (n > 1 or not hasattr(self, "code_mean_")):
            # the scale of transform's codes: on this call's rows (the encoder changed); a later
            # partial_fit chunk of a single row keeps the previous statistics
            if not self._centre_codes:  # a sparse code keeps its zeros: scaled by its root mean square
                std, mean = np.sqrt(stats["mean_square"]), np.zeros_like(mean)
            rms = float(np.sqrt(np.mean(std**2)))
            self.code_mean_ = mean
            self.code_scale_ = rms if rms > 0 and np.isfinite(rms) else 1.0

    def _code_bounds(self):
        """The bounds of the code's activation (sigmoid, tanh), or ``None`` (unbounded, or a user's encoder)."""
        if self._uses_custom_modules():
            return None
        return self._BOUNDED.get(getattr(self, "activation", None))

    def _code_statistics(self, X):
        """The codes of the training rows, summarised: ``n``, each unit's ``mean``, ``std`` and
        ``mean_square``, the ``largest`` ``|code|`` and the ``saturated`` share of entries (bounded codes).

        Encodes ``X`` (a tensor) in chunks and accumulates in float64, so that no
        (n_samples, n_components) array is held.
        """
        module = self.net_.module_.eval()
        bounds = self._code_bounds()
        total = squares = 0
        largest = saturated = 0.0
        with torch.no_grad():
            for start in range(0, len(X), self._chunk_rows):
                codes = self._encode(module, X[start : start + self._chunk_rows].to(self.device_)).double()
                total = total + codes.sum(dim=0)
                squares = squares + (codes**2).sum(dim=0)
                largest = max(largest, codes.abs().max().item())
                if bounds is not None:
                    margin = 0.01 * (bounds[1] - bounds[0])
                    saturated += ((codes <= bounds[0] + margin) | (codes >= bounds[1] - margin)).sum().item()
        n = len(X)
        mean, mean_square = (total / n).cpu().numpy(), (squares / n).cpu().numpy()
        std = np.sqrt((mean_square - mean**2).clip(min=0) * n / (n - 1)) if n > 1 else np.full_like(mean, np.inf)
        share = saturated / mean.size / n if bounds is not None else 0.0
        return {"n": n, "mean": mean, "std": std, "mean_square": mean_square, "largest": largest, "saturated": share}

    def _warn_if_collapsed(self, stats):
        """Warn when the code collapsed: every unit (nearly) constant over the training rows."""
        spread = float(stats["std"].max())
        if spread <= 1e-4 * max(1.0, stats["largest"]):
            warnings.warn(
                f"{type(self).__name__}: the code collapsed: every one of its {len(stats['std'])} units is "
                f"(nearly) constant over the training data (largest standard deviation {spread:.2g}), so "
                f"transform() carries no information about X. Try a lower lr (e.g. {self.lr / 10:g}), "
                f"more epochs at that rate, or another activation; check that X varies.",
                ConvergenceWarning,
            )

    def _warn_if_saturated(self, stats):
        """Warn when a bounded code saturated: nearly every entry at a bound, as on unscaled inputs."""
        if stats["saturated"] > self._saturated_share:
            warnings.warn(
                f"{type(self).__name__}: the {self.activation} code saturated: {stats['saturated']:.0%} of its "
                f"entries on the training data lie within 1% of a bound, so transform() carries little "
                f"information about X (downstream estimators may score at chance). This happens when X's "
                f"features are far from unit scale: put a StandardScaler or MinMaxScaler before "
                f"{type(self).__name__}, or train longer.",
                ConvergenceWarning,
            )

    def _restore_fitted_state(self, state):
        super()._restore_fitted_state(state)
        if hasattr(self, "scale_codes") and "code_mean_" not in state:
            self.scale_codes = False  # saved before transform scaled its codes: it keeps the raw codes

    # ----------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, **fit_params):
        """Train the autoencoder on ``X`` from a fresh initialisation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (float32/float64, or convertible; DataFrames keep
            their column names in ``feature_names_in_``). A DataFrame with
            bool, category or text columns is encoded as a table (one-hot
            blocks scored by a softmax) where the model takes one
            (``DenoisingAutoencoder``, ``ContractiveAE``, ``SparseAE``).
        y : None
            Ignored; present for API consistency.
        **fit_params : dict
            Not supported: ``sample_weight`` (or any other fit parameter) is
            a ``ValueError`` (a ``TypeError`` for other names) that says how to
            weight rows instead.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        refuse_fit_params(self, fit_params)
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, **fit_params):
        """Train for one more pass over ``X`` (initialising on the first call).

        Useful for streaming and out-of-core data: call it once per chunk. The
        optimiser state and random streams carry over between calls. If the
        pass diverges, the previously fitted state is kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored; present for API consistency.
        **fit_params : dict
            Not supported: ``sample_weight`` (or any other fit parameter) is
            a ``ValueError`` (a ``TypeError`` for other names) that says how to
            weight rows instead.

        Returns
        -------
        self : object
            The updated estimator.
        """
        refuse_fit_params(self, fit_params)
        return self._partial_fit(X)

    @property
    def encoder_(self):
        """The trained encoder module (x -> code)."""
        check_is_fitted(self, "net_")
        return self.net_.module_.encoder

    @property
    def decoder_(self):
        """The trained decoder module (code -> reconstruction in data space)."""
        check_is_fitted(self, "net_")
        return self.net_.module_.decoder

    # ---------------------------------------------------------------- inference
    def transform(self, X):
        """Encode ``X`` (deterministic: no corruption at inference).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The codes, in X's floating dtype.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        Z = self._map_rows(X, self._encode, self._n_features_out)
        if getattr(self, "scale_codes", False):
            Z -= self.code_mean_.astype(Z.dtype)
            Z /= Z.dtype.type(self.code_scale_)
        return Z

    def _encode(self, module, xb):
        """The code of batch ``xb``."""
        return module.encoder(xb)

    def inverse_transform(self, X):
        """Decode codes back to data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructions (in [0, 1] for a cross-entropy model).
        """
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects codes of width n_components={self._n_features_out}."
            )
        if getattr(self, "scale_codes", False):  # back to the encoder's activations (a new array)
            Z = Z * Z.dtype.type(self.code_scale_) + self.code_mean_.astype(Z.dtype)
        output = self._map_rows(Z, lambda m, zb: m.decoder(zb), self._input_width())
        if self.__dict__.get("column_kinds_") is None:
            return output
        columns = decode_table(output.astype(np.float64), self.column_kinds_, self.categories_, self.column_mean_,
                               self.column_scale_)
        return np.column_stack([np.asarray(column, dtype=object) for column in columns])

    def _feature_losses(self, module, xb):
        """Each entry's reconstruction loss on batch ``xb``: (B, D), rows summing to minus the score.

        For a table, each column's (weighted) loss: (B, ``n_features_in_``), a category block's summed.
        """
        preactivation = module.decoder.preactivation(module.encoder(xb))
        if self.loss_ == TABLE_LOSS:
            return self.net_.criterion_.column_losses(preactivation, xb)
        return reconstruction_loss(preactivation, xb, self.loss_, reduction="elementwise")

    def _score_batch(self, module, xb):
        return -self._feature_losses(module, xb).sum(dim=1, keepdim=True)

    def score_samples(self, X):
        """Negative reconstruction loss of each sample (higher is better).

        The loss is summed over features (cross-entropy in nats, or squared
        error), computed on the clean input.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        check_X_for_loss(X, self.loss_)
        return self._map_rows(X, self._score_batch, 1)[:, 0]

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over ``X`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: ``<prefix>0, <prefix>1, ...``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "net_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(
            [f"{self._feature_prefix}{i}" for i in range(self._n_features_out)], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

