"""The stacked denoising autoencoder classifier, the SdA of Vincent et al. (2010).

Greedy layer-wise denoising pretraining exactly as in :class:`~skae.StackedDAE`
(the phases of :mod:`skae.models.stacked`), then supervised fine-tuning of the whole
stack plus a softmax layer.
"""

from numbers import Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..engine.data import TensorData
from ..nn.autoencoders import Classifier, DenoisingClassifier, StackedAutoencoder
from ..nn.init import init_weights
from ..nn.losses import SemiSupervisedLoss
from .base import Phase, TorchEstimator
from .params import DEFAULT_MASKING
from .stacked import STACK_CONSTRAINTS, layer_corruptions, pretraining_phases
from .validation import refuse_fit_params

__all__ = ["StackedDAEClassifier"]


class StackedDAEClassifier(ClassifierMixin, TorchEstimator):
    """Stacked denoising autoencoder classifier (the SdA of Vincent et al., 2010).

    Unsupervised greedy layer-wise denoising pretraining of the stack
    ``(*hidden_layer_sizes, n_components)`` exactly as in :class:`StackedDAE`,
    then supervised fine-tuning of the whole stack plus a softmax output layer
    on the labels (cross-entropy, no corruption).

    Parameters
    ----------
    n_components : int, default=128
        Width of the top code layer, below the softmax.
    hidden_layer_sizes : tuple of int, default=(256,)
        Widths of the layers below the top code, input side first.
    corruption : Corruption, list of Corruption or None, default=MaskingNoise(rate=0.25)
        Corruption used while pretraining each layer (one object for every
        layer, or a list with one per layer). Not used in supervised fine-tuning.
    activation : str, default="sigmoid"
        Activation of every hidden layer.
    tied_weights : bool, default=False
        Tied weights in each pretraining autoencoder.
    loss : {"auto", "cross_entropy", "squared_error"}, default="auto"
        Reconstruction loss of the first pretraining layer (``"auto"``:
        cross-entropy for data in [0, 1], else squared error).
    max_iter : int, default=30
        Maximum pretraining epochs per layer; see ``n_iter_no_change``.
        0 skips pretraining: the same network, trained by supervised
        fine-tuning alone from its random initialisation (an MLP baseline).
    fine_tune_iter : int, default=100
        Epochs of supervised fine-tuning; 0 trains only the softmax layer's
        initialisation (an untrained classifier), so keep it positive.
    reconstruction_weight : float, default=0.0
        0: fine-tune on the labelled rows alone (the SdA). Above 0: a joint
        semi-supervised objective (Ranzato & Szummer, 2008). Fine-tuning then
        runs over every row, labelled or not, and each batch's loss is the
        cross-entropy of its labelled rows plus ``reconstruction_weight`` times
        the denoising reconstruction loss of all its rows (the first layer's
        corruption and loss, through the whole stack and its decoders). An
        epoch is then a pass over every row, not over the labelled ones.
        At 1.0, ``benchmarks/bench_semisupervised.py`` finds it better than 0
        on most of its data sets when few rows carry a label, and worse on
        every one when all do, at several times the fit time (the stacked
        page of the user guide); choose it by cross-validation on the
        labelled rows.
    lr : float, default=1e-3
        Adam learning rate, for every phase.
    early_stopping : bool, default=False
        In every phase, hold out ``validation_fraction`` and stop after
        ``n_iter_no_change`` epochs without relative improvement ``tol`` of the
        validation loss, restoring the best weights.
    random_state : int, RandomState instance or None, default=None
        Seeds every initialisation, shuffle and corruption; an int makes ``fit``
        reproducible bit for bit on CPU.
    verbose : int, default=0
        0: silent. 1: a progress bar over the epochs of each phase, named
        after the layer it trains (a widget in a notebook). 2: a table of
        losses per epoch and a line per finished layer.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    loss_ : str
        Reconstruction loss of the first pretraining layer.
    corruption_ : list of Corruption or None
        The validated per-layer copies of ``corruption``.
    pretrain_loss_curves_ : list of list of float
        Reconstruction loss per epoch of each layer's pretraining.
    loss_curve_ : list of float
        Cross-entropy per epoch of supervised fine-tuning.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy per fine-tuning epoch, with early stopping.
    n_iter_ : int
        Total epochs run: pretraining of every layer plus fine-tuning.
    net_ : SkaeNet
        The skorch net of the fine-tuned classifier.
    device_ : torch.device
        Where the model lives.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``, when X is a DataFrame with string names.

    See Also
    --------
    StackedDAE : the unsupervised stack, as a transformer.
    sklearn.neural_network.MLPClassifier : the same network without pretraining.

    Notes
    -----
    Pretraining may use more rows than the labelled ones: label them -1 in ``y``
    (scikit-learn's convention for semi-supervised learning, as in
    :class:`~sklearn.semi_supervised.SelfTrainingClassifier`), or pass them as
    ``fit(X, y, X_unlabeled=U)`` (in a pipeline, ``clf__X_unlabeled=U``). The
    stack is pretrained on every row, then fine-tuned on the labelled ones;
    ``score`` leaves rows labelled -1 out, so that ``GridSearchCV`` scores the
    labelled rows of each fold.

    References
    ----------
    .. [1] P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio and P.-A. Manzagol,
       "Stacked denoising autoencoders", JMLR 11, 2010.

    Examples
    --------
    >>> from skae import StackedDAEClassifier
    >>> from skae.datasets import load_digits_unit
    >>> X, y = load_digits_unit()
    >>> clf = StackedDAEClassifier(hidden_layer_sizes=(64,), n_components=32, max_iter=5,
    ...                            fine_tune_iter=30, lr=3e-3, random_state=0)
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints = {**TorchEstimator._parameter_constraints, **STACK_CONSTRAINTS,
                              "reconstruction_weight": [Interval(Real, 0, None, closed="left")]}

    def __init__(
        self,
        n_components=128,
        *,
        hidden_layer_sizes=(256,),
        corruption=DEFAULT_MASKING,
        activation="sigmoid",
        tied_weights=False,
        loss="auto",
        max_iter=30,
        fine_tune_iter=100,
        reconstruction_weight=0.0,
        batch_size=64,
        lr=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self._store_init_params(locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_unlabeled=None, **fit_params):
        """Pretrain the stack (on ``X`` and ``X_unlabeled``), then fine-tune on ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labelled training data.
        y : array-like of shape (n_samples,)
            Class labels; -1 marks an unlabelled row (scikit-learn's convention,
            also as the integer -1 in an object array of string labels). Every
            row pretrains the stack; the labelled ones fine-tune it. ``classes_``
            never holds -1.
        X_unlabeled : array-like of shape (n_unlabeled, n_features), default=None
            Extra rows used only for unsupervised pretraining.
        **fit_params : dict
            Not supported: ``sample_weight`` (or any other fit parameter) is
            a ``ValueError`` (a ``TypeError`` for other names) that says how to
            weight rows instead.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        refuse_fit_params(self, fit_params)
        return self._fit(X, y, X_unlabeled=X_unlabeled)

    def _prepare_training_data(self, X, y, X_unlabeled=None):
        """The pretraining rows (labelled rows first) and the labels' indices in ``classes_``.

        Rows labelled -1 (scikit-learn's mark of an unlabelled row) and ``X_unlabeled`` are
        pretraining rows only.
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], ensure_min_samples=2)
        unlabelled = unlabelled_rows(y)
        labels = y[~unlabelled]
        if labels.dtype == object and not any(isinstance(v, str) for v in labels):
            labels = np.asarray(labels.tolist())  # numbers in an object array (it held -1 beside labels)
        if not len(labels):
            raise ValueError("StackedDAEClassifier needs labelled rows: every label in y is -1 (unlabelled).")
        check_classification_targets(labels)
        self.classes_, y_index = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"StackedDAEClassifier needs at least 2 classes among the labelled rows; got "
                             f"{len(self.classes_)}: {self.classes_.tolist()}. Rows labelled -1 are unlabelled "
                             f"(scikit-learn's semi-supervised convention): give a class called -1 another "
                             f"label.")
        parts = [X[~unlabelled], X[unlabelled]]
        if X_unlabeled is not None:
            U = check_array(X_unlabeled, dtype=[np.float64, np.float32], input_name="X_unlabeled")
            if U.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X_unlabeled has {U.shape[1]} features but X has {X.shape[1]}."
                )
            parts.append(U.astype(X.dtype, copy=False))
        X_pre = np.concatenate(parts) if unlabelled.any() or X_unlabeled is not None else X
        self.loss_ = self._loss_for(X_pre)
        self._check_training_X(X_pre)
        return X_pre, y_index

    def _resolve_params(self):
        self.corruption_ = layer_corruptions(self)

    def _phases(self, X=None, y=None):
        """Pretraining, then fine-tuning of the stack plus a softmax layer (labelled rows first).

        Fine-tuning trains on the labelled rows' cross-entropy or, with a
        ``reconstruction_weight``, on every row's joint objective (an unlabelled row's class is -1).
        """
        if self.reconstruction_weight > 0:
            objective = {"criterion": SemiSupervisedLoss, "criterion__kind": self.loss_,
                         "criterion__weight": float(self.reconstruction_weight)}

            def data(trained):
                return TensorData(X, torch.cat([y, y.new_full((len(X) - len(y),), -1)]))
        else:
            objective = {"criterion": torch.nn.CrossEntropyLoss}

            def data(trained):
                return TensorData(X[: len(y)], y)

        return [*pretraining_phases(self, X), Phase(
            name="fine-tuning", epochs=self.fine_tune_iter, module=self._classifier_module, objective=objective,
            data=data, initialise=lambda module, generator: init_weights(
                getattr(module, "classifier", module).output, generator, activation="identity"),
        )]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the labelled rows of ``(X, y)``; rows labelled -1 are left out.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            True labels; -1 marks an unlabelled row (as in ``fit``), which is not scored.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        y = np.asarray(y)
        labelled = ~unlabelled_rows(y)
        if not labelled.any():
            raise ValueError("score needs labelled rows: every label in y is -1 (unlabelled).")
        weights = None if sample_weight is None else np.asarray(sample_weight)[labelled]
        return accuracy_score(y[labelled], self.predict(_rows(X, labelled)), sample_weight=weights)

    def _classifier_module(self, layers):
        encoder = torch.nn.Sequential(*(layer.encoder for layer in layers))
        classifier = Classifier(encoder, int(self.n_components), len(self.classes_))
        if not self.reconstruction_weight > 0:
            return classifier
        return DenoisingClassifier(classifier, StackedAutoencoder(layers).decoder, self.corruption_[0])

    def predict_proba(self, X):
        """Class probabilities (softmax of the output layer).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``; in X's floating dtype.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return self._map_rows(X, lambda m, xb: torch.softmax(m(xb), dim=1), len(self.classes_))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(proba, axis=1)]


def unlabelled_rows(y):
    """Where ``y`` holds -1, scikit-learn's mark of an unlabelled row (also inside an object array)."""
    y = np.asarray(y)
    if y.dtype.kind in "US":  # strings: an unlabelled row would be the integer -1 in an object array
        return np.zeros(len(y), dtype=bool)
    if y.dtype.kind == "O":
        return np.array([not isinstance(v, str) and v == -1 for v in y], dtype=bool)
    return y == -1


def _rows(X, mask):
    """``X``'s rows where ``mask`` holds (a DataFrame stays one)."""
    return X.iloc[mask] if hasattr(X, "iloc") else np.asarray(X)[mask]
