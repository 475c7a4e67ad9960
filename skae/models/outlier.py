"""Anomaly detection with any skae model, in scikit-learn's outlier-detector API."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.model_selection import KFold
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engine.seeds import purpose_seed
from ..nn.corruption import MaskingNoise
from .dae import DenoisingAutoencoder
from .registry import Registered
from .table import is_table
from .vae import VAE
from .validation import check_X_for_loss, refuse_fit_params

__all__ = ["AutoencoderOutlierDetector"]

#: "auto": a row is an outlier when its score lies this many robust standard deviations
#: (1.4826 x the median absolute deviation) below the median training score.
AUTO_THRESHOLD = 3.0


def auto_offset(scores):
    """``contamination="auto"``'s threshold: ``AUTO_THRESHOLD`` robust standard deviations below the median."""
    median = np.median(scores)
    return float(median - AUTO_THRESHOLD * 1.4826 * np.median(np.abs(scores - median)))


class AutoencoderOutlierDetector(Registered, OutlierMixin, BaseEstimator):
    """Outlier detection from a skae model's ``score_samples`` (reconstruction loss or ELBO).

    Follows scikit-learn's outlier conventions as :class:`~sklearn.ensemble.IsolationForest`
    does: ``score_samples`` is higher for more normal rows, ``decision_function`` is
    ``score_samples - offset_`` (negative for outliers) and ``predict`` gives +1 for
    inliers and -1 for outliers.

    Parameters
    ----------
    estimator : skae estimator or None, default=None
        Any skae model with ``score_samples`` (``DenoisingAutoencoder``, ``VAE``, ...),
        cloned and fitted on ``X``. ``None``: a ``DenoisingAutoencoder`` for
        standardised tabular data: one ReLU layer of 64 units, a code of
        ``min(32, max(2, n_features // 2))`` units, 20% masking noise, squared error,
        Adam at 1e-3, 100 epochs at most. Standardise the data first (e.g. in a ``Pipeline`` with ``StandardScaler``).
        A DataFrame with bool, category or text columns goes to the model as it
        is (its numbers are standardised inside, its categories are one-hot blocks;
        see the user guide), and :meth:`feature_scores` gives one entry per column.
    contamination : "auto" or float in (0, 0.5], default="auto"
        The share of outliers expected in the training data: ``offset_`` is that
        quantile of the training scores (scikit-learn's contract: ``predict`` flags
        that share of the training rows). ``"auto"``, a rule that needs no estimate:
        a row is an outlier when its score is more than 3 robust standard
        deviations (1.4826 × MAD) below the median of the *cross-fitted* training
        scores (see ``cv``).
    cv : int or None, default=3
        With ``contamination="auto"``: folds of the cross-fitting that sets
        ``offset_``. Each training row is scored by a model fitted without it, as a
        new row will be; a model scores its own training rows too well, so a
        threshold set on them flags far more new inliers than intended (measured
        in ``benchmarks/bench_outliers.py``, see the results page). Costs
        ``cv`` more fits on ``(cv - 1) / cv`` of the rows. ``None``: the training
        scores. With fewer than ``2 * cv`` rows, as many folds as leave 2 rows
        to each model.
    random_state : int, RandomState instance or None, default=None
        Passed to the estimator (when it takes one): the same value gives the same
        scores.

    Attributes
    ----------
    estimator_ : skae estimator
        The fitted model.
    offset_ : float
        The threshold subtracted from ``score_samples`` in ``decision_function``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> import numpy as np
    >>> from skae import AutoencoderOutlierDetector, DenoisingAutoencoder
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 8))
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> detector = AutoencoderOutlierDetector(contamination=0.05, random_state=0).fit(X)
    >>> outliers = 4 * rng.uniform(-1, 1, size=(5, 8))
    >>> detector.predict(outliers).tolist()
    [-1, -1, -1, -1, -1]
    >>> float(np.mean(detector.predict(X) == -1))  # contamination: the share of training rows flagged
    0.05
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "cv": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, contamination="auto", cv=3, random_state=None):
        self.estimator = estimator
        self.contamination = contamination
        self.cv = cv
        self.random_state = random_state

    def _default_estimator(self, n_features):
        # lr and max_iter as the detector was measured with (bench_outliers), not DenoisingAutoencoder()'s
        # defaults, which were chosen for features
        return DenoisingAutoencoder(
            n_components=min(32, max(2, n_features // 2)), hidden_layer_sizes=(64,), activation="relu",
            corruption=MaskingNoise(0.2), loss="squared_error", lr=1e-3, max_iter=100,
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **fit_params):
        """Fit the model on ``X`` and set ``offset_`` from its training scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
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
        X = self._validate(X, reset=True)
        estimator = self._default_estimator(X.shape[1]) if self.estimator is None else clone(self.estimator)
        if self.random_state is not None and "random_state" in estimator.get_params():
            estimator.set_params(random_state=self.random_state)
        self.estimator_ = estimator.fit(X)
        if self.contamination == "auto":
            self.offset_ = auto_offset(self._cross_fitted_scores(estimator, X))
        else:
            self.offset_ = float(np.percentile(self.estimator_.score_samples(X), 100.0 * self.contamination))
        return self

    def _cross_fitted_scores(self, estimator, X):
        """Each row's score from a copy of ``estimator`` fitted without it (or the training scores, ``cv=None``)."""
        n_splits = 0 if self.cv is None else min(int(self.cv), len(X) // 2)
        if n_splits < 2:
            return self.estimator_.score_samples(X)
        folds = KFold(n_splits, shuffle=True, random_state=purpose_seed(self.random_state, "detector-folds"))
        scores = np.empty(len(X))
        rows = X.iloc if is_table(X) else X
        for train, held_out in folds.split(X):
            scores[held_out] = clone(estimator).fit(rows[train]).score_samples(rows[held_out])
        return scores

    def _validate(self, X, *, reset):
        """``X`` as a float array, or a table as it is (its model encodes it; see :mod:`skae.models.table`)."""
        if is_table(X) or (not reset and self.estimator_.__dict__.get("column_kinds_") is not None):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] < 2 and reset:
                raise ValueError(f"AutoencoderOutlierDetector needs at least 2 rows to fit, got {X.shape[0]}.")
            return X
        return validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2 if reset else 1,
                             reset=reset)

    def score_samples(self, X):
        """The model's score of each row: higher is more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.score_samples(self._validate(X, reset=False))

    def feature_scores(self, X):
        """Each column's part of each row's anomaly: which features made a row anomalous.

        The model's score of a row is minus its reconstruction loss, a sum over the
        columns; ``feature_scores`` returns the terms of that sum, so each row sums to
        ``-score_samples(X)`` and a larger entry is a column worse reconstructed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_features)
            Non-negative; ``scores.sum(axis=1) == -score_samples(X)`` up to rounding.

        Raises
        ------
        TypeError
            For a detector around a VAE or DVAE, whose score (a bound on log p(x)) also
            holds a KL term that belongs to no column.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import AutoencoderOutlierDetector, DenoisingAutoencoder
        >>> X = np.random.RandomState(0).normal(size=(200, 5))
        >>> detector = AutoencoderOutlierDetector(DenoisingAutoencoder(4, max_iter=5), random_state=0).fit(X)
        >>> odd = X[:1].copy()
        >>> odd[0, 3] = 8.0                                       # one column far off
        >>> int(np.argmax(detector.feature_scores(odd)[0]))
        3
        >>> bool(np.allclose(detector.feature_scores(X).sum(axis=1), -detector.score_samples(X)))
        True
        """
        check_is_fitted(self, "estimator_")
        estimator = self.estimator_
        if isinstance(estimator, VAE) or not hasattr(estimator, "_feature_losses"):
            raise TypeError(f"feature_scores needs a reconstruction score, a sum over the columns; the score of a "
                            f"{type(estimator).__name__} also holds a term that belongs to no column.")
        X = estimator._validate_X(self._validate(X, reset=False), reset=False)  # a table: its encoding
        check_X_for_loss(X, estimator.loss_)
        return estimator._map_rows(X, estimator._feature_losses, estimator.n_features_in_)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        decision : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    # --------------------------------------- skae.save / skae.load (the model's own state)
    @property
    def net_(self):
        """The fitted model's skorch net (what :func:`skae.save` stores the weights of)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.net_

    @property
    def device_(self):
        """Where the fitted model lives."""
        return self.estimator_.device_

    def _fitted_state(self):
        return {k: v for k, v in vars(self).items() if k.endswith("_")}

    def _restore_fitted_state(self, state):
        bad = [k for k in state if not (isinstance(k, str) and k.endswith("_"))]
        if bad:
            raise ValueError(f"not fitted attributes: {bad}")
        vars(self).update(state)

    def _untrained_module(self):
        return self.estimator_._untrained_module()

    def _attach_loaded_module(self, module, device=None):
        self.estimator_._attach_loaded_module(module, device=device)
