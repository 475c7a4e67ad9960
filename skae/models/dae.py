"""The denoising autoencoder (Vincent et al. 2008, 2010), its score (Vincent 2011) and sampler (Bengio et al. 2013)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import check_array, check_is_fitted

from ..engine.seeds import draw_seeds, purpose_seed
from ..nn.corruption import GaussianNoise
from .autoencoder import BaseAutoencoder
from .custom import CUSTOM_CONSTRAINTS, check_custom_modules
from .params import CODE_SCALING, CORRUPTION, DEFAULT_MASKING, MLP_CONSTRAINTS, copy_corruption
from .table import TABLE_LOSS

__all__ = ["DenoisingAutoencoder"]


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


class DenoisingAutoencoder(BaseAutoencoder):
    """Denoising autoencoder: reconstruct clean x from a corrupted x̃.

    Each training batch is corrupted by ``corruption`` (masking noise by
    default), encoded, decoded, and the loss compares the reconstruction with
    the *clean* batch (Vincent et al., 2008). Corruption is used only in
    training: ``transform`` encodes the input as given.

    Parameters
    ----------
    n_components : int, default=256
        Width of the code returned by :meth:`transform`. The defaults of
        ``n_components``, ``lr`` and ``max_iter`` were chosen on a tuning suite of
        generated sets for the held-out accuracy of LogisticRegression on the codes,
        within twice the fit time of ``BernoulliRBM(n_iter=10)``
        (``benchmarks/bench_defaults.py``); before, they were 128, 1e-3 and 100.
    hidden_layer_sizes : tuple of int, default=()
        Encoder layers between the input and the code; the decoder mirrors them.
        The default is the paper's single hidden layer (the code itself).
    corruption : Corruption or None, default=MaskingNoise(rate=0.25)
        The corruption process q(x̃|x): :class:`~skae.MaskingNoise`,
        :class:`~skae.SaltAndPepperNoise` or :class:`~skae.GaussianNoise`.
        Grid-searchable as ``corruption__rate``; a rate of 0 (or ``None``) trains
        a plain autoencoder. The object passed is never modified: ``fit`` works
        on a validated copy, ``corruption_``.
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", \
            "softplus", "identity"}, default="sigmoid"
        Activation of the hidden layers and the code (sigmoid, as in the paper).

    Attributes
    ----------
    loss_ : str
        The reconstruction loss used, ``"cross_entropy"`` or ``"squared_error"``;
        ``"table"`` for a DataFrame with bool, category or text columns.
    column_kinds_, categories_, column_dtypes_ : list or None
        For such a table (``None`` otherwise): each column's kind (``"numeric"``,
        ``"bool"``, ``"categorical"``), categories and pandas dtype; its numeric
        columns are standardised with ``column_mean_`` and ``column_scale_`` and
        the loss weights each column by ``column_weights_`` (see the user guide,
        "Tables with categories, bools and text").
    corruption_ : Corruption or None
        The validated copy of ``corruption`` used in training.
    data_mean_, data_std_ : ndarray of shape (`n_features_in_`,)
        Each feature's mean and standard deviation over every row seen (``fit``,
        then each ``partial_fit`` chunk): where :meth:`sample`'s ``init="noise"``
        starts.
    n_samples_seen_ : int
        Rows seen by ``fit`` and the ``partial_fit`` calls after it.
    training_sample_ : ndarray of shape (min(`n_samples_seen_`, 1000), `n_features_in_`)
        Training rows drawn uniformly from every row seen, where :meth:`sample`'s
        ``init="data"`` starts. The fitted model (and a saved file) contains them:
        delete the attribute (``del est.training_sample_``) before sharing a model
        trained on private data; ``init="data"`` then raises a ValueError, and
        ``partial_fit`` does not bring it back.
    reconstruction_variance_ : ndarray of shape (`n_features_in_`,) or None
        For squared error: the variance of the reconstruction of corrupted
        training rows (up to 2,048 of the latest ``fit`` or ``partial_fit`` data,
        drawn at random) around the clean ones, the Gaussian p(x | x̃) that
        :meth:`sample` draws from; ``None`` for cross-entropy.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch (on corrupted inputs).
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch (on clean inputs) with early stopping.
    encoder_ : torch.nn.Module
        The trained encoder, x -> code.
    decoder_ : torch.nn.Module
        The trained decoder, code -> reconstruction in data space.
    net_ : SkaeNet
        The trained skorch net.
    device_ : torch.device
        Where the model lives.
    code_mean_, code_scale_ : ndarray of shape (n_components,), float
        What ``transform`` centres and divides the codes by (see ``scale_codes``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``, when X is a DataFrame with string names.

    See Also
    --------
    StackedDAE : greedy layer-wise stacking of denoising autoencoders.
    sklearn.decomposition.PCA : the linear counterpart.

    References
    ----------
    .. [1] P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and
       composing robust features with denoising autoencoders", ICML 2008.
    .. [2] P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio and P.-A. Manzagol,
       "Stacked denoising autoencoders", JMLR 11, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder, MaskingNoise
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> dae = DenoisingAutoencoder(n_components=16, corruption=MaskingNoise(rate=0.3),
    ...                            max_iter=5, random_state=0)
    >>> Z = dae.fit_transform(X)
    >>> Z.shape
    (1797, 16)
    >>> dae.loss_
    'cross_entropy'
    >>> dae.inverse_transform(Z).shape
    (1797, 64)
    """

    _parameter_constraints = {
        **CUSTOM_CONSTRAINTS,
        **BaseAutoencoder._parameter_constraints,
        **MLP_CONSTRAINTS,
        **CODE_SCALING,
        "corruption": CORRUPTION,
    }
    _feature_prefix = "dae"

    def __init__(
        self,
        n_components=256,
        *,
        hidden_layer_sizes=(),
        corruption=DEFAULT_MASKING,
        activation="sigmoid",
        tied_weights=False,
        loss="auto",
        scale_codes=True,
        max_iter=50,
        batch_size=64,
        lr=3e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        encoder=None,
        decoder=None,
        input_shape=None,
        device="auto",
        random_state=None,
        verbose=0,
        **module_params,
    ):
        self._store_init_params(locals())

    # --------------------------------------------------------- declaration
    def _resolve_params(self):
        check_custom_modules(self)
        self.corruption_ = copy_corruption(self.corruption)

    def _objective(self):
        return {**super()._objective(), "corruption": self.corruption_}

    #: Training rows sampled for the reconstruction noise of :meth:`sample` (p(x | x̃)).
    _check_rows = 2048

    #: Training rows kept for ``sample(init="data")``.
    _sample_rows = 1000

    def _after_training(self, X, y, *, update):
        """Keep what :meth:`sample` starts from and draws with, on all the data seen so far.

        Each feature's mean and standard deviation (``init="noise"``), up to
        1,000 training rows drawn at random (``init="data"``; a uniform sample of
        every row seen, across ``partial_fit`` chunks) and, for squared error, the
        variance of the reconstruction of corrupted rows around the clean ones,
        measured on up to 2,048 random rows of the latest data (p(x | x̃)).
        """
        super()._after_training(X, y, update=update)
        seen = getattr(self, "n_samples_seen_", 0) if update else 0
        seed = purpose_seed(self.random_state, f"dae-statistics-{seen}")
        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
        rows = X[order[: self._check_rows].to(X.device)].to(self.device_)  # a random sample: X may be sorted
        mean = X.mean(dim=0).cpu().numpy().astype(np.float64)
        std = X.std(dim=0).cpu().numpy().astype(np.float64) if len(X) > 1 else np.ones(X.shape[1])
        sample = rows[: self._sample_rows].cpu().numpy().astype(np.float64)
        if update and seen:
            mean, std = _merged_moments(seen, self.data_mean_, self.data_std_, len(X), mean, std)
            sample = _merged_sample(getattr(self, "training_sample_", None), seen, sample, len(X),
                                    self._sample_rows, np.random.default_rng(seed))
        self.data_mean_, self.data_std_, self.n_samples_seen_ = mean, std, seen + len(X)
        if sample is not None:  # (a deleted training sample stays deleted)
            self.training_sample_ = sample
        self.reconstruction_variance_ = None
        if self.loss_ == "squared_error":
            generator = torch.Generator(device=rows.device).manual_seed(
                purpose_seed(self.random_state, f"dae-reconstruction-noise-{seen}"))
            noisy = rows if self.corruption_ is None else self.corruption_(rows, generator)
            module = self.net_.module_.eval()
            with torch.no_grad():
                residual = rows - module.decoder(module.encoder(noisy))
            self.reconstruction_variance_ = residual.square().mean(dim=0).cpu().numpy().astype(np.float64)

    # ------------------------------------------------- score and sampling
    def _score_matching_sigma(self, method):
        """σ of a model trained for denoising score matching, or a ValueError naming the fix."""
        check_is_fitted(self, "net_")
        corruption = self.corruption_
        if not isinstance(corruption, GaussianNoise) or corruption.std <= 0 or self.loss_ != "squared_error":
            raise ValueError(
                f"{method} needs a model trained with GaussianNoise(std > 0) and "
                f"loss='squared_error' (denoising score matching); this one has corruption={corruption!r} "
                f"and loss={self.loss_!r}. Refit with e.g. corruption=GaussianNoise(std=0.1), "
                f"loss='squared_error'."
            )
        return float(corruption.std)

    def log_density_gradient(self, X):
        """Estimated ∇ log q_σ(x) at each row: (r(x) − x) / σ² (Vincent, 2011).

        A DAE trained with ``GaussianNoise(std=σ)`` and squared error is a
        denoising score matcher: its optimal reconstruction r satisfies
        (r(x) − x) / σ² = ∇_x log q_σ(x), the score of the data density
        smoothed by the noise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples, n_features)

        Raises
        ------
        ValueError
            If the model was not trained with ``GaussianNoise`` (σ > 0) and
            ``loss="squared_error"``.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import DenoisingAutoencoder, GaussianNoise
        >>> X = np.random.RandomState(0).normal(size=(2000, 2))
        >>> dae = DenoisingAutoencoder(16, corruption=GaussianNoise(std=0.5), loss="squared_error",
        ...                            activation="tanh", max_iter=20, random_state=0).fit(X)
        >>> dae.log_density_gradient(X[:3]).shape  # close to -x / (1 + 0.5**2) here
        (3, 2)
        """
        sigma = self._score_matching_sigma("log_density_gradient")
        X = self._validate_X(X, reset=False)
        reconstruction = self._map_rows(X, lambda m, xb: m.decoder(m.encoder(xb)), self.n_features_in_)
        return (reconstruction - X) / sigma**2

    def sample(self, n_samples=1, *, n_steps=100, init="noise", method="chain", step_size=None,
               denoise_last=False, random_state=None, return_path=False):
        """Draw from the model with a Markov chain: Bengio et al. (2013)'s, or Langevin dynamics.

        ``method="chain"``: each step corrupts the current rows with the
        model's own corruption, then draws new rows from the model's
        p(x | x̃): Bernoulli with the reconstruction's probabilities for a
        cross-entropy model, Gaussian around the reconstruction with the
        per-feature variance measured at ``fit`` (``reconstruction_variance_``)
        for a squared-error model. Works with any corruption.

        ``method="langevin"``: unadjusted Langevin dynamics on the estimated
        score, x ← x + (ε/2) ∇ log q_σ(x) + √ε z with z ~ N(0, I), for models
        trained with ``GaussianNoise`` and squared error (see
        :meth:`log_density_gradient`). It samples q_σ, the data smoothed by
        the noise.

        Parameters
        ----------
        n_samples : int, default=1
            Chains to run (ignored when ``init`` is an array: one per row).
        n_steps : int, default=100
            Steps of the chain.
        init : {"noise", "data"} or array-like of shape (n_chains, n_features), default="noise"
            Starting rows: ``"noise"`` draws them from independent Gaussians with
            each feature's training mean and standard deviation; ``"data"`` draws
            them (with replacement) from ``training_sample_``, up to 1,000 training
            rows the model keeps; or rows you pass.
        method : {"chain", "langevin"}, default="chain"
        step_size : float or None, default=None
            Langevin's ε; ``None`` means σ² / 4. Only with ``method="langevin"``.
        denoise_last : bool, default=False
            Return the denoised final state instead of the last draw: the mean of
            p(x | x̃) at the chain's last step (probabilities for a Bernoulli
            model), or Tweedie's estimate r(x) = x + σ² ∇ log q_σ(x) after
            Langevin. It removes the last step's noise (see the benchmark in the
            theory page).
        random_state : int, RandomState instance or None, default=None
            Seeds the chain (torch's global random state is not used).
        return_path : bool, default=False
            Also return every step's rows.

        Returns
        -------
        X : ndarray of shape (n_chains, n_features)
            The chains' final states.
        path : ndarray of shape (n_steps + 1, n_chains, n_features)
            Only with ``return_path``: the starting rows, then each step's
            (the last one denoised with ``denoise_last``).

        Raises
        ------
        FloatingPointError
            If a chain leaves the finite numbers (the model's reconstruction
            pushes it away from the data), naming the step.

        Examples
        --------
        A Bernoulli chain over binarized digits, from training rows the model kept:

        >>> from sklearn.datasets import load_digits
        >>> from skae import DenoisingAutoencoder
        >>> X = (load_digits().data > 8).astype(float)
        >>> dae = DenoisingAutoencoder(32, max_iter=5, random_state=0).fit(X)
        >>> samples = dae.sample(3, n_steps=10, init="data", random_state=0)
        >>> samples.shape, sorted(set(samples.ravel().tolist()))
        ((3, 64), [0.0, 1.0])
        """
        check_is_fitted(self, "net_")
        check_is_fitted(self, "net_")
        if self.loss_ == TABLE_LOSS:
            raise ValueError("sample draws numeric rows; this model was fitted on a table with category columns.")
        n_steps = _positive_int(n_steps, "n_steps")
        if method not in ("chain", "langevin"):
            raise ValueError(f"method must be 'chain' or 'langevin', got {method!r}.")
        if method == "langevin":
            sigma = self._score_matching_sigma("sample(method='langevin')")
            step_size = sigma**2 / 4 if step_size is None else step_size
            if not (isinstance(step_size, Real) and 0 < step_size < np.inf):
                raise ValueError(f"step_size must be a positive number, got {step_size!r}.")
        elif step_size is not None:
            raise ValueError("step_size applies only to method='langevin'.")
        rng = np.random.default_rng(draw_seeds(random_state, 1)[0])
        x = self._chain_start(init, n_samples, rng)
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        module = self._inference_module(torch.float32)

        def denoise(rows):
            with torch.no_grad():
                return module.decoder(module.encoder(rows.to(self.device_))).cpu()

        if method == "chain" and self.loss_ == "squared_error":  # p(x | x~)'s standard deviation, per feature
            std = torch.as_tensor(np.sqrt(self.reconstruction_variance_), dtype=torch.float32)
        x = torch.as_tensor(x, dtype=torch.float32)
        path = [x]
        for step in range(n_steps):
            last = denoise_last and step == n_steps - 1
            if method == "langevin":
                drift = (denoise(x) - x) / sigma**2
                x = x + step_size / 2 * drift + step_size**0.5 * torch.randn(x.shape, generator=generator)
                x = denoise(x) if last else x
            else:
                mean = denoise(x if self.corruption_ is None else self.corruption_(x, generator))
                if last:
                    x = mean
                elif self.loss_ == "cross_entropy":
                    x = (torch.rand(mean.shape, generator=generator) < mean).float()
                else:
                    x = mean + std * torch.randn(mean.shape, generator=generator)
            if not torch.isfinite(x).all():  # a silent NaN sample is worse than an error
                raise FloatingPointError(
                    f"The {method} diverged: its rows became non-finite at step {step + 1} of {n_steps}. The "
                    f"model's reconstruction pushes points away from the data somewhere they reached; use "
                    f"fewer steps, init='data'" + (", a smaller step_size" if method == "langevin" else "")
                    + " or a model trained longer or with more noise."
                )
            path.append(x)
        x = x.double().numpy()
        return (x, torch.stack(path).double().numpy()) if return_path else x

    def _chain_start(self, init, n_samples, rng):
        """The chains' starting rows (float64) for ``init``."""
        if isinstance(init, str):
            if init not in ("noise", "data"):
                raise ValueError(f"init must be 'noise', 'data' or an array of rows, got {init!r}.")
            n = _positive_int(n_samples, "n_samples")
            if init == "data":
                rows = getattr(self, "training_sample_", None)
                if rows is None:
                    raise ValueError("init='data' needs the training rows the model keeps in training_sample_, "
                                     "which were deleted; pass starting rows instead (init=X).")
                return rows[rng.integers(len(rows), size=n)]
            return self.data_mean_ + self.data_std_ * rng.standard_normal((n, self.n_features_in_))
        x = check_array(init, dtype=np.float64, input_name="init")
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"init has {x.shape[1]} features; the model has {self.n_features_in_}.")
        return x


def _merged_moments(n_a, mean_a, std_a, n_b, mean_b, std_b):
    """Mean and standard deviation (ddof=1) of two parts' union, from each part's (Chan et al.)."""
    n = n_a + n_b
    delta = mean_b - mean_a
    m2 = std_a**2 * max(n_a - 1, 0) + (std_b**2 * (n_b - 1) if n_b > 1 else 0.0) + delta**2 * n_a * n_b / n
    return mean_a + delta * n_b / n, np.sqrt(m2 / max(n - 1, 1))


def _merged_sample(old, n_old, new, n_new, size, rng):
    """A uniform sample of up to ``size`` of ``n_old + n_new`` rows, from uniform samples of each part.

    ``old`` holds ``min(n_old, size)`` rows drawn uniformly from the first part,
    ``new`` rows of the second part in random order. ``None`` if ``old`` is.
    """
    if old is None:
        return None
    picks = rng.choice(n_old + n_new, size=min(size, n_old + n_new), replace=False)
    from_old = min(int((picks < n_old).sum()), len(old))
    kept = old[rng.choice(len(old), size=from_old, replace=False)]
    return np.concatenate([kept, new[: len(picks) - from_old]])
