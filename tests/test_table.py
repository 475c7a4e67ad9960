"""Tables of mixed column types: the encoding, TableLoss, and DenoisingImputer on DataFrames."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from torch.nn import functional as F

import skae
from skae import (
    VAE,
    AutoencoderOutlierDetector,
    ContractiveAE,
    DenoisingAutoencoder,
    DenoisingImputer,
    SparseAE,
    StackedDAE,
)
from skae.models.table import (
    column_weights,
    column_widths,
    decode_table,
    describe_columns,
    encode_table,
    missing_entries,
)
from skae.nn.losses import TableLoss

FAST = dict(max_iter=30, random_state=0, device="cpu")


def mixed_table(n=1500, seed=0):
    """Two latent factors behind two numbers, a category, a bool and a text column; plus an unrelated coin."""
    rng = np.random.RandomState(seed)
    z = rng.normal(size=(n, 2))
    level = np.where(z[:, 0] > 0.5, "high", np.where(z[:, 0] < -0.5, "low", "mid"))
    return pd.DataFrame({
        "x": z[:, 0] + 0.1 * rng.normal(size=n),
        "size": pd.Categorical(level, categories=["low", "mid", "high", "unused"]),
        "y": 2 * z[:, 1] + 1 + 0.1 * rng.normal(size=n),
        "flag": z[:, 1] > 0,
        "side": np.where(z.sum(axis=1) > 0, "right", "left").astype(object),
        "coin": np.where(rng.uniform(size=n) < 0.5, "heads", "tails").astype(object),
    })


def hide(frame, rate, seed=1):
    """A copy of ``frame`` with about ``rate`` of its entries missing (NaN in numbers, None elsewhere)."""
    mask = np.random.RandomState(seed).uniform(size=frame.shape) < rate
    hidden = frame.copy()
    for j, name in enumerate(frame.columns):
        column = frame[name]
        if column.dtype == bool:
            column = column.astype(object)
        hidden[name] = column.where(~mask[:, j], np.nan if column.dtype == float else None)
    return hidden, mask


def test_mixed_columns_are_filled_with_valid_values_in_their_dtypes_and_observed_ones_kept():
    table = mixed_table()
    hidden, mask = hide(table, 0.2)
    before = hidden.copy()
    imputer = DenoisingImputer(**FAST).fit(hidden)
    assert imputer.column_kinds_ == ["numeric", "categorical", "numeric", "categorical", "categorical",
                                     "categorical"]  # the bool column held None: an object column
    filled = imputer.transform(hidden)
    pd.testing.assert_frame_equal(hidden, before)  # the caller's frame is untouched
    assert filled.dtype == object and filled.shape == table.shape  # as SimpleImputer gives object data
    assert not pd.isna(filled).any()
    for j, name in enumerate(table.columns):
        observed = ~mask[:, j]
        assert list(filled[observed, j]) == list(hidden[name][observed])  # unchanged
        if j in (1, 3, 4, 5):
            assert set(filled[:, j]) <= set(imputer.categories_[j])
    assert imputer.categories_[1].tolist() == ["low", "mid", "high", "unused"]  # the dtype's own categories
    imputer.set_output(transform="pandas")
    frame = imputer.transform(hidden)
    assert frame.index.equals(hidden.index) and list(frame.columns) == list(table.columns)
    assert frame["size"].dtype == table["size"].dtype  # the same CategoricalDtype, unused category included
    assert frame["x"].dtype == np.float64 and frame["side"].dtype == hidden["side"].dtype  # pandas' text dtype
    assert frame["flag"].dtype == bool  # an object column of bools and None, filled: bools
    np.testing.assert_array_equal(frame["x"].to_numpy(), filled[:, 0].astype(float))


def test_categories_are_filled_from_the_other_columns_far_better_than_the_most_frequent():
    table = mixed_table()
    hidden, mask = hide(table, 0.2)
    frame = DenoisingImputer(**FAST).set_output(transform="pandas").fit(hidden).transform(hidden)
    for name in ("size", "flag", "side"):
        rows = mask[:, table.columns.get_loc(name)]
        truth = table[name][rows].astype(str).to_numpy()
        right = np.mean(frame[name][rows].astype(str).to_numpy() == truth)
        most_frequent = pd.Series(truth).value_counts(normalize=True).max()
        assert right > most_frequent + 0.2, (name, right, most_frequent)  # measured: +0.34 to +0.43
    rows = mask[:, 0]
    rmse = np.sqrt(np.mean((frame["x"][rows] - table["x"][rows]) ** 2))
    assert rmse < 0.75 * table["x"].std()  # the category and the side carry x


def test_sample_posterior_draws_categories_from_the_predicted_distribution():
    table = mixed_table()
    hidden, mask = hide(table, 0.3)
    rows = mask[:, table.columns.get_loc("coin")]  # a fair coin that nothing predicts
    mean = DenoisingImputer(**FAST).set_output(transform="pandas").fit(hidden).transform(hidden)
    draws = [DenoisingImputer(**{**FAST, "random_state": seed}, sample_posterior=True).set_output(
        transform="pandas").fit(hidden).transform(hidden) for seed in (0, 1)]
    mean_heads = np.mean(mean["coin"][rows] == "heads")
    for draw in draws:
        assert set(draw["size"]) <= {"low", "mid", "high", "unused"}
        # the most probable category follows noise the model learnt (measured: 0.7-0.8 heads); draws spread
        assert abs(np.mean(draw["coin"][rows] == "heads") - 0.5) < abs(mean_heads - 0.5) - 0.1
    assert (draws[0]["coin"][rows] != draws[1]["coin"][rows]).mean() > 0.3  # two completions differ


def test_decoded_draws_follow_the_softmax_of_the_block():
    probabilities = np.array([0.2, 0.3, 0.5])
    output = np.tile(np.log(probabilities) + 3.0, (20_000, 1))  # a shift does not change the softmax
    drawn = decode_table(output, ["categorical"], [np.array(["a", "b", "c"], dtype=object)], np.zeros(1),
                         np.ones(1), rng=np.random.default_rng(0))[0]
    frequencies = np.array([np.mean(drawn == c) for c in "abc"])
    np.testing.assert_allclose(frequencies, probabilities, atol=3 * np.sqrt(0.25 / 20_000))  # 3 sigma
    mode = decode_table(output, ["categorical"], [np.array(["a", "b", "c"], dtype=object)], np.zeros(1),
                        np.ones(1))[0]
    assert set(mode) == {"c"}


def test_unknown_categories_changed_columns_and_empty_categories_are_clear_errors():
    hidden, _ = hide(mixed_table(200), 0.1)
    imputer = DenoisingImputer(max_iter=2, random_state=0, device="cpu").fit(hidden)
    unknown = hidden.copy()
    unknown.loc[3, "side"] = "up"
    with pytest.raises(ValueError, match=r"Column 'side' holds categories not seen in fit: \['up'\]"):
        imputer.transform(unknown)
    with pytest.raises(ValueError, match="it needs a DataFrame with the same columns"):
        imputer.transform(hidden.to_numpy())
    changed = hidden.assign(side=np.arange(len(hidden), dtype=float))
    with pytest.raises(ValueError, match=r"\['side'\] changed type since fit"):
        imputer.transform(changed)
    empty = hidden.assign(side=None)
    with pytest.raises(ValueError, match=r"\['side'\] have no observed value, hence no category"):
        DenoisingImputer(max_iter=2).fit(empty)


def test_a_fitted_mixed_imputer_saves_and_loads(tmp_path):
    hidden, _ = hide(mixed_table(300), 0.2)
    imputer = DenoisingImputer(max_iter=3, random_state=0, device="cpu").fit(hidden)
    skae.save(imputer, tmp_path / "imputer.skae")
    loaded = skae.load(tmp_path / "imputer.skae")
    assert loaded.column_kinds_ == imputer.column_kinds_
    np.testing.assert_array_equal(loaded.transform(hidden), imputer.transform(hidden))


def test_table_loss_is_each_columns_likelihood_in_the_columns_order():
    torch.manual_seed(0)
    widths, numeric, weights = [3, 1, 2, 1], [False, True, False, True], [0.5, 2.0, 1.0, 3.0]
    output, labels = torch.randn(5, 7), torch.randint(0, 3, (5,))
    values = torch.randn(5, 7)
    values[:, 0:3] = F.one_hot(labels, 3).float()
    values[:, 4:6] = F.one_hot(labels % 2, 2).float()
    loss = TableLoss(widths, numeric, weights)
    columns = loss.column_losses(output, values)
    expected = torch.stack([
        0.5 * F.cross_entropy(output[:, 0:3], labels, reduction="none"),
        2.0 * (output[:, 3] - values[:, 3]) ** 2,
        1.0 * F.cross_entropy(output[:, 4:6], labels % 2, reduction="none"),
        3.0 * (output[:, 6] - values[:, 6]) ** 2,
    ], dim=1)
    torch.testing.assert_close(columns, expected)
    observed = torch.tensor([[1.0, 0.0, 1.0, 1.0]]).repeat(5, 1)
    torch.testing.assert_close(loss(output, torch.cat([values, observed], dim=1)),
                               (expected * observed).sum() / 5)
    torch.testing.assert_close(loss((output,), values), expected.sum() / 5)


def test_encoding_and_weights_give_every_column_a_loss_near_1_at_its_marginal():
    table = mixed_table()
    kinds = ["numeric", "categorical", "numeric", "bool", "categorical", "categorical"]
    missing = missing_entries(table, kinds, np.nan)
    categories, dtypes = describe_columns(table, missing)
    assert dtypes[:4] == ["float64", "category", "float64", "bool"]
    mean, scale = np.zeros(6), np.ones(6)
    encoded = encode_table(table, kinds, categories, missing, mean, scale)
    widths = column_widths(kinds, categories)
    assert widths == [1, 4, 1, 2, 2, 2] and encoded.shape == (1500, 12)
    weights = column_weights(encoded, kinds, widths, ~missing)
    assert weights[2] == pytest.approx(1 / table["y"].var(ddof=0))
    frequencies = table["flag"].value_counts(normalize=True).to_numpy()
    assert weights[3] == pytest.approx(1 / -(frequencies * np.log(frequencies)).sum())
    # predicting each column's marginal (its mean, or its frequencies' logits) scores 1 per column
    starts = np.cumsum([0, *widths])
    marginal = np.hstack([np.full((1500, 1), encoded[:, a].mean()) if kind == "numeric"
                          else np.log(np.maximum(encoded[:, a:b].mean(axis=0), 1e-12)) * np.ones((1500, 1))
                          for kind, a, b in zip(kinds, starts[:-1], starts[1:])])
    losses = TableLoss(widths, [k == "numeric" for k in kinds], weights).column_losses(
        torch.tensor(marginal, dtype=torch.float32), torch.tensor(encoded, dtype=torch.float32)).mean(dim=0)
    torch.testing.assert_close(losses, torch.ones(6), atol=1e-3, rtol=0)


# --------------------------------------------------------------- autoencoders and the detector on tables
# (cls, largest RMSE of a numeric column in its standard deviations, least share of categories right):
# the worst over seeds 0-2 was 0.38 and 0.95 (DAE), 0.43 and 0.89 (CAE), 0.61 and 0.56 (SparseAE, whose
# sparse code keeps less at 30 epochs); a decoding that mixed up columns or blocks scores 1.0 and ~0.4.
@pytest.mark.parametrize("cls, rmse, right", [(DenoisingAutoencoder, 0.5, 0.9), (ContractiveAE, 0.55, 0.85),
                                              (SparseAE, 0.75, 0.5)])
def test_autoencoders_encode_a_table_and_decode_its_codes_to_valid_values(cls, rmse, right):
    table = mixed_table(1000)
    before = table.copy()
    model = cls(8, max_iter=30, random_state=0, device="cpu").fit(table)
    pd.testing.assert_frame_equal(table, before)
    assert model.loss_ == "table" and model.n_features_in_ == 6 and list(model.feature_names_in_) == list(table)
    codes = model.transform(table)
    assert codes.shape == (1000, 8) and codes.dtype == np.float32
    decoded = model.inverse_transform(codes)
    assert decoded.shape == (1000, 6) and decoded.dtype == object
    for j, name in enumerate(table.columns):
        if model.column_kinds_[j] == "numeric":
            error = np.sqrt(np.mean((decoded[:, j].astype(float) - table[name]) ** 2)) / table[name].std()
            assert error < rmse, (name, error)
        else:
            share = np.mean(decoded[:, j] == table[name].to_numpy(dtype=object))
            assert share > right and set(decoded[:, j]) <= set(model.categories_[j]), (name, share)


def test_a_table_in_a_pipeline_with_a_classifier():
    table = mixed_table(1000)
    y = table.pop("side")
    pipe = make_pipeline(DenoisingAutoencoder(8, max_iter=30, random_state=0, device="cpu"),
                         LogisticRegression(max_iter=1000))
    assert pipe.fit(table[:700], y[:700]).score(table[700:], y[700:]) > 0.85  # side = sign(z0 + z1)


def test_tables_that_a_model_cannot_take_are_clear_errors():
    table = mixed_table(200)
    for cls in (StackedDAE, VAE):
        with pytest.raises(ValueError, match=f"{cls.__name__} takes numbers only"):
            cls(max_iter=1).fit(table)
    holed = table.copy()
    holed.loc[4, "side"] = None
    with pytest.raises(ValueError, match=r"missing entries in the columns \['side'\]; fill them first"):
        DenoisingAutoencoder(max_iter=1).fit(holed)
    with pytest.raises(ValueError, match="loss='cross_entropy' applies to arrays"):
        DenoisingAutoencoder(max_iter=1, loss="cross_entropy").fit(table)
    model = DenoisingAutoencoder(4, max_iter=1, device="cpu").fit(table)
    with pytest.raises(ValueError, match="it needs a DataFrame with the same columns"):
        model.transform(np.zeros((3, 6)))
    with pytest.raises(ValueError, match="sample draws numeric rows"):
        model.sample(2)
    refit = model.fit(table.select_dtypes("number").to_numpy())  # a refit on numbers forgets the table
    assert refit.column_kinds_ is None and refit.transform(np.zeros((3, 2))).shape == (3, 4)


def test_a_fitted_table_autoencoder_saves_and_loads(tmp_path):
    table = mixed_table(300)
    model = DenoisingAutoencoder(4, max_iter=3, random_state=0, device="cpu").fit(table)
    skae.save(model, tmp_path / "dae.skae")
    loaded = skae.load(tmp_path / "dae.skae")
    np.testing.assert_array_equal(loaded.transform(table), model.transform(table))
    np.testing.assert_array_equal(loaded.score_samples(table), model.score_samples(table))


def test_the_detector_explains_a_table_row_by_its_columns():
    table = mixed_table(1500)
    detector = AutoencoderOutlierDetector(random_state=0).fit(table)
    odd = table[:40].copy()
    odd.loc[:19, "size"] = np.where(table["x"][:20] > 0, "low", "high")  # the size contradicts x
    scores = detector.feature_scores(odd)
    assert scores.shape == (40, 6) and (scores > -1e-6).all()
    np.testing.assert_allclose(scores.sum(axis=1), -detector.score_samples(odd), rtol=1e-5, atol=1e-5)
    blamed = scores[:20].argmax(axis=1)
    assert np.mean(np.isin(blamed, [0, 1])) >= 0.9  # x or size: the two columns that disagree
    assert np.median(detector.score_samples(odd[:20])) < np.percentile(detector.score_samples(odd[20:]), 10)
    assert np.mean(detector.predict(odd[:20]) == -1) > np.mean(detector.predict(table[20:]) == -1) + 0.5
