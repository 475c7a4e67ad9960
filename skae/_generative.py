"""The DAE as a score estimator (Vincent, 2011) and as a sampler (Bengio et al., 2013)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import check_array, check_is_fitted

from ._utils import draw_seeds
from .corruption import GaussianNoise

__all__ = ["GenerativeDAEMixin"]


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


class GenerativeDAEMixin:
    """``log_density_gradient`` and ``sample`` of :class:`~skae.DenoisingAutoencoder`.

    At the end of ``fit`` (:meth:`_check_fit`) the model records each
    feature's training mean and standard deviation (the ``"noise"`` start of
    the chain), up to :attr:`_sample_rows` training rows drawn at random
    (``training_sample_``, the ``"data"`` start) and, for squared-error models,
    the variance of its reconstruction of corrupted rows around the clean ones
    on up to 2,048 random training rows: the Gaussian p(x | x̃) the chain
    draws from.
    """

    #: Training rows kept for ``sample(init="data")``.
    _sample_rows = 1000

    def _check_fit(self, X):
        super()._check_fit(X)
        self.data_mean_ = X.mean(dim=0).cpu().numpy().astype(np.float64)
        self.data_std_ = X.std(dim=0).cpu().numpy().astype(np.float64) if len(X) > 1 else np.ones(X.shape[1])
        seeds = draw_seeds(self.random_state, 6)
        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seeds[5]))
        rows = X[order[: self._check_rows].to(X.device)]  # a random sample: X may be sorted
        self.training_sample_ = rows[: self._sample_rows].cpu().numpy().astype(np.float64)
        self.reconstruction_variance_ = None
        if self.loss_ == "squared_error":
            generator = torch.Generator(device=X.device).manual_seed(seeds[4])
            noisy = rows if self.corruption_ is None else self.corruption_(rows, generator)
            module = self.net_.module_.eval()
            with torch.no_grad():
                residual = rows - module.decoder(module.encoder(noisy))
            self.reconstruction_variance_ = residual.square().mean(dim=0).cpu().numpy().astype(np.float64)

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
