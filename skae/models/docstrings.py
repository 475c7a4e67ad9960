"""The parameters every estimator shares are documented once, here, and filled into each class's docstring.

A class documents its own parameters (and any shared one whose meaning it
changes, e.g. ``max_iter`` of a stack: epochs *per layer*); when the class is
defined, :func:`fill_parameters` inserts the entries it left out from
:data:`SHARED_PARAMETERS`, in the signature's order, with the default read
from the signature. ``help()``, Sphinx and numpydoc see the whole list.
"""

import inspect
import re

__all__ = ["SHARED_PARAMETERS", "fill_parameters"]

#: name -> (type, description) of the parameters shared by the estimators.
SHARED_PARAMETERS = {
    "hidden_layer_sizes": ("tuple of int", "Encoder layers between the input and the code; the decoder mirrors them."),
    "activation": ('{"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "identity"}',
                   "Activation of the hidden layers and the code."),
    "tied_weights": ("bool", "Decoder weights are the transposed encoder weights (W' = Wᵀ)."),
    "scale_codes": ("bool", "``True``: ``transform`` returns the codes centred (each unit's mean over the training "
                            "rows subtracted, ``code_mean_``) and divided by one number, the root mean square of "
                            "the units' standard deviations on those rows (``code_scale_``): features of about "
                            "unit variance, as after PCA or a ``StandardScaler``, which the estimators users put "
                            "after PCA expect (``LogisticRegression`` at a loose ``tol`` predicts a single class "
                            "on raw sigmoid codes), while the distances between codes keep their proportions. "
                            "``inverse_transform`` undoes it. ``False``: the encoder's activations as they are "
                            "(the papers' sigmoid code in (0, 1)). Measured after ``fit`` on its rows and after "
                            "each ``partial_fit`` on its chunk (unless the chunk is a single row); "
                            "``set_params(scale_codes=...)`` takes effect without refitting."),
    "loss": ('{"auto", "cross_entropy", "squared_error"}',
             'Reconstruction loss, summed over features and averaged over samples: ``"cross_entropy"`` '
             '(a sigmoid output, for data in [0, 1]) or ``"squared_error"`` (a linear output). ``"auto"`` '
             "picks cross-entropy when the training data lies in [0, 1] and squared error otherwise; the "
             "choice is stored in ``loss_``."),
    "max_iter": ("int", "Maximum number of epochs (passes over the training data); see ``n_iter_no_change``."),
    "batch_size": ('int or "auto"', 'Mini-batch size. ``"auto"``: ``min(200, n_samples)`` of the data given '
                                    "to ``fit`` (or to each ``partial_fit``), scikit-learn's MLP rule."),
    "lr": ("float", "Learning rate of the Adam optimiser."),
    "early_stopping": ("bool", "Hold out ``validation_fraction`` of the data and stop when the validation loss "
                               "has not improved by a relative ``tol`` for ``n_iter_no_change`` epochs, "
                               "restoring the best weights."),
    "validation_fraction": ("float", "Held-out fraction for early stopping."),
    "n_iter_no_change": ("int", "Training stops after this many epochs in which the monitored loss has not "
                                "improved by a relative ``tol`` (``MLPClassifier``'s rule). Monitored: the "
                                "validation loss with ``early_stopping``; else, when training is noisy (a "
                                "corruption, or a VAE's sampling), the objective on up to 1,024 training rows "
                                "fixed for the fit under one fixed noise draw, averaged over the last "
                                "``2 * n_iter_no_change`` epochs; else the training loss. ``verbose`` says "
                                "why a fit stopped."),
    "tol": ("float", "Relative improvement of the monitored loss that counts."),
    "encoder": ("type or None", "``None``: the MLP of ``hidden_layer_sizes``. Or a ``torch.nn.Module`` class "
                                "mapping rows (shaped by ``input_shape``) to codes of width ``n_components``; "
                                "built in ``fit`` with the ``encoder__*`` parameters plus ``n_features``, "
                                "``n_components`` and ``input_shape`` when its ``__init__`` takes them (e.g. "
                                ":class:`skae.modules.ConvEncoder`)."),
    "decoder": ("type or None", "Likewise for the decoder (codes to reconstructions, before the output "
                                "activation); ``None``: the mirrored MLP."),
    "input_shape": ("tuple of int or None", "With custom modules: the shape each row is viewed in, e.g. "
                                            "``(1, 40)`` for a signal or ``(1, 8, 8)`` for an image; the "
                                            "reconstruction is flattened back."),
    "device": ("str or torch.device", '``"auto"``: CUDA when available, else CPU; or any torch device string.'),
    "random_state": ("int, RandomState instance or None",
                     "Seeds every random draw of ``fit``: weight initialisation, shuffling, corruption, "
                     "the validation split. An int makes ``fit`` reproducible bit for bit on CPU. Torch's "
                     "and numpy's global random states are never used."),
    "verbose": ("int", "0: silent. 1: a progress bar over the epochs, with the last loss (a widget in a "
                       "notebook). 2: a table of losses per epoch."),
    "module_params": ("dict", "``encoder__<arg>`` / ``decoder__<arg>``: arguments of the module classes "
                              "(settable with ``set_params`` and searchable with ``GridSearchCV``)."),
}

# The section's indentation is read off its header: 4 spaces in a class body, none once
# Python (3.13+) strips docstrings' common indentation at compile time.
_HEADER = re.compile(r"^( *)Parameters\n\1----------\n", re.M)


def _default(value):
    """A default as the docstrings write it: ``"auto"``, ``1e-4``, ``2.5e-3``, ``(256,)``."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value and abs(value) < 1e-2:
        mantissa, exponent = f"{value:.12e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    return repr(value)


def _wrap(text, indent, width=88):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width - indent:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "".join(" " * indent + part + "\n" for part in lines)


def _shared_entry(name, parameter, indent):
    kind, description = SHARED_PARAMETERS[name]
    if parameter.kind == parameter.VAR_KEYWORD:
        head = f"{indent}**{name} : {kind}\n"
    else:
        head = f"{indent}{name} : {kind}, default={_default(parameter.default)}\n"
    return head + _wrap(description, len(indent) + 4)


def fill_parameters(cls):
    """``cls``'s docstring with its Parameters section completed from :data:`SHARED_PARAMETERS`.

    Raises
    ------
    TypeError
        If a parameter of the signature is documented neither by the class
        nor in :data:`SHARED_PARAMETERS`.
    """
    doc = cls.__doc__ or ""
    header = _HEADER.search(doc)
    if header is None:  # nothing to complete (e.g. a user's class without a Parameters section)
        return cls.__doc__
    indent = header.group(1)
    next_section = re.compile(rf"^{indent}\S[^\n]*\n{indent}-{{3,}}\n", re.M)
    entry = re.compile(rf"^{indent}(\*\*)?(\w+)\b[^\n]*\n(?:(?:{indent}    [^\n]*)?\n)*?(?={indent}\S|\Z)", re.M)
    start = header.end()
    following = next_section.search(doc, start)
    end = following.start() if following else len(doc)
    section = doc[start:end].rstrip("\n") + "\n"
    own = {m.group(2): m.group(0).rstrip("\n") + "\n" for m in entry.finditer(section)}
    entries = []
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        if name in own:
            entries.append(own[name])
        elif name in SHARED_PARAMETERS:
            entries.append(_shared_entry(name, parameter, indent))
        else:
            raise TypeError(f"{cls.__name__}: parameter {name!r} is documented neither in its docstring nor "
                            f"in skae.models.docstrings.SHARED_PARAMETERS.")
    return doc[:start] + "".join(entries) + ("\n" if following else "") + doc[end:]
