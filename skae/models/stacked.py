"""Stacked denoising autoencoders (Vincent et al., 2010).

Greedy layer-wise pretraining: layer k is a one-hidden-layer denoising
autoencoder trained on the *clean* codes of layers < k; corruption is applied
only inside each layer's training steps, never when propagating codes. Then an
optional end-to-end phase: reconstruction fine-tuning of the deep autoencoder
(:class:`StackedDAE`), or supervised fine-tuning of the stack plus a softmax
layer (:class:`StackedDAEClassifier`, the paper's SdA).
"""

from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval

from ..engine.data import TensorData
from ..nn.autoencoders import Autoencoder, StackedAutoencoder
from ..nn.losses import RECONSTRUCTION_LOSSES, ReconstructionLoss
from .autoencoder import BaseAutoencoder
from .base import Phase
from .params import CODE_SCALING, CORRUPTION, DEFAULT_MASKING, MLP_CONSTRAINTS, copy_corruption

__all__ = ["StackedDAE", "STACK_CONSTRAINTS", "layer_widths", "layer_corruptions", "layer_loss",
           "pretraining_phases"]

#: Constraints of the stacks' parameters (with the MLP's).
STACK_CONSTRAINTS = {
    **MLP_CONSTRAINTS,
    "corruption": [*CORRUPTION, list, tuple],
    "max_iter": [Interval(Integral, 0, None, closed="left")],  # 0: no pretraining
    "fine_tune_iter": [Interval(Integral, 0, None, closed="left")],
}


def layer_widths(estimator):
    """The stack's code widths, input side first: ``(*hidden_layer_sizes, n_components)``."""
    return (*estimator._hidden_sizes(), int(estimator.n_components))


def layer_corruptions(estimator):
    """One validated copy of the corruption per layer (for ``corruption_``).

    ``corruption`` is one process (copied for every layer) or a list with one per layer.
    """
    widths = layer_widths(estimator)
    corruption = estimator.corruption
    if isinstance(corruption, (list, tuple)):
        if len(corruption) != len(widths):
            raise ValueError(
                f"corruption is a list of {len(corruption)} processes but the stack "
                f"{widths} has {len(widths)} layers; give one per layer or a single one."
            )
        for c in corruption:
            if c is not None and not hasattr(c, "get_params"):
                raise ValueError(f"corruption list entries must be corruption objects, got {c!r}.")
        return [copy_corruption(c) for c in corruption]
    return [copy_corruption(corruption) for _ in widths]


def layer_loss(estimator, k):
    """Layer 1 reconstructs the data (``loss_``); higher layers reconstruct codes:
    cross-entropy for sigmoid codes, in (0, 1), squared error otherwise."""
    if k == 0:
        return estimator.loss_
    return "cross_entropy" if estimator.activation == "sigmoid" else "squared_error"


@torch.no_grad()
def _clean_codes(estimator, module, H):
    """Encode ``H`` (no corruption, evaluation mode), chunk by chunk."""
    module.eval()
    device = next(module.parameters()).device
    return torch.cat([module.encoder(H[rows].to(device)).to(H.device) for rows in estimator._chunks(len(H))])


def pretraining_phases(estimator, X):
    """Layer k: a one-hidden-layer DAE on the clean codes of layers < k (of ``X``), with ``corruption_[k]``.

    ``X`` is ``None`` when only the architecture is needed (a load).
    """
    widths = layer_widths(estimator)
    sizes = (estimator.n_features_in_, *widths)
    codes = [X]

    def codes_of(k, trained):
        while len(codes) <= k:  # the clean codes of the layer below, computed once
            codes.append(_clean_codes(estimator, trained[len(codes) - 1], codes[-1]))
        return codes[k]

    def layer_module(k):
        def module(trained):
            offset = None
            if k > 0:  # (zeros when only rebuilding the architecture: the buffer is loaded)
                offset = torch.zeros(sizes[k]) if X is None else codes_of(k, trained).mean(dim=0).cpu()
            return Autoencoder(
                n_features=sizes[k], n_components=sizes[k + 1], activation=estimator.activation,
                output_activation=RECONSTRUCTION_LOSSES[layer_loss(estimator, k)],
                tied_weights=estimator.tied_weights, input_offset=offset,
            )
        return module

    return [
        Phase(
            name=f"layer {k + 1}/{len(widths)} ({sizes[k]} -> {sizes[k + 1]})",
            epochs=estimator.max_iter, module=layer_module(k),
            data=lambda trained, k=k: TensorData(codes_of(k, trained)),
            objective={"criterion": ReconstructionLoss, "criterion__kind": layer_loss(estimator, k),
                       "corruption": estimator.corruption_[k]},
            initialise=estimator._initialise,
        )
        for k in range(len(widths))
    ]


class StackedDAE(BaseAutoencoder):
    """Stacked denoising autoencoder: greedy layer-wise DAE pretraining.

    The stack is ``(*hidden_layer_sizes, n_components)``. Layer k is trained
    for ``max_iter`` epochs as a one-hidden-layer denoising autoencoder whose
    input is the *clean* code of layers < k: corruption is applied only while
    training each layer, never when propagating representations (Vincent et
    al., 2010). Then, if ``fine_tune_iter > 0``, the whole deep autoencoder is
    fine-tuned end to end on reconstruction of the clean input from the
    corrupted input (the first layer's corruption). ``transform`` gives the top
    code; ``inverse_transform`` decodes through the whole stack.

    Parameters
    ----------
    n_components : int, default=256
        Width of the top code returned by :meth:`transform`.
    hidden_layer_sizes : tuple of int, default=(256,)
        Widths of the layers below the top code, input side first.
    corruption : Corruption, list of Corruption or None, default=MaskingNoise(rate=0.25)
        Corruption of each layer's input while that layer trains. One object
        serves every layer (each layer gets its own copy); a list gives one per
        layer. Grid-searchable as ``corruption__rate`` (single object).
    activation : str, default="sigmoid"
        Activation of every code layer (sigmoid, as in the paper).
    tied_weights : bool, default=False
        Each layer's decoder uses its encoder's transposed weights.
    loss : {"auto", "cross_entropy", "squared_error"}, default="auto"
        Reconstruction loss of the first layer and of fine-tuning; ``"auto"``
        picks cross-entropy for data in [0, 1], else squared error. Higher
        layers reconstruct codes: cross-entropy for sigmoid codes, squared
        error for other activations.
    max_iter : int, default=10
        Maximum pretraining epochs per layer; see ``n_iter_no_change``.
        0 skips pretraining: the stack is trained end to end from its
        random initialisation.
    fine_tune_iter : int, default=20
        Epochs of end-to-end fine-tuning of the deep autoencoder; 0 turns it off.
    lr : float, default=3e-3
        Adam learning rate, for every phase.
    early_stopping : bool, default=False
        In every phase, hold out ``validation_fraction`` and stop after
        ``n_iter_no_change`` epochs without relative improvement ``tol``,
        restoring the best weights.
    random_state : int, RandomState instance or None, default=None
        Seeds every layer's initialisation, shuffling and corruption; an int
        makes ``fit`` reproducible bit for bit on CPU.
    verbose : int, default=0
        0: silent. 1: a progress bar over the epochs of each phase, named
        after the layer it trains (a widget in a notebook). 2: a table of
        losses per epoch and a line per finished layer.

    Attributes
    ----------
    loss_ : str
        Reconstruction loss of the first layer and of fine-tuning.
    corruption_ : list of Corruption or None
        The validated per-layer copies of ``corruption``.
    pretrain_loss_curves_ : list of list of float
        Training loss per epoch of each layer's pretraining.
    loss_curve_ : list of float
        Training loss per epoch of end-to-end fine-tuning and later
        ``partial_fit`` passes (empty without them).
    validation_loss_curve_ : list of float or None
        Validation loss per fine-tuning epoch, with early stopping.
    n_iter_ : int
        Total epochs run: pretraining of every layer plus fine-tuning.
    encoder_ : torch.nn.Module
        The stacked encoder, x -> top code.
    decoder_ : torch.nn.Module
        The stacked decoder, top code -> reconstruction in data space.
    net_ : SkaeNet
        The skorch net of the deep autoencoder.
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
    DenoisingAutoencoder : a single denoising autoencoder.
    StackedDAEClassifier : the stack fine-tuned as a classifier (SdA).

    Notes
    -----
    ``partial_fit`` on an unfitted model pretrains every layer for one epoch on
    the chunk; later calls run one epoch of end-to-end (denoising) training of
    the whole stack, for streaming data.

    The defaults (256-256 sigmoid units, 25% masking, 10 epochs per layer, then
    20 epochs of denoising fine-tuning, Adam at 3e-3) were chosen on a tuning
    suite of generated data (``benchmarks/bench_stacked_defaults.py``): the
    best mean of clean and 25%-masked held-out accuracy, under LogisticRegression
    on the codes, among the configurations that fit in at most 3 times
    ``DenoisingAutoencoder()``'s time. End-to-end fine-tuning is what lifts the
    accuracy on masked inputs; see ``docs/stacked.md`` and the results page.

    References
    ----------
    .. [1] P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio and P.-A. Manzagol,
       "Stacked denoising autoencoders: learning useful representations in a deep
       network with a local denoising criterion", JMLR 11, 2010.

    Examples
    --------
    >>> from skae import StackedDAE
    >>> from skae.datasets import load_digits_unit
    >>> X, y = load_digits_unit()
    >>> sdae = StackedDAE(hidden_layer_sizes=(32,), n_components=16, max_iter=3,
    ...                   random_state=0).fit(X)
    >>> sdae.transform(X).shape
    (1797, 16)
    >>> [len(curve) for curve in sdae.pretrain_loss_curves_]
    [3, 3]
    >>> sdae.inverse_transform(sdae.transform(X)).shape
    (1797, 64)
    """

    _parameter_constraints = {**BaseAutoencoder._parameter_constraints, **STACK_CONSTRAINTS, **CODE_SCALING}
    _feature_prefix = "stackeddae"

    def __init__(
        self,
        n_components=256,
        *,
        hidden_layer_sizes=(256,),
        corruption=DEFAULT_MASKING,
        activation="sigmoid",
        tied_weights=False,
        loss="auto",
        scale_codes=True,
        max_iter=10,
        fine_tune_iter=20,
        batch_size=64,
        lr=3e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self._store_init_params(locals())

    #: A stack is built of MLP layers: no encoder= / decoder= classes.
    _modular_class = None

    #: Layers above the first reconstruct codes: a table's category blocks are the first layer's only.
    _accepts_tables = False

    def _resolve_params(self):
        self.corruption_ = layer_corruptions(self)

    def _objective(self):
        """Fine-tuning: reconstruct the clean input from the first layer's corruption."""
        return {"criterion": ReconstructionLoss, "criterion__kind": self.loss_, "corruption": self.corruption_[0]}

    def _phases(self, X=None, y=None):
        return [*pretraining_phases(self, X), Phase(
            name="fine-tuning", epochs=self.fine_tune_iter, module=StackedAutoencoder,
            objective=self._objective(), data=lambda trained: TensorData(X), partial_epochs=0,
        )]
