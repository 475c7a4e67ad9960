"""Corruption processes q(x̃ | x) for denoising training (torch only).

A corruption is a small parameter object: it is called on a tensor with a
``torch.Generator`` and returns a new, corrupted tensor, never modifying its
input. It exposes ``get_params``/``set_params`` and a readable ``repr`` so that
scikit-learn's ``clone`` and ``GridSearchCV`` treat it like a nested estimator
(``dae__corruption__rate``), without this module importing scikit-learn.
"""

import inspect
import math
from numbers import Real

import torch

__all__ = ["Corruption", "MaskingNoise", "SaltAndPepperNoise", "GaussianNoise", "registered_corruptions"]

_REGISTRY = {}


def registered_corruptions():
    """``{name: class}`` of every corruption class defined so far (skae's by name, others by import path).

    Subclasses of :class:`Corruption` register themselves when defined, so
    :func:`skae.load` rebuilds a model's corruption with no list of its own.
    """
    return dict(_REGISTRY)


class Corruption:
    """Base class of the corruption processes.

    Subclasses store their constructor arguments unchanged as attributes of the
    same name, implement ``_check_params`` (raise ``ValueError`` on bad values),
    ``is_identity`` (whether the process leaves the input unchanged) and
    ``_corrupt(X, generator)``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            name = cls.__name__ if cls.__module__.startswith("skae.") else f"{cls.__module__}.{cls.__qualname__}"
            _REGISTRY[name] = cls

    @classmethod
    def _get_param_names(cls):
        init_signature = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in init_signature.parameters.values()
            if p.name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep=True):
        """Get the parameters of this corruption process.

        Parameters
        ----------
        deep : bool, default=True
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set the parameters of this corruption process.

        Parameters
        ----------
        **params : dict
            New parameter values.

        Returns
        -------
        self : Corruption
            This object, updated.
        """
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        """Equal when of the same class with equal parameters (as scikit-learn compares defaults)."""
        if type(other) is not type(self):
            return NotImplemented
        return self.get_params() == other.get_params()

    def __hash__(self):
        return hash((type(self).__name__, tuple(self.get_params().items())))

    def validate(self):
        """Check the parameters; raise ``ValueError`` naming a bad one.

        Returns
        -------
        self : Corruption
        """
        self._check_params()
        return self

    def __call__(self, X, generator=None):
        """Return a corrupted copy of ``X``; ``X`` itself is never modified.

        Parameters
        ----------
        X : torch.Tensor
            Clean inputs, shape ``(n_samples, n_features)``.
        generator : torch.Generator, default=None
            Source of randomness, on the same device as ``X``. ``None`` uses
            torch's global generator.

        Returns
        -------
        X_tilde : torch.Tensor
            A new tensor of the same shape, dtype and device as ``X``.
        """
        if not isinstance(X, torch.Tensor):
            raise TypeError(f"{type(self).__name__} expects a torch.Tensor, got {type(X).__name__}.")
        self._check_params()
        if self.is_identity:
            return X.clone()
        return self._corrupt(X, generator)

    # subclasses -----------------------------------------------------------
    def _check_params(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def is_identity(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _corrupt(self, X, generator):  # pragma: no cover - abstract
        raise NotImplementedError


def _check_fraction(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= value <= 1.0:
        raise ValueError(
            f"{type(owner).__name__}: {name} must be a number in [0, 1], got {value!r}."
        )


def _uniform_like(X, generator):
    dtype = X.dtype if X.is_floating_point() else torch.float32
    return torch.rand(X.shape, generator=generator, device=X.device, dtype=dtype)


class MaskingNoise(Corruption):
    """Masking noise: entries forced to 0, a fraction ``rate`` of them.

    The corruption of Vincent et al. (2008, 2010): the autoencoder must fill
    in the missing entries from the others.

    Parameters
    ----------
    rate : float, default=0.25
        Fraction of entries set to 0, in [0, 1]. 0 means no corruption.
    exact : bool, default=False
        ``True``: exactly ``round(rate * n_features)`` entries of each row,
        chosen uniformly at random: the paper's ν·d "destroyed" components per
        example, with ``rate`` = ν. ``False``: each entry independently with
        probability ``rate``, so a row loses ``rate * n_features`` entries on
        average (binomially many). Both corrupt the same fraction in
        expectation. ``False`` is the default because it is what skae's
        results so far were measured with and what most implementations call
        masking noise (dropout on the input); ``exact=True`` reproduces the
        paper's process, and also differs from it for tiny ``rate * n_features``
        (rounding).

    See Also
    --------
    SaltAndPepperNoise : entries set to the minimum or maximum instead.
    GaussianNoise : additive isotropic Gaussian noise.

    References
    ----------
    .. [1] P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and
       composing robust features with denoising autoencoders", ICML 2008.

    Examples
    --------
    >>> import torch
    >>> from skae import MaskingNoise
    >>> X = torch.ones(2, 4)
    >>> MaskingNoise(rate=0.5)(X, torch.Generator().manual_seed(0))
    tensor([[0., 1., 0., 0.],
            [0., 1., 0., 1.]])
    >>> MaskingNoise(rate=0.5, exact=True)(X, torch.Generator().manual_seed(0)).sum(dim=1)
    tensor([2., 2.])
    """

    def __init__(self, rate=0.25, exact=False):
        self.rate = rate
        self.exact = exact

    def _check_params(self):
        _check_fraction(self, "rate", self.rate)
        if not isinstance(self.exact, bool):
            raise ValueError(f"MaskingNoise: exact must be True or False, got {self.exact!r}.")

    @property
    def is_identity(self):
        return self.rate == 0

    def _corrupt(self, X, generator):
        u = _uniform_like(X, generator)
        if self.exact:
            k = round(self.rate * X.shape[-1])  # entries destroyed per row
            if k == 0:
                return X.clone()
            # the k smallest of each row's uniforms mark k positions, uniformly without replacement
            keep = u > u.kthvalue(k, dim=-1, keepdim=True).values
        else:
            keep = u >= self.rate
        return torch.where(keep, X, torch.zeros((), dtype=X.dtype, device=X.device))


class SaltAndPepperNoise(Corruption):
    """Salt-and-pepper noise: a fraction ``rate`` of entries set to ``low`` or ``high``.

    Each entry is corrupted with probability ``rate``; a corrupted entry becomes
    ``low`` or ``high`` with equal probability. This is the corruption used by
    Im et al. (2017) for the denoising variational autoencoder.

    Parameters
    ----------
    rate : float, default=0.1
        Probability that an entry is corrupted, in [0, 1]. 0 means no corruption.
    low : float, default=0.0
        The "pepper" value (the data minimum).
    high : float, default=1.0
        The "salt" value (the data maximum); must be at least ``low``.

    See Also
    --------
    MaskingNoise : entries forced to 0.

    Examples
    --------
    >>> import torch
    >>> from skae import SaltAndPepperNoise
    >>> X = torch.full((2, 4), 0.5)
    >>> SaltAndPepperNoise(rate=0.5)(X, torch.Generator().manual_seed(0))
    tensor([[0.0000, 0.5000, 1.0000, 1.0000],
            [0.0000, 0.5000, 0.0000, 0.5000]])
    """

    def __init__(self, rate=0.1, low=0.0, high=1.0):
        self.rate = rate
        self.low = low
        self.high = high

    def _check_params(self):
        _check_fraction(self, "rate", self.rate)
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise ValueError(
                    f"SaltAndPepperNoise: {name} must be a finite number, got {value!r}."
                )
        if self.low > self.high:
            raise ValueError(
                f"SaltAndPepperNoise: low={self.low!r} must not exceed high={self.high!r}."
            )

    @property
    def is_identity(self):
        return self.rate == 0

    def _corrupt(self, X, generator):
        u = _uniform_like(X, generator)
        corrupt = u < self.rate
        # Given an entry is corrupted, u / rate is uniform on [0, 1): split it in half.
        salt = u < 0.5 * self.rate
        noise = torch.where(
            salt,
            torch.tensor(self.high, dtype=X.dtype, device=X.device),
            torch.tensor(self.low, dtype=X.dtype, device=X.device),
        )
        return torch.where(corrupt, noise, X)


class GaussianNoise(Corruption):
    """Additive isotropic Gaussian noise, x̃ = x + std · ε with ε ~ N(0, I).

    With this corruption and squared error, a denoising autoencoder performs
    denoising score matching (Vincent, 2011).

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise, ``>= 0``. 0 means no corruption.

    References
    ----------
    .. [1] P. Vincent, "A connection between score matching and denoising
       autoencoders", Neural Computation 23(7), 2011.

    Examples
    --------
    >>> import torch
    >>> from skae import GaussianNoise
    >>> X = torch.zeros(100_000, 1)
    >>> noisy = GaussianNoise(std=0.5)(X, torch.Generator().manual_seed(0))
    >>> round(noisy.std().item(), 2)
    0.5
    """

    def __init__(self, std=0.1):
        self.std = std

    def _check_params(self):
        if (
            isinstance(self.std, bool)
            or not isinstance(self.std, Real)
            or not math.isfinite(self.std)
            or self.std < 0
        ):
            raise ValueError(
                f"GaussianNoise: std must be a finite number >= 0, got {self.std!r}."
            )

    @property
    def is_identity(self):
        return self.std == 0

    def _corrupt(self, X, generator):
        if not X.is_floating_point():
            raise TypeError(f"GaussianNoise needs a floating-point tensor, got {X.dtype}.")
        noise = torch.randn(X.shape, generator=generator, device=X.device, dtype=X.dtype)
        return X + self.std * noise
