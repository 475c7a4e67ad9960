"""The denoising autoencoder of Vincent et al. (2008, 2010)."""

from ._base import BaseAutoencoder
from ._custom import CUSTOM_CONSTRAINTS, CustomModulesMixin
from ._generative import GenerativeDAEMixin
from ._params import CORRUPTION, MLP_CONSTRAINTS, CorruptionParamMixin
from .corruption import MaskingNoise

__all__ = ["DenoisingAutoencoder"]


class DenoisingAutoencoder(GenerativeDAEMixin, CustomModulesMixin, CorruptionParamMixin, BaseAutoencoder):
    """Denoising autoencoder: reconstruct clean x from a corrupted x̃.

    Each training batch is corrupted by ``corruption`` (masking noise by
    default), encoded, decoded, and the loss compares the reconstruction with
    the *clean* batch (Vincent et al., 2008). Corruption is used only in
    training: ``transform`` encodes the input as given.

    Parameters
    ----------
    n_components : int, default=128
        Width of the code returned by :meth:`transform`.
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
    tied_weights : bool, default=False
        Decoder weights are the transposed encoder weights (W' = Wᵀ).
    loss : {"auto", "cross_entropy", "squared_error"}, default="auto"
        Reconstruction loss, summed over features and averaged over samples.
        ``"cross_entropy"`` (a sigmoid output, for data in [0, 1]) or
        ``"squared_error"`` (a linear output, for any real data). ``"auto"``
        picks cross-entropy when the training data lies in [0, 1] and squared
        error otherwise; the choice is stored in ``loss_``.
    max_iter : int, default=100
        Maximum number of epochs (passes over the training data); see
        ``n_iter_no_change``.
    batch_size : int, default=64
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate of the Adam optimiser.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation loss has not improved by a relative ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best weights.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Training stops after this many epochs in which the monitored loss
        (the validation loss with ``early_stopping``, else the training
        loss, as in ``MLPClassifier``) has not improved by a relative ``tol``.
    tol : float, default=1e-4
        Relative improvement of the monitored loss that counts.
    encoder : type or None, default=None
        ``None``: the MLP of ``hidden_layer_sizes``. Or a ``torch.nn.Module``
        class mapping rows (shaped by ``input_shape``) to codes of width
        ``n_components``; built in ``fit`` with the ``encoder__*`` parameters
        plus ``n_features``, ``n_components`` and ``input_shape`` when its
        ``__init__`` takes them (e.g. :class:`skae.modules.ConvEncoder`).
    decoder : type or None, default=None
        Likewise for the decoder (codes to reconstructions, before the output
        activation); ``None``: the mirrored MLP.
    input_shape : tuple of int or None, default=None
        With custom modules: the shape each row is viewed in, e.g. ``(1, 40)``
        for a signal or ``(1, 8, 8)`` for an image; the reconstruction is
        flattened back.
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA when available, else CPU; or any torch device string.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, corruption and the validation
        split. An int makes ``fit`` reproducible bit for bit on CPU. Torch's and
        numpy's global random states are never used.
    verbose : int, default=0
        0: silent. 1: a progress bar over the epochs, with the last loss (a
        widget in a notebook). 2: a table of losses per epoch.
    **module_params : dict
        ``encoder__<arg>`` / ``decoder__<arg>``: arguments of the module
        classes (settable with ``set_params`` and searchable with
        ``GridSearchCV``).

    Attributes
    ----------
    loss_ : str
        The reconstruction loss used, ``"cross_entropy"`` or ``"squared_error"``.
    corruption_ : Corruption or None
        The validated copy of ``corruption`` used in training.
    data_mean_, data_std_ : ndarray of shape (`n_features_in_`,)
        Each feature's training mean and standard deviation: where
        :meth:`sample`'s ``init="noise"`` starts.
    training_sample_ : ndarray of shape (min(n_samples, 1000), `n_features_in_`)
        Training rows drawn at random, where :meth:`sample`'s ``init="data"``
        starts. The fitted model (and a saved file) contains them: delete the
        attribute (``del est.training_sample_``) before sharing a model trained
        on private data; ``init="data"`` then raises a ValueError.
    reconstruction_variance_ : ndarray of shape (`n_features_in_`,) or None
        For squared error: the variance of the reconstruction of corrupted
        training rows (up to 2,048, drawn at random) around the clean ones, the
        Gaussian p(x | x̃) that :meth:`sample` draws from; ``None`` for
        cross-entropy.
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
        "corruption": CORRUPTION,
    }
    _feature_prefix = "dae"

    def __init__(
        self,
        n_components=128,
        *,
        hidden_layer_sizes=(),
        corruption=MaskingNoise(rate=0.25),
        activation="sigmoid",
        tied_weights=False,
        loss="auto",
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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.corruption = corruption
        self.activation = activation
        self.tied_weights = tied_weights
        self.loss = loss
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.lr = lr
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.encoder = encoder
        self.decoder = decoder
        self.input_shape = input_shape
        self.verbose = verbose
        self._store_routed(module_params)
