"""Building blocks of paddlevideo/modeling/backbones/units.py: each layer computes what upstream's
formulation (the oracle, benchmarks/upstream_ops.py) computes, and the exporter's forms
(paddlevideo/inference/export_forms.py) compute it too."""
import numpy as np
import paddle
import pytest

from benchmarks.upstream_ops import upstream_ops
from paddlevideo.graphs import get_graph
from paddlevideo.inference.export_forms import export_forms, rewritten_layers
from paddlevideo.modeling.backbones.units import (CTRGC, Conv2D, MultiScaleTCN, SpatialCTRGC, TemporalConv, aggregate,
                                                  pair_difference_map, time_mean)


def randn(*shape, seed=0):
    return paddle.to_tensor(np.random.RandomState(seed).randn(*shape).astype("float32"))


@pytest.mark.parametrize("kwargs", [{"kernel_size": 1}, {"kernel_size": (5, 1), "padding": (4, 0), "stride": (2, 1),
                                                         "dilation": (2, 1)}])
def test_conv2d_is_nn_conv2d_bit_for_bit_with_the_same_keys(kwargs):
    paddle.seed(0)
    ours = Conv2D(6, 4, **kwargs)
    plain = paddle.nn.Conv2D(6, 4, **kwargs)
    plain.set_state_dict(ours.state_dict())
    ours.bias.set_value(randn(4, seed=1))
    plain.bias.set_value(ours.bias)
    assert list(ours.state_dict()) == list(plain.state_dict()) == ["weight", "bias"]
    x = randn(2, 6, 9, 5)
    np.testing.assert_array_equal(ours(x).numpy(), plain(x).numpy())


def test_aggregate_is_the_per_channel_graph_product():
    topology, features = randn(2, 3, 5, 5, seed=1), randn(2, 3, 7, 5, seed=2)
    want = np.einsum("ncuv,nctv->nctu", topology.numpy(), features.numpy())
    np.testing.assert_allclose(aggregate(topology, features).numpy(), want, rtol=1e-5, atol=1e-6)


def test_time_mean():
    x = randn(2, 3, 7, 5)
    got = time_mean(x)
    assert list(got.shape) == [2, 3, 1, 5]
    np.testing.assert_allclose(got.numpy(), x.numpy().mean(axis=2, keepdims=True), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("V", [1, 3, 25])
def test_pair_difference_map_gives_the_differences_bit_for_bit(V):
    a, b = randn(4, V, seed=3), randn(4, V, seed=4)
    got = paddle.matmul(paddle.concat([a, b], axis=-1), paddle.to_tensor(pair_difference_map(V)))
    want = (a.unsqueeze(-1) - b.unsqueeze(-2)).reshape([4, V * V])
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def spatial_module(adaptive=True):
    paddle.seed(0)
    module = SpatialCTRGC(16, 24, get_graph("ntu_rgb_d").A, adaptive=adaptive)
    rng = np.random.RandomState(5)
    for param in module.parameters():  # biases, alpha and BN affine away from their constant init
        value = param.numpy()
        if np.ptp(value) == 0:
            param.set_value(value + rng.normal(0.0, 0.3, value.shape).astype("float32"))
    module.eval()
    return module


@pytest.mark.parametrize("adaptive", [True, False])
def test_spatial_module_fast_and_reference_forms_agree(adaptive):
    module = spatial_module(adaptive)
    x = randn(2, 16, 11, 25, seed=6)
    with paddle.no_grad():
        fast = module(x).numpy()
        with upstream_ops(module):
            reference = module(x).numpy()
        again = module(x).numpy()
    assert np.abs(fast).max() > 0.1
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)
    assert not np.array_equal(fast, reference)  # two formulations (rounding differs), not one run twice
    np.testing.assert_array_equal(again, fast)  # restored on leaving the with


@pytest.mark.parametrize("adaptive", [True, False])
def test_refined_topologies_are_upstreams_formula(adaptive):
    """SpatialCTRGC.refined_topologies (what tools/visualize.py plots) equals
    alpha * conv4(tanh(mean_t conv1(x)[u] - mean_t conv2(x)[v])) + A per subset, and the module's
    output is built from exactly those topologies."""
    module = spatial_module(adaptive)
    x = randn(2, 16, 11, 25, seed=8)
    with paddle.no_grad():
        got = module.refined_topologies(x)  # (N, S, C_out, V, V)
        assert list(got.shape) == [2, 3, 24, 25, 25]
        A = module.PA if adaptive else module.A
        total = None
        for i, ctrgc in enumerate(module.convs):
            receiver, sender = ctrgc.conv1(x).mean(axis=2), ctrgc.conv2(x).mean(axis=2)  # (N, R, V)
            want = ctrgc.conv4(paddle.tanh(receiver.unsqueeze(-1) - sender.unsqueeze(-2))) * module.alpha + A[i]
            np.testing.assert_allclose(got[:, i].numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
            part = paddle.einsum("ncuv,nctv->nctu", got[:, i], ctrgc.conv3(x))
            total = part if total is None else total + part
        rebuilt = paddle.nn.functional.relu(module.bn(total) + module.down(x))
        np.testing.assert_allclose(rebuilt.numpy(), module(x).numpy(), rtol=1e-5, atol=1e-5)


def test_pair_map_stays_out_of_the_state_dict():
    module = spatial_module()
    assert not any("pair_map" in key for key in module.state_dict())
    assert sorted({k.split(".")[-1] for k in module.state_dict() if k.startswith("convs.0.")}) == ["bias", "weight"]


def program_ops(module, spec, fuse_subsets=False):
    """The static module and the operator names of its program, traced inside export_forms
    (as the exporter does: the rewritten layer inside a model)."""
    with export_forms(module, fuse_subsets):
        assert rewritten_layers(module)
        static = paddle.jit.to_static(paddle.nn.Sequential(module), input_spec=spec, full_graph=True)
        program = static.forward.concrete_program.main_program  # traced here, inside the with
    assert rewritten_layers(module) == []
    return static, [op.name() for op in program.global_block().ops]


def test_export_forms_match_the_dynamic_graph():
    """Exported programs use nn.Conv2D's bias (inside the convolution) and one mean operator:
    the same values as the training forms."""
    module = spatial_module()
    x = randn(2, 16, 11, 25, seed=7)
    with paddle.no_grad():
        want = module(x).numpy()  # dynamic graph, before to_static converts the module in place
    static, ops = program_ops(module, [paddle.static.InputSpec([None, 16, None, 25], "float32")])
    assert ops.count("pd_op.mean") == 1 and "pd_op.sum" not in ops
    assert ops.count("pd_op.conv2d") == 4 * 3 + 1  # conv1-4 per subset, the residual's down conv
    assert ops.count("pd_op.add") == ops.count("pd_op.conv2d") + 3 + 1 + 2  # biases; + A; bn + down; subset sums
    with paddle.no_grad():
        np.testing.assert_allclose(static(x).numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("adaptive, in_channels", [(True, 16), (False, 16), (True, 3)])
def test_fused_subsets_static_form_matches_the_dynamic_graph(adaptive, in_channels):
    """export_forms(fuse_subsets=True): the static program computing every subset at once gives
    the dynamic graph's output (any batch and frame count); outside the ``with`` nothing is fused."""
    paddle.seed(0)
    module = SpatialCTRGC(in_channels, 24, get_graph("ntu_rgb_d").A, adaptive=adaptive)
    rng = np.random.RandomState(5)
    for param in module.parameters():
        value = param.numpy()
        if np.ptp(value) == 0:
            param.set_value(value + rng.normal(0.0, 0.3, value.shape).astype("float32"))
    module.eval()
    inputs = [randn(n, in_channels, T, 25, seed=T) for n, T in ((1, 7), (3, 12))]
    with paddle.no_grad():
        wants = [module(x).numpy() for x in inputs]  # dynamic graph (to_static below converts module in place)
    spec = [paddle.static.InputSpec([None, in_channels, None, 25], "float32")]
    static, ops = program_ops(module, spec, fuse_subsets=True)
    assert ops.count("pd_op.tanh") == 1  # one relation for all three subsets (the per-subset form has three)
    for x, want in zip(inputs, wants):
        with paddle.no_grad():
            np.testing.assert_allclose(static(x).numpy(), want, rtol=1e-5, atol=1e-5)
    assert min(np.abs(want).max() for want in wants) > 0.1


def test_ctrgc_reference_form_needs_no_mean_or_map():
    paddle.seed(0)
    ctrgc = CTRGC(8, 8, 8)
    with upstream_ops(ctrgc):
        out = ctrgc(randn(1, 8, 4, 5), None, paddle.eye(5), paddle.to_tensor([0.5]), None)
    assert list(out.shape) == [1, 8, 4, 5]


@pytest.mark.parametrize("groups", [2, 6])
def test_grouped_temporal_conv_is_a_block_diagonal_dense_conv(groups):
    """A grouped (k x 1) convolution equals the dense one whose weight is zero between groups."""
    paddle.seed(0)
    grouped = TemporalConv(6, 6, kernel_size=5, stride=2, dilation=2, groups=groups)
    dense = TemporalConv(6, 6, kernel_size=5, stride=2, dilation=2)
    size = 6 // groups
    weight = np.zeros((6, 6, 5, 1), dtype="float32")
    for g in range(groups):
        rows = slice(g * size, (g + 1) * size)
        weight[rows, rows] = grouped.conv.weight.numpy()[rows]
    dense.set_state_dict({**grouped.state_dict(), "conv.weight": paddle.to_tensor(weight)})
    grouped.eval(), dense.eval()
    x = randn(2, 6, 11, 4)
    np.testing.assert_allclose(grouped(x).numpy(), dense(x).numpy(), rtol=1e-5, atol=1e-6)


def test_depthwise_multiscale_tcn_groups_its_dilated_branches_only():
    tcn = MultiScaleTCN(16, 16, temporal_groups=0)  # 4 branches of 4 channels
    shapes = {k: list(v.shape) for k, v in tcn.state_dict().items()
              if k.endswith("conv.weight") or k.endswith("0.weight")}
    assert shapes["branches.0.3.conv.weight"] == shapes["branches.1.3.conv.weight"] == [4, 1, 5, 1]
    assert shapes["branches.0.0.weight"] == shapes["branches.3.0.weight"] == [4, 16, 1, 1]
    with pytest.raises(ValueError, match="temporal_groups = 3 does not divide the 4 channels"):
        MultiScaleTCN(16, 16, temporal_groups=3)

