"""The variational autoencoder (Kingma & Welling, 2014; Burda et al., 2016): training, bounds and sampling."""

import hashlib
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..engine.seeds import draw_seeds, purpose_seed
from ..nn.autoencoders import VariationalAutoencoder
from ..nn.layers import ACTIVATIONS
from ..nn.losses import LIKELIHOODS, OBJECTIVES, VariationalLoss, variational_bound
from .autoencoder import BaseAutoencoder
from .custom import CUSTOM_CONSTRAINTS, check_custom_modules, check_module_shapes, custom_parts
from .validation import check_X_for_loss, in_unit_interval

__all__ = ["VAE"]

_LIKELIHOOD_LOSS = {"bernoulli": "cross_entropy", "gaussian": "squared_error"}


class VAE(BaseAutoencoder):
    """Variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    q(z|x) = N(μ(x), diag σ²(x)), prior p(z) = N(0, I), decoder p(x|z) Bernoulli
    (binary or [0, 1] data, computed from logits) or Gaussian (real data, with
    one learned variance per feature). Trained by maximising the ELBO
    (Kingma & Welling, 2014) or, with ``objective="iwae"``, the
    importance-weighted bound with K = ``n_samples`` samples (Burda et al., 2016).

    Parameters
    ----------
    n_components : int, default=16
        Latent size; :meth:`transform` returns the posterior mean μ(x).
    hidden_layer_sizes : tuple of int, default=(256,)
        Encoder trunk widths; the decoder mirrors them.
    activation : str, default="relu"
        Activation of the hidden layers.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        Decoder distribution. ``"auto"``: Bernoulli for data in [0, 1], else
        Gaussian (stored in ``likelihood_``).
    objective : {"elbo", "iwae"}, default="elbo"
        Training bound.
    n_samples : int, default=1
        K, samples of z per data point in training (and for the ELBO's
        reconstruction term in :meth:`score_samples`).
    beta : float, default=1.0
        Weight of the KL term in training (β-VAE). :meth:`score_samples` always
        reports the β = 1 bound.
    min_variance : float, default=1e-3
        Floor of the Gaussian decoder's per-feature variance, in units of X²
        (the variance is ``exp(log_var) + min_variance``). Without a floor, a
        feature the decoder can predict exactly, such as a constant column,
        drives its variance to 0 and the bound to +∞ nats. Unused by a
        Bernoulli decoder.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when the validation bound has
        not improved by a relative ``tol`` for ``n_iter_no_change`` epochs,
        restoring the best weights.
    encoder : type or None, default=None
        ``None``: the MLP of ``hidden_layer_sizes``. Or a ``torch.nn.Module``
        class giving the posterior parameters: ``(mu, log_var)``, each of
        shape (n_samples, n_components), or one tensor of shape (n_samples,
        2 * n_components). It is built in ``fit`` with the ``encoder__*``
        parameters plus ``n_features``, ``n_components`` (passed as
        2 * n_components, so :class:`skae.modules.ConvEncoder` fits) and
        ``input_shape`` when its ``__init__`` takes them.
    decoder : type or None, default=None
        Likewise for the decoder (latent codes to logits or means).
    input_shape : tuple of int or None, default=None
        With custom modules: the shape each row is viewed in (e.g.
        ``(1, 28, 28)``); the decoder's output is flattened back.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and sampling in training, and the
        Monte Carlo noise of :meth:`score_samples` and :meth:`log_likelihood`.

    Attributes
    ----------
    likelihood_ : str
        The decoder likelihood used.
    loss_ : str
        ``"cross_entropy"`` (Bernoulli) or ``"squared_error"`` (Gaussian).
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Negative training bound per epoch (nats per sample).
    validation_loss_curve_ : list of float or None
        Negative validation bound per epoch, with early stopping.
    encoder_ : torch.nn.Module
        The inference network; ``encoder_(x)`` gives ``(mu, log_var)``.
    decoder_ : torch.nn.Module
        The generative network; ``decoder_(z)`` gives the mean of p(x|z).
    net_ : SkaeNet
        The trained skorch net.
    device_ : torch.device
        Where the model lives.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``, when X is a DataFrame with string names.

    See Also
    --------
    DVAE : the same model trained with the denoising criterion.

    Notes
    -----
    :meth:`score_samples` is a Monte Carlo estimate. Its noise is drawn per row
    from a seed derived from the row's bytes and ``random_state``, so a row's
    score does not depend on the other rows in the call, and repeated calls agree.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR 2014.
    .. [2] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance weighted
       autoencoders", ICLR 2016.

    Examples
    --------
    >>> from skae import VAE
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> X = (X > 0.5).astype(float)
    >>> vae = VAE(n_components=8, max_iter=5, random_state=0).fit(X)
    >>> vae.transform(X).shape, vae.likelihood_
    ((1797, 8), 'bernoulli')
    >>> bool(vae.log_likelihood(X[:20], n_samples=100).mean() >= vae.score(X[:20]) - 1)
    True
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        **CUSTOM_CONSTRAINTS,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "likelihood": [StrOptions({"auto", *LIKELIHOODS})],
        "objective": [StrOptions(set(OBJECTIVES))],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
    }
    _feature_prefix = "vae"

    def __init__(
        self,
        n_components=16,
        *,
        hidden_layer_sizes=(256,),
        activation="relu",
        likelihood="auto",
        objective="elbo",
        n_samples=1,
        beta=1.0,
        min_variance=1e-3,
        max_iter=100,
        batch_size=64,
        lr=1e-3,
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

    # ------------------------------------------------------------- training
    #: The likelihoods are per feature (Bernoulli, Gaussian): no category blocks.
    _accepts_tables = False

    def _prepare_training_data(self, X, y=None):
        X = self._validate_X(X, reset=True, min_samples=2)
        likelihood = self.likelihood
        if likelihood == "auto":
            likelihood = "bernoulli" if in_unit_interval(X) else "gaussian"
        self.likelihood_ = likelihood
        self.loss_ = _LIKELIHOOD_LOSS[likelihood]
        self._check_training_X(X)
        # The seed of the evaluation noise (score_samples, log_likelihood), from its own stream.
        self._score_seed_ = purpose_seed(self.random_state, "vae-score-noise")
        return X, None

    def _resolve_params(self):
        check_custom_modules(self)

    def _module(self, n_features):
        encoder = decoder = shape = None
        custom = self._uses_custom_modules()
        if custom:  # a custom encoder gives the mean and log-variance: 2 x n_components
            encoder, decoder, shape = custom_parts(self, n_features, encoder_width=2 * int(self.n_components))
        module = VariationalAutoencoder(
            n_features=n_features,
            n_components=self.n_components,
            hidden_layer_sizes=self._hidden_sizes(),
            activation=self.activation,
            likelihood=self.likelihood_,
            min_variance=float(self.min_variance),
            encoder=encoder, decoder=decoder, input_shape=shape,
        )
        return check_module_shapes(self, module, n_features) if custom else module

    def _objective(self):
        return {
            "criterion": VariationalLoss,
            "criterion__likelihood": self.likelihood_,
            "criterion__objective": self.objective,
            "criterion__beta": float(self.beta),
            "forward_params": {"n_samples": int(self.n_samples)},
        }

    # ------------------------------------------------------------ inference
    def transform(self, X):
        """Posterior mean μ(x) (deterministic).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        return super().transform(X)

    def _encode(self, module, xb):
        return module.encoder(xb)[0]  # the posterior mean

    # ------------------------------------------- bounds and sampling
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
