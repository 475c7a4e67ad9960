"""Tables of mixed column types: what each column is, and its encoding as the network's float columns.

A table is a pandas DataFrame with at least one column that is not a number:
bool (``bool``, ``boolean``), categorical (``category``) or text (``object``,
``str``/``string``). Each numeric column becomes one network column; each other
column a one-hot block over its categories (a bool column's are ``[False,
True]``), which the decoder scores with a softmax and
:class:`~skae.nn.losses.TableLoss` with a cross-entropy (for a bool, that is a
Bernoulli likelihood). A missing entry of a block is all zeros, as masking noise
leaves a hidden one.

The fitted description is three plain lists an estimator keeps (and
:func:`skae.save` writes): ``kinds`` (``"numeric"``, ``"bool"`` or
``"categorical"`` per column), ``categories`` (an array per column, ``None``
for a numeric one) and ``dtypes`` (each column's pandas dtype, by name, to give
filled columns back in it).
"""

import numpy as np
from sklearn.utils.validation import validate_data

from ..nn.losses import RECONSTRUCTION_LOSSES

__all__ = ["TABLE_LOSS", "output_activation", "is_table", "column_kinds", "validate_table", "describe_columns", "column_widths", "missing_entries",
           "numeric_matrix", "table_objective", "encode_table", "column_weights", "decode_table", "table_frame"]

#: A column's weight in :class:`~skae.nn.losses.TableLoss` is 1 / its marginal loss, floored at this (in
#: nats, or squared units): a nearly constant column is weighted at most 20 times a typical one.
MIN_MARGINAL_LOSS = 0.05


#: ``loss_`` of an autoencoder fitted on a table: :class:`~skae.nn.losses.TableLoss` on its encoding.
TABLE_LOSS = "table"


def output_activation(loss):
    """The decoder's output activation for a fitted ``loss_`` (a table's decoder gives pre-activations)."""
    return "identity" if loss == TABLE_LOSS else RECONSTRUCTION_LOSSES[loss]


def _pandas():
    import pandas as pd

    return pd


def is_table(X):
    """Whether ``X`` is a DataFrame with a bool, categorical or text column."""
    if not hasattr(X, "dtypes") or not hasattr(X, "columns"):
        return False
    return any(_kind(dtype) != "numeric" for dtype in X.dtypes)


def _kind(dtype):
    pd = _pandas()
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def column_kinds(X):
    """``"numeric"``, ``"bool"`` or ``"categorical"`` for each column of DataFrame ``X``."""
    return [_kind(dtype) for dtype in X.dtypes]


def validate_table(estimator, X, *, reset, min_samples=1):
    """Check DataFrame ``X`` against the table ``estimator`` was fitted on (or record it, ``reset``); its kinds.

    Records or checks ``n_features_in_`` and ``feature_names_in_`` as
    :func:`~sklearn.utils.validation.validate_data` does; a column whose kind
    changed since ``fit``, or an array where a table was fitted, is a ``ValueError``.
    """
    name = type(estimator).__name__
    if not reset and not hasattr(X, "columns"):
        raise ValueError(f"{name} was fitted on a DataFrame with bool, categorical or text columns; it needs a "
                         f"DataFrame with the same columns.")
    kinds = column_kinds(X)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    if reset:
        if X.shape[0] < min_samples:
            raise ValueError(f"{name} needs at least {min_samples} rows to fit, got {X.shape[0]}.")
        return kinds
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {name} is expecting {estimator.n_features_in_} "
                         f"features as input.")
    changed = [j for j, (a, b) in enumerate(zip(kinds, estimator.column_kinds_)) if a != b]
    if changed:
        raise ValueError(f"The columns {[X.columns[j] for j in changed]} changed type since fit (now "
                         f"{[kinds[j] for j in changed]}, was {[estimator.column_kinds_[j] for j in changed]}).")
    return kinds


def describe_columns(X, missing):
    """``(categories, dtypes)`` of DataFrame ``X``'s columns (see the module docstring).

    ``missing``: (n, p) bool, the entries not to take categories from. A text
    column's categories are its observed values, sorted; a ``category``
    column's are those its dtype declares; a bool column's are ``[False, True]``.
    A non-numeric column without an observed value is a ``ValueError``.
    """
    empty = [X.columns[j] for j in np.flatnonzero(missing.all(axis=0)) if _kind(X.dtypes.iloc[j]) != "numeric"]
    if empty:
        raise ValueError(f"The columns {empty} have no observed value, hence no category; drop them.")
    categories, dtypes = [], []
    for j, (name, dtype) in enumerate(X.dtypes.items()):
        kind = _kind(dtype)
        dtypes.append(str(dtype))
        if kind == "numeric":
            categories.append(None)
        elif kind == "bool":
            categories.append(np.array([False, True]))
        elif str(dtype) == "category":
            categories.append(np.asarray(dtype.categories.to_numpy()))
        else:
            values = X.iloc[:, j].to_numpy(dtype=object)[~missing[:, j]]
            try:
                found = sorted(set(values))
            except TypeError as error:
                raise ValueError(f"Column {name!r} mixes values that cannot be ordered ({error}); give it one "
                                 f"type, e.g. X[{name!r}].astype(str).") from None
            numbers = np.array(found)  # bools or numbers as such; text as Python strings
            categories.append(numbers if numbers.dtype.kind in "biuf" else np.array(found, dtype=object))
    return categories, dtypes


def column_widths(kinds, categories):
    """Each column's width in the encoding: 1 for a numeric column, its number of categories otherwise."""
    return [1 if kind == "numeric" else len(cats) for kind, cats in zip(kinds, categories)]


def missing_entries(X, kinds, missing_values):
    """(n, p) bool: the missing entries of DataFrame ``X``.

    A non-numeric entry is missing if pandas calls it missing (``None``, NaN,
    ``pd.NA``) or equals ``missing_values``; a numeric one as for an array.
    """
    pd = _pandas()
    nan_marker = missing_values != missing_values
    missing = np.zeros(X.shape, dtype=bool)
    for j, kind in enumerate(kinds):
        column = X.iloc[:, j]
        if kind == "numeric":
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            missing[:, j] = np.isnan(values) if nan_marker else values == missing_values
        else:
            values = column.to_numpy(dtype=object)
            missing[:, j] = pd.isna(values)
            if not nan_marker:
                missing[:, j] |= np.array([v == missing_values for v in values], dtype=bool)
    return missing


def numeric_matrix(X, kinds):
    """DataFrame ``X``'s numeric columns as float64 (NaN where missing), 0 in the others."""
    numbers = np.zeros(X.shape)
    for j, kind in enumerate(kinds):
        if kind == "numeric":
            numbers[:, j] = X.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan)
    return numbers


def table_objective(kinds, categories, weights):
    """The net's objective for a table: :class:`~skae.nn.losses.TableLoss` over its columns' blocks."""
    from ..nn.losses import TableLoss

    return {"criterion": TableLoss, "criterion__widths": column_widths(kinds, categories),
            "criterion__numeric": [kind == "numeric" for kind in kinds], "criterion__weights": list(weights)}


def encode_table(X, kinds, categories, missing, mean, scale):
    """The network's float64 encoding of DataFrame ``X``, shape (n, sum of the widths).

    Numeric columns standardised with ``mean`` and ``scale`` (0 where missing);
    the others one-hot (all zeros where missing). An observed value outside a
    column's categories is a ``ValueError`` naming the column and the values.
    """
    blocks = []
    for j, (kind, cats) in enumerate(zip(kinds, categories)):
        column = X.iloc[:, j]
        if kind == "numeric":
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            blocks.append(np.where(missing[:, j], 0.0, (values - mean[j]) / scale[j])[:, None])
            continue
        values = column.to_numpy(dtype=object)
        observed = ~missing[:, j]
        codes = np.full(len(values), -1)
        lookup = {category: k for k, category in enumerate(cats.tolist())}
        codes[observed] = [lookup.get(v, -1) for v in values[observed]]
        unknown = observed & (codes < 0)
        if unknown.any():
            found = list(dict.fromkeys(values[unknown].tolist()))
            raise ValueError(f"Column {X.columns[j]!r} holds categories not seen in fit: {found[:5]}"
                             f"{' ...' if len(found) > 5 else ''} ({int(unknown.sum())} rows).")
        block = np.zeros((len(values), len(cats)))
        block[np.flatnonzero(observed), codes[observed]] = 1.0
        blocks.append(block)
    return np.hstack(blocks) if blocks else np.empty((X.shape[0], 0))


def column_weights(encoded, kinds, widths, observed):
    """Each column's weight: 1 / the loss of predicting its marginal, from its observed rows.

    A numeric column's (width 1) marginal loss is its variance; a block's, the
    entropy of its category frequencies in nats; floored at ``MIN_MARGINAL_LOSS``.
    """
    weights, start = [], 0
    for j, width in enumerate(widths):
        block = encoded[observed[:, j], start:start + width]
        start += width
        if not len(block):
            weights.append(1.0)
            continue
        if kinds[j] == "numeric":
            marginal = float(block[:, 0].var())
        else:
            frequencies = block.mean(axis=0)
            frequencies = frequencies[frequencies > 0]
            marginal = float(-(frequencies * np.log(frequencies)).sum())
        weights.append(1.0 / max(marginal, MIN_MARGINAL_LOSS))
    return weights


def decode_table(output, kinds, categories, mean, scale, rng=None):
    """Column values from the network's ``output`` (n, sum of the widths) as a list of (n,) arrays.

    A numeric column: the output in the original units. A block: the most
    probable category under its softmax, or (with a ``numpy.random.Generator``
    ``rng``) a category drawn from it.
    """
    columns, start = [], 0
    for j, width in enumerate(column_widths(kinds, categories)):
        block = output[:, start:start + width]
        start += width
        if kinds[j] == "numeric":
            columns.append(block[:, 0] * scale[j] + mean[j])
            continue
        if rng is None:
            index = block.argmax(axis=1)
        else:
            logits = block - block.max(axis=1, keepdims=True)
            probabilities = np.exp(logits)
            cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
            index = np.minimum((cumulative < rng.uniform(size=(len(block), 1))).sum(axis=1), width - 1)
        columns.append(categories[j][index])
    return columns


def table_frame(columns, names, dtypes, categories, index=None):
    """A DataFrame of ``columns`` in their fitted pandas ``dtypes`` (by name; a ``category`` keeps its categories)."""
    pd = _pandas()
    frame = {}
    for name, values, dtype, cats in zip(names, columns, dtypes, categories):
        if dtype == "category":
            frame[name] = pd.Series(pd.Categorical(values, categories=cats), index=index)
        else:
            series = pd.Series(values, index=index, dtype=object)
            frame[name] = series.infer_objects() if dtype == "object" else series.astype(dtype)
    return pd.DataFrame(frame, index=index)
