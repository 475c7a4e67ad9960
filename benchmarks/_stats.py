"""The one rule for a claim in the docs: a paired interval over seeds or folds that excludes 0.

Every benchmark that compares two methods run on the same seeds or folds reports the mean
paired difference with a Student-t interval. A difference is a win ("better") only when the
whole interval lies on the good side of 0, a loss ("worse") when it lies on the other side,
and "level" otherwise; a single run gives no interval and no verdict.

Folds of one cross-validation share training rows, so their differences are correlated and
the plain t interval is too narrow. With ``test_fraction`` (test rows / training rows of a
fold) the variance is corrected as Nadeau & Bengio (2003) propose: multiplied by
``1 + n * test_fraction`` over the plain ``1``.
"""

from typing import NamedTuple

import numpy as np
from scipy import stats


class Interval(NamedTuple):
    """A paired difference ``mean`` with its interval ``[low, high]`` and the verdict it supports."""

    low: float
    mean: float
    high: float
    verdict: str

    def format(self, scale=1.0, digits=1):
        """``+2.1 [+0.4, +3.8] better`` (``scale`` multiplies, e.g. 100 for points of accuracy)."""
        if not np.isfinite(self.low):
            return f"{scale * self.mean:+.{digits}f} (one run)"
        return (f"{scale * self.mean:+.{digits}f} [{scale * self.low:+.{digits}f}, {scale * self.high:+.{digits}f}]"
                f" {self.verdict}")


def paired_interval(values, reference, level=0.95, test_fraction=None, higher_is_better=True):
    """The ``level`` t interval of the mean of ``values - reference``, paired by position.

    Parameters
    ----------
    values, reference : sequences of float, one per seed or fold, in the same order.
    level : float
        Coverage of the interval.
    test_fraction : float or None
        For the folds of one cross-validation: test rows / training rows of a fold
        (1/4 for 5-fold CV); applies Nadeau & Bengio's variance correction.
    higher_is_better : bool
        Whether a positive difference is a win (accuracy) or a loss (an error, a time).

    Returns
    -------
    Interval
        ``verdict`` is "better" or "worse" when the interval excludes 0, else "level";
        with fewer than two pairs the interval is infinite and the verdict "one run".
    """
    values, reference = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    if values.ndim != 1 or values.shape != reference.shape or values.size == 0:
        raise ValueError(f"paired_interval needs two equal-length 1-D sequences, got shapes {values.shape} "
                         f"and {reference.shape}")
    diff = values - reference
    mean = float(diff.mean())
    n = diff.size
    if n < 2:
        return Interval(float("-inf"), mean, float("inf"), "one run")
    inflation = 1.0 + n * test_fraction if test_fraction else 1.0
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * diff.std(ddof=1) * np.sqrt(inflation / n))
    low, high = mean - half, mean + half
    if low > 0 or high < 0:
        verdict = "better" if (low > 0) == higher_is_better else "worse"
    else:
        verdict = "level"
    return Interval(low, mean, high, verdict)
