"""The DAE as a score estimator (Vincent, 2011) and as a sampler (Bengio et al., 2013)."""

from numbers import Integral

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

    At the end of ``fit`` (:meth:`_check_fit`) the model records, on up to
    2,048 training rows, each feature's mean and standard deviation (the
    ``"noise"`` start of the chain) and, for squared-error models, the
    variance of its reconstruction of corrupted rows around the clean ones:
    the Gaussian p(x | x̃) the chain draws from.
    """

    def _check_fit(self, X):
        super()._check_fit(X)
        self.data_mean_ = X.mean(dim=0).cpu().numpy().astype(np.float64)
        self.data_std_ = X.std(dim=0).cpu().numpy().astype(np.float64) if len(X) > 1 else np.ones(X.shape[1])
        self.reconstruction_variance_ = None
        if self.loss_ == "squared_error":
            generator = torch.Generator(device=X.device).manual_seed(draw_seeds(self.random_state, 5)[4])
            noisy = X if self.corruption_ is None else self.corruption_(X, generator)
            module = self.net_.module_.eval()
            with torch.no_grad():
                residual = X - module.decoder(module.encoder(noisy))
            self.reconstruction_variance_ = residual.square().mean(dim=0).cpu().numpy().astype(np.float64)

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
        """
        check_is_fitted(self, "net_")
        corruption = self.corruption_
        if not isinstance(corruption, GaussianNoise) or corruption.std <= 0 or self.loss_ != "squared_error":
            raise ValueError(
                f"log_density_gradient needs a model trained with GaussianNoise(std > 0) and "
                f"loss='squared_error' (denoising score matching); this one has corruption={corruption!r} "
                f"and loss={self.loss_!r}. Refit with e.g. corruption=GaussianNoise(std=0.1), "
                f"loss='squared_error'."
            )
        X = self._validate_X(X, reset=False)
        return (self.inverse_transform(self.transform(X)) - X) / corruption.std**2

    def sample(self, n_samples=1, *, n_steps=100, init="noise", random_state=None, return_path=False):
        """Draw from the model with the corrupt-and-denoise chain of Bengio et al. (2013).

        Each step corrupts the current rows with the model's own corruption,
        then draws new rows from the model's p(x | x̃): Bernoulli with the
        reconstruction's probabilities for a cross-entropy model, Gaussian
        around the reconstruction with the per-feature variance measured at
        ``fit`` (``reconstruction_variance_``) for a squared-error model.

        Parameters
        ----------
        n_samples : int, default=1
            Chains to run (ignored when ``init`` is an array: one per row).
        n_steps : int, default=100
            Corrupt-denoise steps.
        init : "noise" or array-like of shape (n_chains, n_features), default="noise"
            Starting rows: ``"noise"`` draws them from independent Gaussians with
            each feature's training mean and standard deviation; or rows you
            pass, e.g. training data.
        random_state : int, RandomState instance or None, default=None
            Seeds the chain (torch's global random state is not used).
        return_path : bool, default=False
            Also return every step's rows.

        Returns
        -------
        X : ndarray of shape (n_chains, n_features)
            The chains' final states.
        path : ndarray of shape (n_steps + 1, n_chains, n_features)
            Only with ``return_path``: the starting rows, then each step's.
        """
        check_is_fitted(self, "net_")
        n_steps = _positive_int(n_steps, "n_steps")
        rng = np.random.default_rng(draw_seeds(random_state, 1)[0])
        if isinstance(init, str):
            if init != "noise":
                raise ValueError(f"init must be 'noise' or an array of rows, got {init!r}.")
            n = _positive_int(n_samples, "n_samples")
            x = self.data_mean_ + self.data_std_ * rng.standard_normal((n, self.n_features_in_))
        else:
            x = check_array(init, dtype=np.float64, input_name="init")
            if x.shape[1] != self.n_features_in_:
                raise ValueError(f"init has {x.shape[1]} features; the model has {self.n_features_in_}.")
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        module = self._inference_module(torch.float32)
        if self.loss_ == "squared_error":  # the Gaussian p(x | x~)'s standard deviation, per feature
            std = torch.as_tensor(np.sqrt(self.reconstruction_variance_), dtype=torch.float32)
        path = [x]
        for _ in range(n_steps):
            xt = torch.as_tensor(x, dtype=torch.float32)
            noisy = xt if self.corruption_ is None else self.corruption_(xt, generator)
            with torch.no_grad():
                mean = module.decoder(module.encoder(noisy.to(self.device_))).cpu()
            if self.loss_ == "cross_entropy":
                x = (torch.rand(mean.shape, generator=generator) < mean).double().numpy()
            else:
                x = (mean + std * torch.randn(mean.shape, generator=generator)).double().numpy()
            path.append(x)
        return (x, np.stack(path)) if return_path else x
