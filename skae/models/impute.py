"""Missing values filled by a denoising autoencoder, in scikit-learn's imputer API."""

import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ..engine.data import TensorData
from ..engine.seeds import purpose_seed
from ..nn.autoencoders import Autoencoder
from ..nn.corruption import MaskingNoise
from ..nn.losses import MaskedSquaredError
from .base import Phase, TorchEstimator
from .params import CORRUPTION, MLP_CONSTRAINTS, copy_corruption
from .validation import check_float32_range, refuse_fit_params

__all__ = ["DenoisingImputer"]

#: The share of observed entries that are inputs but never targets in training; ``residual_std_``
#: is each column's error on them (hidden from the input), as on a truly missing entry.
HELD_OUT_FRACTION = 0.1
#: Fewer held-out entries than this in a column: it takes the error pooled over all columns.
MIN_HELD_OUT = 5

#: The default corruption, as the signature shows it (each imputer stores its own copy).
_DEFAULT_MASKING = MaskingNoise(rate=0.5)


class DenoisingImputer(TransformerMixin, TorchEstimator):
    """Fill missing values with a denoising autoencoder trained on the observed entries.

    Vincent et al. trained the DAE to fill in the blanks that masking noise
    makes; here the blanks are real. Columns are standardised on their
    observed values, missing entries enter the network as 0 (the column mean)
    and masking noise hides more observed entries; the loss is the squared
    error on observed entries only, so a missing entry is never a target.
    ``transform`` returns the observed values unchanged, bit for bit, and
    fills each missing one with the reconstruction, in the original units.

    Parameters
    ----------
    missing_values : float, default=np.nan
        The marker of a missing entry (``np.nan`` or a number).
    add_indicator : bool, default=False
        Append a :class:`~sklearn.impute.MissingIndicator` of the columns that
        had missing values at ``fit``.
    sample_posterior : bool, default=False
        Draw each fill instead of taking the mean: the model's masking noise on
        the observed entries plus Gaussian noise with each column's imputation
        error (measured at ``fit`` on held-out observed entries). Different
        ``random_state`` values give different plausible completions, for
        multiple imputation.
    keep_empty_features : bool, default=False
        Columns with no observed value at ``fit`` are dropped from the output
        (``False``) or kept and filled with 0 (``True``), as in
        :class:`~sklearn.impute.SimpleImputer`.
    n_components : int, default=128
        Code width.
    corruption : corruption object, default=MaskingNoise(rate=0.5)
        Training noise on the standardised inputs (masking sets entries to
        the column mean). 0.5 was chosen on tables that the benchmark does not
        report (iris, a low-rank and a redundant-feature synthetic table; MCAR
        30%) against 0.2 and 0.35 and wider networks.
    loss : {"squared_error"}, default="squared_error"
        On standardised columns.
    random_state : int, RandomState instance or None, default=None
        Seeds training and, with ``sample_posterior``, the draws.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        Mean and standard deviation of each column's observed values.
    residual_std_ : ndarray of shape (`n_features_in_`,)
        Imputation error of each column, in standardised units, measured on
        a tenth of the observed entries that were inputs but never targets in
        training, hidden from the fitted model's input: held out as a missing
        entry is. (A column with fewer than 5 of them takes the error pooled
        over all columns.)
    indicator_features_ : ndarray of int or None
        With ``add_indicator``: the columns that had missing values at
        ``fit``, whose indicators are appended (as
        :class:`~sklearn.impute.MissingIndicator` does).
    empty_ : ndarray of bool of shape (`n_features_in_`,)
        Columns with no observed value at ``fit``.
    n_iter_ : int
    loss_curve_ : list of float
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Notes
    -----
    A row with every entry missing gets the model's reconstruction of the
    all-mean row. Integer input is converted to float; a column of strings is
    an error. Other skae transformers refuse NaN: impute first, e.g. in a
    ``Pipeline([("impute", DenoisingImputer()), ("dae", DenoisingAutoencoder())])``.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import DenoisingImputer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 6))
    >>> X_missing = np.where(rng.uniform(size=X.shape) < 0.2, np.nan, X)
    >>> imputer = DenoisingImputer(max_iter=20, random_state=0).fit(X_missing)
    >>> X_filled = imputer.transform(X_missing)
    >>> bool(np.isnan(X_filled).any()), bool(np.all(X_filled[~np.isnan(X_missing)] == X[~np.isnan(X_missing)]))
    (False, True)
    """

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        **MLP_CONSTRAINTS,
        "loss": [str],
        "corruption": CORRUPTION,
        "missing_values": [Real],
        "add_indicator": ["boolean"],
        "sample_posterior": ["boolean"],
        "keep_empty_features": ["boolean"],
    }

    def __init__(
        self,
        *,
        missing_values=np.nan,
        add_indicator=False,
        sample_posterior=False,
        keep_empty_features=False,
        n_components=128,
        hidden_layer_sizes=(256,),
        corruption=_DEFAULT_MASKING,
        activation="relu",
        tied_weights=False,
        loss="squared_error",
        max_iter=100,
        batch_size=64,
        lr=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self._store_init_params(locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------- data
    def _validate_X(self, X, *, reset, min_samples=1):
        nan_marker = self.missing_values != self.missing_values
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=min_samples,
                          ensure_all_finite="allow-nan", copy=True)
        if not nan_marker and np.isnan(X).any():
            raise ValueError(f"X contains NaN but missing_values={self.missing_values!r}; set "
                             f"missing_values=np.nan or replace the NaNs.")
        return X

    def _missing(self, X):
        return np.isnan(X) if self.missing_values != self.missing_values else X == self.missing_values

    def _standardised_input(self, X, missing):
        """Standardised ``X`` with missing entries at 0 (the mean), float32."""
        Z = (np.where(missing, self.mean_, X) - self.mean_) / self.scale_
        return np.where(missing, 0.0, Z).astype(np.float32)

    def _prepare_training_data(self, X, y=None):
        if self.loss != "squared_error":
            raise ValueError(f"DenoisingImputer trains on standardised columns with loss='squared_error', "
                             f"got loss={self.loss!r}.")
        X = self._validate_X(X, reset=True, min_samples=2)
        missing = self._missing(X)
        check_float32_range(np.where(missing, 0.0, X))
        self.empty_ = missing.all(axis=0)
        if self.empty_.any() and not self.keep_empty_features:
            warnings.warn(f"Skipping features without any observed values: {np.flatnonzero(self.empty_).tolist()}; "
                          f"keep_empty_features=True keeps them, filled with 0.", UserWarning)
        observed = np.where(missing, 0.0, X)
        counts = np.maximum((~missing).sum(axis=0), 1)
        self.mean_ = observed.sum(axis=0) / counts
        std = np.sqrt((np.where(missing, 0.0, X - self.mean_) ** 2).sum(axis=0) / counts)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.indicator_features_ = np.flatnonzero(missing.any(axis=0)) if self.add_indicator else None
        inputs = self._standardised_input(X, missing)
        # A tenth of the observed entries are inputs but never targets: residual_std_ is measured on them.
        rng = np.random.default_rng(purpose_seed(self.random_state, "imputer-held-out"))
        held_out = ~missing & (rng.uniform(size=missing.shape) < HELD_OUT_FRACTION)
        targets = ~missing & ~held_out
        return inputs, np.hstack([inputs, targets.astype(np.float32), held_out.astype(np.float32)])

    def _resolve_params(self):
        self.corruption_ = copy_corruption(self.corruption)

    def _phases(self, X=None, y=None):
        return [Phase(
            name="fit", epochs=self.max_iter,
            module=lambda trained: Autoencoder(self.n_features_in_, self.n_components, self._hidden_sizes(),
                                               self.activation, "identity", self.tied_weights),
            objective={"criterion": MaskedSquaredError, "corruption": self.corruption_},
            data=lambda trained: TensorData(X, y), initialise=self._initialise,
        )]

    # ---------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, **fit_params):
        """Standardise the observed values and train the network to reconstruct them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing entries marked by ``missing_values``.
        y : None
            Ignored.
        **fit_params : dict
            Not supported: ``sample_weight`` (or any other fit parameter) is
            a ``ValueError`` (a ``TypeError`` for other names) that says how to
            weight rows instead.

        Returns
        -------
        self : object
        """
        refuse_fit_params(self, fit_params)
        return self._fit(X)

    def _after_training(self, X, y, *, update):
        """``residual_std_``: each column's RMSE on the held-out entries, hidden from the model's input.

        ``X`` holds the standardised inputs and ``y`` the values, the target mask and the held-out mask.
        """
        held_out = y[:, 2 * self.n_features_in_:].cpu().numpy() > 0
        self.residual_std_ = self._held_out_error(X.cpu().numpy(), held_out)

    def _held_out_error(self, inputs, held_out):
        """Each column's RMSE on ``held_out`` entries (never targets in training), hidden from the input.

        A column with fewer than ``MIN_HELD_OUT`` such entries takes the pooled RMSE of all columns.
        """
        errors = np.where(held_out, self._reconstruct(np.where(held_out, 0.0, inputs).astype(np.float32)) - inputs,
                          0.0)
        counts = held_out.sum(axis=0)
        overall = np.sqrt((errors**2).sum() / max(counts.sum(), 1))
        return np.where(counts >= MIN_HELD_OUT, np.sqrt((errors**2).sum(axis=0) / np.maximum(counts, 1)), overall)

    def _reconstruct(self, inputs):
        return self._map_rows(inputs, lambda module, xb: module(xb)[0], self.n_features_in_)

    # --------------------------------------------------------- inference
    def transform(self, X):
        """Fill the missing entries of ``X``; observed entries are returned unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features_out)
            Without the columns empty at ``fit`` unless ``keep_empty_features``,
            and with the missing indicator appended if ``add_indicator``.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        missing = self._missing(X)
        with np.errstate(over="ignore"):  # beyond float32's range: refused just below, with its rows
            inputs = self._standardised_input(X, missing)
        self._refuse_unfillable(X, missing, ~np.isfinite(inputs).all(axis=1, keepdims=True) & missing)
        noise = None
        if self.sample_posterior:
            rng = np.random.default_rng(purpose_seed(self.random_state, "imputer-posterior-draws"))
            if self.corruption_ is not None:
                generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
                inputs = self.corruption_(torch.from_numpy(inputs), generator).numpy()
            noise = rng.standard_normal(X.shape) * self.residual_std_
        filled = self._reconstruct(inputs.astype(X.dtype))
        if noise is not None:
            filled = filled + noise
        with np.errstate(over="ignore", invalid="ignore"):
            filled = (filled * self.scale_ + self.mean_).astype(X.dtype)
        filled[:, self.empty_] = 0.0
        self._refuse_unfillable(X, missing, missing & ~np.isfinite(filled))  # a silent NaN fill is worse
        indicator = None if self.indicator_features_ is None else missing[:, self.indicator_features_].astype(X.dtype)
        X[missing] = filled[missing].astype(X.dtype)  # X is validate_data's copy: the caller's is untouched
        if not self.keep_empty_features:
            X = X[:, ~self.empty_]
        return X if indicator is None else np.hstack([X, indicator])

    def _refuse_unfillable(self, X, missing, bad):
        """A ValueError naming the rows whose missing entries cannot be filled with finite values."""
        if not bad.any():
            return
        rows = np.flatnonzero(bad.any(axis=1))
        observed = np.abs(np.where(missing, 0.0, X)[rows])
        raise ValueError(
            f"DenoisingImputer cannot fill the missing entries of {len(rows)} rows ({rows[:5].tolist()}"
            f"{', ...' if len(rows) > 5 else ''}): their observed values (up to |x| = {observed.max():.3g}) lie "
            f"so far outside the training data (column standard deviations up to {self.scale_.max():.3g}) that "
            f"the network overflows. Rescale or clip X."
        )

    def get_feature_names_out(self, input_features=None):
        """Output feature names: the kept input columns, then the indicator's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "net_")
        names = _check_feature_names_in(self, input_features)
        out = names if self.keep_empty_features else names[~self.empty_]
        if self.indicator_features_ is not None:
            out = np.concatenate([out, [f"missingindicator_{name}" for name in names[self.indicator_features_]]])
        return np.asarray(out, dtype=object)
