"""The contractive autoencoder of Rifai et al. (2011)."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..nn.autoencoders import ContractiveAutoencoder, ContractiveModularAutoencoder
from ..nn.functional import jacobian_frobenius_sq
from ..nn.losses import ContractivePenalty
from .autoencoder import BaseAutoencoder
from .custom import CUSTOM_CONSTRAINTS, check_custom_modules
from .params import CODE_SCALING, MLP_CONSTRAINTS

__all__ = ["ContractiveAE"]


class ContractiveAE(BaseAutoencoder):
    """Contractive autoencoder: reconstruction + λ ‖J_f(x)‖²_F.

    The encoder is penalised by the squared Frobenius norm of its Jacobian at
    each training point, averaged over the batch, which makes the code locally
    insensitive to input directions that the reconstruction does not need
    (Rifai et al., 2011). The norm is exact: a closed form for one-layer
    encoders (Σ_j s'(z_j)² ‖W_j‖², with s' = h(1 − h) for sigmoid), and the full
    per-sample Jacobian from ``torch.func`` for deeper encoders or other
    activations.

    Parameters
    ----------
    n_components : int, default=128
        Width of the code returned by :meth:`transform`.
    contraction : float, default=0.1
        The coefficient λ of the Jacobian penalty, ``>= 0`` (0 gives a plain
        autoencoder). Losses are summed over features, so λ means the same
        whatever the input width.
    tied_weights : bool, default=True
        Decoder weights are the transposed encoder weights, as in the paper.
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
    code_mean_, code_scale_ : ndarray of shape (n_components,), float
        What ``transform`` centres and divides the codes by (see ``scale_codes``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``, when X is a DataFrame with string names.

    See Also
    --------
    DenoisingAutoencoder : robustness of the reconstruction instead of the code.
    SparseAE : a penalty on the code's magnitude.

    References
    ----------
    .. [1] S. Rifai, P. Vincent, X. Muller, X. Glorot and Y. Bengio, "Contractive
       auto-encoders: explicit invariance during feature extraction", ICML 2011.

    Examples
    --------
    >>> from skae import ContractiveAE
    >>> from skae.datasets import load_digits_unit
    >>> X, _ = load_digits_unit()
    >>> cae = ContractiveAE(n_components=32, contraction=0.1, max_iter=5, random_state=0).fit(X)
    >>> cae.transform(X).shape
    (1797, 32)
    >>> cae.jacobian_norm(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **CUSTOM_CONSTRAINTS,
        **BaseAutoencoder._parameter_constraints,
        **MLP_CONSTRAINTS,
        **CODE_SCALING,
        "contraction": [Interval(Real, 0, None, closed="left")],
    }
    _feature_prefix = "contractiveae"
    _module_class = ContractiveAutoencoder
    _modular_class = ContractiveModularAutoencoder

    def __init__(
        self,
        n_components=128,
        *,
        hidden_layer_sizes=(),
        contraction=0.1,
        activation="sigmoid",
        tied_weights=True,
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

    def _objective(self):
        return {**super()._objective(), "criterion__penalty": ContractivePenalty(float(self.contraction))}

    def jacobian_norm(self, X):
        """Squared Frobenius norm ‖J_f(x)‖²_F of the encoder Jacobian at each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        norms : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)

        def norms(module, xb):
            return jacobian_frobenius_sq(module.encoder, xb).detach()[:, None]

        # not under inference_mode, where torch.func transforms have returned zeros
        # (torch issue 177318); torch.func ignores the outer no_grad
        return self._map_rows(X, norms, 1, mode=torch.no_grad)[:, 0]
