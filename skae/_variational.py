"""Scoring and sampling of a fitted variational autoencoder: ELBO, importance-sampled log p(x), draws."""

import hashlib
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ._utils import check_X_for_loss, draw_seeds
from .losses import variational_bound

__all__ = ["VariationalInferenceMixin"]


class VariationalInferenceMixin:
    """``score_samples`` (ELBO), ``log_likelihood`` (IWAE bound) and ``sample`` of :class:`~skae.VAE`.

    The bounds' noise is reproducible per row: each row's draws come from a
    seed hashed from its bytes and the fit's ``_score_seed_``, so a row's
    score does not depend on the other rows of the call.
    """

    def _row_noise(self, xb, n_samples):
        """ε of shape (K, B, H), each row's from a seed hashed from its bytes."""
        rows = xb.detach().cpu().numpy()
        eps = torch.empty((n_samples, len(rows), self.n_components), dtype=xb.dtype)
        generator = torch.Generator()
        key = self._score_seed_.to_bytes(8, "little")
        for i, row in enumerate(rows):
            digest = hashlib.blake2b(row.tobytes(), digest_size=8, key=key).digest()
            generator.manual_seed(int.from_bytes(digest, "little") >> 1)
            eps[:, i] = torch.randn((n_samples, self.n_components), generator=generator, dtype=xb.dtype)
        return eps.to(xb.device)

    def _bound(self, X, objective, n_samples):
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        check_X_for_loss(X, self.loss_)
        # keep the memory of one chunk's K decoded samples bounded (~64 MB)
        chunk = max(1, min(4096, (2**24) // max(1, n_samples * self.n_features_in_)))

        def bound(module, xb):
            out = []
            for start in range(0, len(xb), chunk):
                x = xb[start : start + chunk]
                output = module(x, eps=self._row_noise(x, n_samples))
                out.append(variational_bound(output, x, self.likelihood_, objective=objective))
            return torch.cat(out)[:, None]

        return self._map_rows(X, bound, 1)[:, 0]

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each sample, in nats (higher is better).

        log p(x) ≥ E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), estimated with
        ``n_samples`` draws of z and the KL in closed form, on the clean input,
        with β = 1 whatever the training β. Reproducible: the draws depend
        only on each row and ``random_state``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
        """
        return self._bound(X, "elbo", int(self.n_samples))

    def log_likelihood(self, X, n_samples=1000):
        """Importance-sampled estimate of log p(x) per sample, in nats.

        The importance-weighted bound with K = ``n_samples`` draws from q(z|x)
        (Burda et al., 2016): a lower bound that converges to log p(x) as K
        grows, the "test NLL" that papers report (with the sign flipped).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_samples : int, default=1000
            Importance samples per data point (processed in batches).

        Returns
        -------
        log_px : ndarray of shape (n_samples,)
        """
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        return self._bound(X, "iwae", int(n_samples))

    def sample(self, n_samples=1, random_state=None):
        """Draw new data from the model: z ~ N(0, I), then x ~ p(x|z).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws (torch's global random state is not used).

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
            Binary (0/1) for a Bernoulli decoder; real for a Gaussian one.
        """
        check_is_fitted(self, "net_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        seed = draw_seeds(random_state, 1)[0]
        generator = torch.Generator().manual_seed(seed)
        module = self._inference_module(torch.float32)
        with torch.no_grad():
            z = torch.randn((n_samples, self.n_components), generator=generator)
            output = module.decoder.preactivation(z.to(self.device_)).cpu()
            if self.likelihood_ == "bernoulli":
                u = torch.rand(output.shape, generator=generator)
                x = (u < torch.sigmoid(output)).to(torch.float32)
            else:
                std = (0.5 * module.decoder_log_var().detach().cpu()).exp()
                x = output + std * torch.randn(output.shape, generator=generator)
        return x.numpy().astype(np.float64)
