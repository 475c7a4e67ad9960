"""The skorch engine: tensor batching, validation split, divergence."""

import numpy as np
import pytest
import torch

from skae.engine.net import (
    BatchIterator,
    DivergenceError,
    SkaeNet,
    TensorData,
    TensorSplit,
)
from skae.modules import Autoencoder


def test_batches_cover_every_row_once_per_epoch_in_a_seeded_order():
    X = torch.arange(23, dtype=torch.float32)[:, None]
    data = TensorData(X)
    it = BatchIterator(data, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert len(it) == 5
    epoch1 = torch.cat([xb for xb, yb in it])
    epoch2 = torch.cat([xb for xb, yb in it])
    assert sorted(epoch1[:, 0].tolist()) == list(range(23))
    assert not torch.equal(epoch1, epoch2)  # reshuffled each pass
    it_again = BatchIterator(
        data, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    assert torch.equal(torch.cat([xb for xb, _ in it_again]), epoch1)
    sizes = [len(xb) for xb, _ in it]
    assert sizes == [5, 5, 5, 5, 3]


def test_unshuffled_batches_are_views_and_targets_default_to_inputs():
    X = torch.randn(10, 3)
    batches = list(BatchIterator(TensorData(X), batch_size=4))
    assert torch.equal(torch.cat([xb for xb, _ in batches]), X)
    assert all(yb is xb for xb, yb in batches)
    assert batches[0][0].data_ptr() == X.data_ptr()  # a slice, no copy
    y = torch.arange(10)
    batches = list(BatchIterator(TensorData(X, y), batch_size=4))
    assert torch.equal(torch.cat([yb for _, yb in batches]), y)


def test_tensor_split_is_disjoint_and_seeded():
    X = torch.arange(50, dtype=torch.float32)[:, None]
    train, valid = TensorSplit(0.2, seed=1)(TensorData(X))
    assert len(train) == 40 and len(valid) == 10
    rows = torch.cat([train.X, valid.X])[:, 0]
    assert sorted(rows.tolist()) == list(range(50))
    train2, valid2 = TensorSplit(0.2, seed=1)(TensorData(X))
    assert torch.equal(valid.X, valid2.X)
    with pytest.raises(ValueError, match="validation_fraction"):
        TensorSplit(0.5, seed=0)(TensorData(X[:1]))


def _net(activation="sigmoid", **kwargs):
    module = Autoencoder(n_features=4, n_components=2, activation=activation)
    defaults = dict(max_epochs=2, batch_size=8, verbose=0, criterion__kind="squared_error")
    defaults.update(kwargs)
    return SkaeNet(module, **defaults).initialize()


def test_training_sees_corrupted_inputs_and_clean_targets():
    seen = []

    class Recorder:
        is_identity = False

        def __call__(self, X, generator):
            seen.append(X.clone())
            return torch.zeros_like(X)

    net = _net(corruption=Recorder())
    X = torch.rand(16, 4)
    captured = {}
    original_get_loss = net.get_loss

    def get_loss(y_pred, y_true, X=None, training=False):
        if training:
            captured["input"], captured["target"] = X, y_true
        return original_get_loss(y_pred, y_true, X=X, training=training)

    net.get_loss = get_loss
    net.partial_fit(TensorData(X), epochs=1)
    assert len(seen) == 2  # one call per batch
    assert torch.count_nonzero(captured["input"]) == 0  # the corrupted batch went in
    assert captured["target"].abs().sum() > 0  # the clean batch is the target


def test_divergence_stops_with_a_clear_error():
    net = _net(activation="identity", lr=1e12, max_epochs=50)
    X = torch.randn(64, 4) * 1e3
    with pytest.raises(DivergenceError, match=r"epoch \d+ \(batch \d+\)"):
        net.partial_fit(TensorData(X), epochs=50)


def test_net_pickles_with_its_generators():
    import pickle

    net = _net()
    net.partial_fit(TensorData(torch.rand(16, 4)), epochs=1)
    clone = pickle.loads(pickle.dumps(net))
    a = torch.rand(3, generator=net.noise_generator_)
    b = torch.rand(3, generator=clone.noise_generator_)
    assert torch.equal(a, b)
    assert isinstance(clone.shuffle_generator_, torch.Generator)


def test_numpy_input_is_accepted_by_the_net():
    net = _net()
    net.partial_fit(np.random.RandomState(0).rand(16, 4).astype(np.float32), epochs=1)
    assert len(net.history) == 1


def test_state_saved_on_cuda_loads_on_a_cpu_only_machine():
    """Simulates a CUDA-trained net's pickle state on this CPU-only machine."""
    if torch.cuda.is_available():
        pytest.skip("checks the no-CUDA fallback")
    net = _net()
    X = torch.rand(16, 4)
    net.partial_fit(TensorData(X), epochs=1)
    state = net.__getstate__()
    state["device"] = "cuda"
    # a CUDA (Philox) generator state cannot seed a CPU generator directly
    state["noise_generator_"] = ("cuda", torch.arange(16, dtype=torch.uint8))
    state_copy = dict(state)  # skorch's __setstate__ consumes its argument
    loaded = SkaeNet.__new__(SkaeNet)
    with pytest.warns(UserWarning, match="(?i)cuda"):
        loaded.__setstate__(state)
    assert torch.device(loaded.device).type == "cpu"
    assert loaded.noise_generator_.device.type == "cpu"
    again = SkaeNet.__new__(SkaeNet)
    with pytest.warns(UserWarning, match="(?i)cuda"):
        again.__setstate__(state_copy)
    # the fallback is deterministic
    assert torch.equal(
        torch.rand(4, generator=loaded.noise_generator_), torch.rand(4, generator=again.noise_generator_)
    )
    loaded.partial_fit(TensorData(X), epochs=1)  # and it trains on
    assert len(loaded.history) == 2


def test_the_fast_epoch_records_what_skorchs_loop_records_with_no_per_batch_sync(monkeypatch):
    """Without batch listeners the epoch keeps losses on the device (no .item() per batch);
    with one, skorch's own loop runs. Both leave the same history and the same weights."""
    from skorch.callbacks import Callback

    class Listener(Callback):
        def initialize(self):
            self.batches = 0
            return self

        def on_batch_end(self, net, **kwargs):
            self.batches += 1

    X = torch.rand(30, 4, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    fused = dict(optimizer__fused=True)  # (unfused Adam reads its step counts with .item())
    fast = _net(max_epochs=3, train_split=TensorSplit(0.2, seed=0), seed=1, **fused)
    torch.manual_seed(0)
    listener = Listener()
    slow = _net(max_epochs=3, train_split=TensorSplit(0.2, seed=0), seed=1, callbacks=[("listen", listener)], **fused)
    assert not fast._listens("on_batch_begin", "on_batch_end") and slow._listens("on_batch_begin", "on_batch_end")
    items = []
    original = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda t: items.append(1) or original(t))
    fast.fit(TensorData(X))
    assert items == []  # no host sync per batch
    slow.fit(TensorData(X))
    assert len(items) == listener.batches == 3 * (3 + 1)  # skorch's loop: 3 train + 1 valid batch an epoch
    for key in ("train_loss", "valid_loss", "train_batch_count", "valid_batch_count"):
        assert fast.history[:, key] == slow.history[:, key]
    for prefix in ("train", "valid"):
        assert fast.history[:, "batches", :, f"{prefix}_loss"] == slow.history[:, "batches", :, f"{prefix}_loss"]
        sizes = fast.history[:, "batches", :, f"{prefix}_batch_size"]
        assert sizes == slow.history[:, "batches", :, f"{prefix}_batch_size"]
    for a, b in zip(fast.module_.parameters(), slow.module_.parameters()):
        assert torch.equal(a, b)


def test_steps_skip_on_grad_computed_only_when_no_callback_implements_it():
    """The quiet step (no on_grad_computed notification) trains exactly as skorch's step does; a
    callback that implements on_grad_computed still runs after every backward pass, before the step."""
    from skorch.callbacks import Callback

    class ZeroGrads(Callback):
        def initialize(self):
            self.calls = 0
            return self

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls += 1
            for _, p in named_parameters:
                p.grad.zero_()

    class Count(ZeroGrads):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls += 1

    X = torch.rand(40, 4, generator=torch.Generator().manual_seed(0))
    fused = dict(optimizer__fused=True)
    nets = {}
    for name, callbacks in (("quiet", []), ("count", [("cb", Count())]), ("zero", [("cb", ZeroGrads())])):
        torch.manual_seed(0)
        nets[name] = _net(max_epochs=2, seed=1, callbacks=callbacks, **fused)
    initial = [p.detach().clone() for p in nets["zero"].module_.parameters()]
    assert not nets["quiet"]._listens("on_grad_computed") and nets["count"]._listens("on_grad_computed")
    for net in nets.values():
        net.fit(TensorData(X))
    assert dict(nets["count"].callbacks_)["cb"].calls == dict(nets["zero"].callbacks_)["cb"].calls == 2 * 5
    assert nets["quiet"].history[:, "train_loss"] == nets["count"].history[:, "train_loss"]
    for a, b, c in zip(nets["quiet"].module_.parameters(), nets["count"].module_.parameters(), initial):
        assert torch.equal(a, b) and not torch.equal(a, c)
    for a, c in zip(nets["zero"].module_.parameters(), initial):  # Adam with zero gradients does not move
        assert torch.equal(a, c)
