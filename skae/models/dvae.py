"""The denoising VAE and DIWAE (Im, Ahn, Memisevic & Bengio, 2017)."""

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ..nn.corruption import SaltAndPepperNoise
from .params import CORRUPTION, copy_corruption
from .vae import VAE

__all__ = ["DVAE"]

#: The default corruption, as the signature shows it (each DVAE stores its own copy).
_DEFAULT_SALT_AND_PEPPER = SaltAndPepperNoise(rate=0.1)


class DVAE(VAE):
    """Denoising variational autoencoder (DVAE), and DIWAE with ``objective="iwae"``.

    The encoder sees a corrupted x̃ ~ p(x̃|x) and the decoder reconstructs the
    clean x: training maximises the denoising variational bound of Im et al.
    (2017, eq. 6), E_{p(x̃|x)} E_{q(z|x̃)}[log p(x, z) / q(z|x̃)], estimated with
    ``n_corruptions`` corrupted copies (M) × ``n_samples`` draws of z (K);
    ``objective="iwae"`` gives the importance-weighted DIWAE bound. At
    evaluation the model is scored on clean inputs with the standard bounds
    (:meth:`score_samples`, :meth:`log_likelihood`), so VAE and DVAE numbers
    compare directly.

    The denoising bound is a valid lower bound on log p(x) for the model with
    the corruption-marginalised posterior q̃(z|x) = E_{p(x̃|x)} q(z|x̃), which
    is what training optimises. It does not guarantee that the clean-input
    ELBO or the test likelihood improve; whether they do is an empirical
    question (see ``docs/vae.md``).

    Parameters
    ----------
    n_components : int, default=16
        Latent size; :meth:`transform` returns the posterior mean μ(x).
    hidden_layer_sizes : tuple of int, default=(256,)
        Encoder trunk widths; the decoder mirrors them.
    corruption : Corruption or None, default=SaltAndPepperNoise(rate=0.1)
        The corruption process p(x̃|x), used only in training. Grid-searchable
        as ``corruption__rate``.
    n_corruptions : int, default=1
        M, corrupted copies of each training input per step.
    activation : str, default="relu"
        Activation of the hidden layers.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        Decoder distribution; ``"auto"``: Bernoulli for data in [0, 1], else Gaussian.
    objective : {"elbo", "iwae"}, default="elbo"
        ``"elbo"``: DVAE; ``"iwae"``: DIWAE.
    n_samples : int, default=1
        K, samples of z per corrupted input.
    beta : float, default=1.0
        Weight of the KL term in training.
    min_variance : float, default=1e-3
        Floor of the Gaussian decoder's per-feature variance; see :class:`VAE`.
    early_stopping : bool, default=False
        Stop on the (corruption-free) validation bound; see :class:`VAE`.
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
        Seeds initialisation, shuffling, corruption, sampling, and the
        evaluation noise.

    Attributes
    ----------
    corruption_ : Corruption or None
        The validated copy of ``corruption`` used in training.
    likelihood_ : str
        The decoder likelihood used.
    loss_ : str
        ``"cross_entropy"`` (Bernoulli) or ``"squared_error"`` (Gaussian).
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Negative training (denoising) bound per epoch.
    validation_loss_curve_ : list of float or None
        Negative clean validation bound per epoch, with early stopping.
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
    VAE : the same model without corruption.

    References
    ----------
    .. [1] D. J. Im, S. Ahn, R. Memisevic and Y. Bengio, "Denoising criterion for
       variational auto-encoding framework", AAAI 2017.

    Examples
    --------
    >>> from skae import DVAE, SaltAndPepperNoise
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> X = (X > 0.5).astype(float)
    >>> dvae = DVAE(corruption=SaltAndPepperNoise(rate=0.1), objective="iwae", n_samples=5,
    ...             max_iter=3, random_state=0).fit(X)
    >>> dvae.score_samples(X[:4]).shape
    (4,)
    """

    _parameter_constraints = {
        **VAE._parameter_constraints,
        "corruption": CORRUPTION,
        "n_corruptions": [Interval(Integral, 1, None, closed="left")],
    }
    _feature_prefix = "dvae"

    def __init__(
        self,
        n_components=16,
        *,
        hidden_layer_sizes=(256,),
        corruption=_DEFAULT_SALT_AND_PEPPER,
        n_corruptions=1,
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

    def _resolve_params(self):
        super()._resolve_params()
        self.corruption_ = copy_corruption(self.corruption)

    def _objective(self):
        return {**super()._objective(), "corruption": self.corruption_, "n_corruptions": int(self.n_corruptions)}
