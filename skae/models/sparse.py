"""Sparse autoencoders (Goodfellow et al., ch. 14; Ng's sparse autoencoder)."""

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..nn.losses import SPARSITY_PENALTIES, SparsityPenalty
from .autoencoder import BaseAutoencoder
from .custom import CUSTOM_CONSTRAINTS, check_custom_modules
from .params import CODE_SCALING, MLP_CONSTRAINTS

__all__ = ["SparseAE"]


class SparseAE(BaseAutoencoder):
    """Sparse autoencoder: reconstruction + ``sparsity`` · Ω(h).

    ``sparsity_penalty="l1"``: ``Ω(h) = Σ_j |h_j|``, averaged over the batch. This is
    the negative log of a Laplace prior on the code, up to constants, and
    pairs with ``activation="relu"``, whose zeros are exact.
    ``sparsity_penalty="kl"``: Ω = Σ_j KL(ρ ‖ ρ̂_j), where ρ̂_j is the mean
    activation of unit j over the batch and ρ is ``sparsity_target``. It needs
    codes in (0, 1), so a sigmoid activation (Ng's sparse autoencoder).

    Parameters
    ----------
    n_components : int, default=128
        Width of the code returned by :meth:`transform`.
    sparsity : float, default=0.05
        Weight of the sparsity penalty, ``>= 0`` (0 gives a plain autoencoder).
    sparsity_penalty : {"l1", "kl"}, default="l1"
        The penalty Ω (see above).
    sparsity_target : float, default=0.05
        Target mean activation ρ in (0, 1) for ``sparsity_penalty="kl"``.
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", \
            "softplus", "identity"}, default="relu"
        Activation of the hidden layers and the code. ``"kl"`` requires
        ``"sigmoid"``.
    scale_codes : bool, default=True
        ``True``: ``transform`` divides the codes by one number, the root mean
        square of their entries on the training rows (``code_scale_``), so that
        downstream estimators see features of about unit scale; they are not
        centred, so a sparse code keeps its exact zeros. ``inverse_transform``
        undoes it. ``False``: the encoder's activations as they are. Measured
        after ``fit`` on its rows and after each ``partial_fit`` on its chunk
        (unless the chunk is a single row).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when the validation loss
        (with the penalty) has not improved by a relative ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best weights.

    Attributes
    ----------
    loss_ : str
        The reconstruction loss used.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Training objective (reconstruction + penalty) per epoch.
    validation_loss_curve_ : list of float or None
        Validation objective per epoch, with early stopping.
    encoder_ : torch.nn.Module
        The trained encoder, x -> code.
    decoder_ : torch.nn.Module
        The trained decoder, code -> reconstruction in data space.
    net_ : SkaeNet
        The trained skorch net.
    device_ : torch.device
        Where the model lives.
    code_mean_ : ndarray of shape (n_components,)
        Zeros: a sparse code is not centred (see ``scale_codes``).
    code_scale_ : float
        What ``transform`` divides the codes by with ``scale_codes=True``: the
        root mean square of the code's entries on the training rows.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``, when X is a DataFrame with string names.

    See Also
    --------
    ContractiveAE : a penalty on the code's sensitivity instead of its size.

    References
    ----------
    .. [1] I. Goodfellow, Y. Bengio and A. Courville, "Deep Learning", ch. 14.2.1,
       MIT Press, 2016.
    .. [2] A. Ng, "Sparse autoencoder", CS294A lecture notes, Stanford, 2011.

    Examples
    --------
    >>> from skae import SparseAE
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> sae = SparseAE(n_components=64, sparsity=0.05, max_iter=5, random_state=0).fit(X)
    >>> Z = sae.transform(X)
    >>> Z.shape, bool((Z >= 0).all())
    ((1797, 64), True)
    """

    _parameter_constraints = {
        **CUSTOM_CONSTRAINTS,
        **BaseAutoencoder._parameter_constraints,
        **MLP_CONSTRAINTS,
        **CODE_SCALING,
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "sparsity_penalty": [StrOptions(set(SPARSITY_PENALTIES))],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
    }
    _feature_prefix = "sparseae"
    _centre_codes = False

    def __init__(
        self,
        n_components=128,
        *,
        hidden_layer_sizes=(),
        sparsity=0.05,
        sparsity_penalty="l1",
        sparsity_target=0.05,
        activation="relu",
        tied_weights=False,
        loss="auto",
        scale_codes=True,
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
        check_custom_modules(self)
        if self.sparsity_penalty == "kl" and self.activation != "sigmoid":
            raise ValueError(
                f"sparsity_penalty='kl' compares mean activations with sparsity_target "
                f"and needs codes in (0, 1): use activation='sigmoid', not {self.activation!r} "
                f"(or sparsity_penalty='l1')."
            )

    def _objective(self):
        penalty = SparsityPenalty(float(self.sparsity), self.sparsity_penalty, float(self.sparsity_target))
        return {**super()._objective(), "criterion__penalty": penalty}
