"""Missing values filled by a denoising autoencoder, in scikit-learn's imputer API."""

import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ..engine.data import TensorData
from ..engine.seeds import purpose_seed
from ..nn.autoencoders import Autoencoder
from ..nn.corruption import MaskingNoise
from ..nn.losses import MaskedSquaredError
from .base import Phase, TorchEstimator
from .params import CORRUPTION, MLP_CONSTRAINTS, copy_corruption
from .table import (
    column_weights,
    column_widths,
    decode_table,
    describe_columns,
    encode_table,
    is_table,
    missing_entries,
    numeric_matrix,
    table_frame,
    table_objective,
    validate_table,
)
from .validation import check_float32_range, refuse_fit_params

__all__ = ["DenoisingImputer"]

#: The share of observed entries that are inputs but never targets in training; ``residual_std_``
#: is each column's error on them (hidden from the input), as on a truly missing entry.
HELD_OUT_FRACTION = 0.1
#: Fewer held-out entries than this in a column: it takes the error pooled over all columns.
MIN_HELD_OUT = 5

#: The default corruption, as the signature shows it (each imputer stores its own copy).
_DEFAULT_MASKING = MaskingNoise(rate=0.25)


class DenoisingImputer(TransformerMixin, TorchEstimator):
    """Fill missing values with a denoising autoencoder trained on the observed entries.

    Vincent et al. trained the DAE to fill in the blanks that masking noise
    makes; here the blanks are real. Columns are standardised on their
    observed values, missing entries enter the network as 0 (the column mean)
    and masking noise hides more observed entries; the loss is the squared
    error on observed entries only, so a missing entry is never a target.
    ``transform`` returns the observed values unchanged, bit for bit, and
    fills each missing one with the reconstruction, in the original units.

    A DataFrame with bool, categorical (``category``) or text columns is one
    model too: each such column is a one-hot block that the network scores
    with a softmax and a cross-entropy (a Bernoulli for a bool), numeric
    columns keep the squared error, and each column's loss is divided by that
    of predicting its marginal so that no column type dominates
    (:class:`~skae.nn.losses.TableLoss`). A missing category is the most
    probable one given the row's other entries (drawn from that distribution
    with ``sample_posterior``); ``transform`` returns an object array, as
    :class:`~sklearn.impute.SimpleImputer` does, or under
    ``set_output(transform="pandas")`` a DataFrame with each column in its
    dtype (a ``category`` keeps its categories).

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
    corruption : corruption object, default=MaskingNoise(rate=0.25)
        Training noise on the standardised inputs (masking sets entries to
        the column mean). 0.25 was chosen by ``benchmarks/bench_impute_defaults.py``
        on tables that no other benchmark reports (iris, a low-rank and a
        redundant-feature table, two wide nonlinear tables; MCAR 30%) against
        0.5 (the default before), tanh units and batches of 256.
    loss : {"squared_error"}, default="squared_error"
        On standardised columns.
    random_state : int, RandomState instance or None, default=None
        Seeds training and, with ``sample_posterior``, the draws.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        Mean and standard deviation of each column's observed values.
    residual_std_ : ndarray of shape (`n_features_in_`,)
        Imputation error of each numeric column, in standardised units,
        measured on a tenth of the observed entries that were inputs but never
        targets in training, hidden from the fitted model's input: held out as
        a missing entry is. (A column with fewer than 5 of them takes the error
        pooled over the numeric columns; a bool or categorical column's is NaN.)
    column_kinds_ : list of str or None
        For a DataFrame with bool, categorical or text columns: ``"numeric"``,
        ``"bool"`` or ``"categorical"`` per column (an object column of bools
        is categorical); ``None`` for numeric input.
    categories_ : list of ndarray or None
        Each column's categories (``None`` for a numeric column): those its
        ``category`` dtype declares, else its observed values, sorted.
    column_dtypes_ : list of str or None
        Each column's pandas dtype, in which pandas output gives it back.
    column_weights_ : ndarray of shape (`n_features_in_`,)
        With ``column_kinds_``: each column's weight in the loss, 1 / the loss
        of predicting its marginal (its variance or entropy, at least 0.05).
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
    all-mean row. Integer input is converted to float; strings in a NumPy
    array are an error (pass a DataFrame). In a DataFrame, a category not seen
    in ``fit`` is an error that names it, and a bool, categorical or text
    column with no observed value at ``fit`` too. Other skae transformers refuse NaN: impute first, e.g. in a
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

    A table with a category column:

    >>> import pandas as pd
    >>> size = rng.normal(size=300)
    >>> table = pd.DataFrame({"size": size, "label": pd.Categorical(np.where(size > 0, "big", "small"))})
    >>> table.loc[:9, "label"] = None
    >>> imputer = DenoisingImputer(max_iter=30, random_state=0).set_output(transform="pandas")
    >>> filled = imputer.fit(table).transform(table)
    >>> filled["label"].dtype == table["label"].dtype, bool(filled["label"].isna().any())
    (True, False)
    >>> float(np.mean(filled["label"][:10] == np.where(size[:10] > 0, "big", "small"))) > 0.7
    True
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
        if is_table(X):
            X, missing = self._validate_table(X, reset=True)
        else:
            self.column_kinds_ = self.categories_ = self.column_dtypes_ = None
            X = self._validate_X(X, reset=True, min_samples=2)
            missing = self._missing(X)
        numbers = self._numbers(X)
        check_float32_range(np.where(missing, 0.0, numbers))
        self.empty_ = missing.all(axis=0)
        if self.empty_.any() and not self.keep_empty_features:
            warnings.warn(f"Skipping features without any observed values: {np.flatnonzero(self.empty_).tolist()}; "
                          f"keep_empty_features=True keeps them, filled with 0.", UserWarning)
        observed = np.where(missing, 0.0, numbers)
        counts = np.maximum((~missing).sum(axis=0), 1)
        self.mean_ = observed.sum(axis=0) / counts
        std = np.sqrt((np.where(missing, 0.0, numbers - self.mean_) ** 2).sum(axis=0) / counts)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.indicator_features_ = np.flatnonzero(missing.any(axis=0)) if self.add_indicator else None
        inputs = self._encoded_input(X, missing)
        # A tenth of the observed entries are inputs but never targets: residual_std_ is measured on them.
        rng = np.random.default_rng(purpose_seed(self.random_state, "imputer-held-out"))
        held_out = ~missing & (rng.uniform(size=missing.shape) < HELD_OUT_FRACTION)
        targets = ~missing & ~held_out
        if self.column_kinds_ is not None:
            self.column_weights_ = np.asarray(column_weights(inputs, self.column_kinds_, self._widths(), targets))
        return inputs, np.hstack([inputs, targets.astype(np.float32), held_out.astype(np.float32)])

    # ------------------------------------------------------- mixed tables
    def _validate_table(self, X, *, reset):
        """A DataFrame with bool, categorical or text columns, and its missing entries (see skae.models.table)."""
        kinds = validate_table(self, X, reset=reset, min_samples=2)
        missing = missing_entries(X, kinds, self.missing_values)
        if reset:
            self.categories_, self.column_dtypes_ = describe_columns(X, missing)
            self.column_kinds_ = kinds
        return X, missing

    def _numbers(self, X):
        """The numeric columns of ``X`` as float64 (0 in the others); ``X`` itself for an array."""
        return X if self.column_kinds_ is None else numeric_matrix(X, self.column_kinds_)

    def _widths(self):
        """Each column's width in the network's input (1 per column for an array)."""
        if self.column_kinds_ is None:
            return [1] * self.n_features_in_
        return column_widths(self.column_kinds_, self.categories_)

    def _numeric_columns(self):
        """(which columns are numeric, their positions in the network's input)."""
        widths = self._widths()
        numeric = np.array([kind == "numeric" for kind in (self.column_kinds_ or ["numeric"] * len(widths))])
        return numeric, np.cumsum([0, *widths[:-1]])[numeric]

    def _encoded_input(self, X, missing):
        """The network's input, float32: standardised numbers and one-hot blocks, missing entries at 0."""
        if self.column_kinds_ is None:
            return self._standardised_input(X, missing)
        return encode_table(X, self.column_kinds_, self.categories_, missing, self.mean_, self.scale_
                            ).astype(np.float32)

    def _resolve_params(self):
        self.corruption_ = copy_corruption(self.corruption)

    def _phases(self, X=None, y=None):
        objective = {"criterion": MaskedSquaredError, "corruption": self.corruption_}
        if self.__dict__.get("column_kinds_") is not None:
            objective.update(table_objective(self.column_kinds_, self.categories_, self.column_weights_.tolist()))
        return [Phase(
            name="fit", epochs=self.max_iter,
            module=lambda trained: Autoencoder(sum(self._widths()), self.n_components, self._hidden_sizes(),
                                               self.activation, "identity", self.tied_weights),
            objective=objective, data=lambda trained: TensorData(X, y), initialise=self._initialise,
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
        held_out = y[:, X.shape[1] + self.n_features_in_:].cpu().numpy() > 0
        self.residual_std_ = self._held_out_error(X.cpu().numpy(), held_out)

    def _held_out_error(self, inputs, held_out):
        """Each numeric column's RMSE on ``held_out`` entries (never targets in training), hidden from the input.

        A column with fewer than ``MIN_HELD_OUT`` such entries takes the pooled RMSE of all numeric columns;
        a bool or categorical column's is NaN.
        """
        widths = self._widths()
        hidden = np.repeat(held_out, widths, axis=1)  # a block is hidden whole
        numeric, positions = self._numeric_columns()
        output = self._reconstruct(np.where(hidden, 0.0, inputs).astype(np.float32))
        errors = np.where(held_out[:, numeric], output[:, positions] - inputs[:, positions], 0.0)
        counts = held_out[:, numeric].sum(axis=0)
        overall = np.sqrt((errors**2).sum() / max(counts.sum(), 1))
        residual = np.full(len(widths), np.nan)
        residual[numeric] = np.where(counts >= MIN_HELD_OUT,
                                     np.sqrt((errors**2).sum(axis=0) / np.maximum(counts, 1)), overall)
        return residual

    def _restore_fitted_state(self, state):
        """Restore a saved imputer; one saved before mixed tables were supported took arrays only."""
        super()._restore_fitted_state({"column_kinds_": None, "categories_": None, "column_dtypes_": None, **state})

    def _reconstruct(self, inputs):
        return self._map_rows(inputs, lambda module, xb: module(xb)[0], sum(self._widths()))

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
        if self.column_kinds_ is not None:
            return self._transform_table(X)
        X = self._validate_X(X, reset=False)
        missing = self._missing(X)
        with np.errstate(over="ignore"):  # beyond float32's range: refused just below, with its rows
            inputs = self._standardised_input(X, missing)
        self._refuse_unfillable(X, missing, ~np.isfinite(inputs).all(axis=1, keepdims=True) & missing)
        output, noise, _ = self._network_fill(inputs, X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            filled = ((output if noise is None else output + noise) * self.scale_ + self.mean_).astype(X.dtype)
        filled[:, self.empty_] = 0.0
        self._refuse_unfillable(X, missing, missing & ~np.isfinite(filled))  # a silent NaN fill is worse
        indicator = None if self.indicator_features_ is None else missing[:, self.indicator_features_].astype(X.dtype)
        X[missing] = filled[missing].astype(X.dtype)  # X is validate_data's copy: the caller's is untouched
        if not self.keep_empty_features:
            X = X[:, ~self.empty_]
        return X if indicator is None else np.hstack([X, indicator])

    def _network_fill(self, inputs, dtype):
        """The network's output on ``inputs``, the Gaussian noise to add to it (or None) and the draws' rng.

        With ``sample_posterior``: the inputs are corrupted by the model's noise first, and the noise is each
        column's held-out error (0 for a bool or categorical column, whose fills are drawn by ``rng``).
        """
        if not self.sample_posterior:
            return self._reconstruct(inputs.astype(dtype)), None, None
        rng = np.random.default_rng(purpose_seed(self.random_state, "imputer-posterior-draws"))
        if self.corruption_ is not None:
            generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
            inputs = self.corruption_(torch.from_numpy(inputs), generator).numpy()
        output = self._reconstruct(inputs.astype(dtype))
        noise = rng.standard_normal((len(inputs), self.n_features_in_)) * np.nan_to_num(self.residual_std_)
        if self.column_kinds_ is None:
            return output, noise, rng
        numeric, positions = self._numeric_columns()
        output[:, positions] += noise[:, numeric]
        return output, None, rng

    def _transform_table(self, X):
        """:meth:`transform` of a DataFrame with bool, categorical or text columns."""
        X, missing = self._validate_table(X, reset=False)
        numbers = self._numbers(X)
        with np.errstate(over="ignore"):
            inputs = encode_table(X, self.column_kinds_, self.categories_, missing, self.mean_, self.scale_)
        self._refuse_unfillable(numbers, missing, ~np.isfinite(inputs).all(axis=1, keepdims=True) & missing)
        output, _, rng = self._network_fill(inputs.astype(np.float32), np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            fills = decode_table(output.astype(np.float64), self.column_kinds_, self.categories_, self.mean_,
                                 self.scale_, rng)
        bad = np.zeros_like(missing)
        for j, kind in enumerate(self.column_kinds_):
            if kind == "numeric" and not self.empty_[j]:
                bad[:, j] = missing[:, j] & ~np.isfinite(fills[j].astype(np.float64))
        self._refuse_unfillable(numbers, missing, bad)  # a silent NaN fill is worse
        columns = []
        for j, kind in enumerate(self.column_kinds_):
            values = numbers[:, j].astype(object) if kind == "numeric" else X.iloc[:, j].to_numpy(dtype=object).copy()
            values[missing[:, j]] = 0.0 if self.empty_[j] else fills[j][missing[:, j]]
            columns.append(values)
        keep = np.ones(len(columns), dtype=bool) if self.keep_empty_features else ~self.empty_
        names = self.get_feature_names_out()
        kept = [column for column, k in zip(columns, keep) if k]
        indicator = [] if self.indicator_features_ is None else [missing[:, j] for j in self.indicator_features_]
        if _get_output_config("transform", self)["dense"] == "pandas":
            dtypes = [dtype for dtype, k in zip(self.column_dtypes_, keep) if k] + ["bool"] * len(indicator)
            categories = [cats for cats, k in zip(self.categories_, keep) if k] + [None] * len(indicator)
            return table_frame(kept + indicator, names, dtypes, categories, index=X.index)
        return np.column_stack([*kept, *(column.astype(object) for column in indicator)])

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
