"""Exported backbones compute the dynamic graph's logits in every Paddle Inference CPU mode.

Paddle Inference (Paddle 3.3.1) runs oneDNN kernels by default, and its oneDNN 4-D matmul
miscomputes CTR-GC's aggregation when the features come straight from a convolution (max
logit error about 3 on CTRGCN); paddlevideo/modeling/backbones/units.py computes it in a form
oneDNN gets right. Each registered backbone is exported and run with oneDNN on and off, 1 and
2 threads, batch 1 and 16, against the dynamic graph (max |logit difference| <= 1e-4), at T=16
(fast) and, once per backbone, at the NTU shape T=64.
With the upstream formulation (benchmarks/upstream_ops.py) the oneDNN path of every backbone here
misses by 0.9-2.7 at T=16, so these tests catch the fault coming back.
"""
import numpy as np
import paddle
import pytest

from conftest import shared_path
from paddlevideo.inference import PredictorOptions, create_predictor, export_paddle
from paddlevideo.modeling import build_model
from paddlevideo.modeling.registry import BACKBONES
from tests.helpers.trained_like import make_trained_like

ATOL = 1e-4
MODES = [(onednn, threads) for onednn in (True, False) for threads in (1, 2)]


def recognizer(backbone: str, num_classes: int = 60, **backbone_args):
    """The backbone at its default width with a CTRGCNHead (in_channels = its base_channel)."""
    base = BACKBONES.get(backbone)().out_channels // 4
    return build_model({"framework": "RecognizerGCN", "backbone": {"name": backbone, **backbone_args},
                        "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": base}})


def check_modes(model, T: int, out_dir: str, name: str, modes=MODES) -> None:
    """Export ``model`` for T frames and compare each (oneDNN, threads) predictor at batch 1 and
    16 with the dynamic graph."""
    exported = export_paddle(model, (3, T, 25, 2), out_dir, name)
    rng = np.random.RandomState(1)
    inputs = {batch: rng.randn(batch, 3, T, 25, 2).astype("float32") for batch in (1, 16)}
    with paddle.no_grad():
        want = {batch: model([paddle.to_tensor(x)], mode="infer").numpy() for batch, x in inputs.items()}
    assert 1.0 < np.abs(want[16]).max() < 100.0  # a trained model's scale, so ATOL is meaningful
    for onednn, threads in modes:
        predictor = create_predictor(exported.model_file, exported.params_file,
                                     PredictorOptions(enable_mkldnn=onednn, cpu_threads=threads))
        for batch, x in inputs.items():
            diff = float(np.abs(predictor.run(x) - want[batch]).max())
            assert diff <= ATOL, f"{name}: oneDNN {'on' if onednn else 'off'}, {threads} threads, batch {batch}: " \
                                 f"max |logit difference| {diff:.3g} > {ATOL}"


@pytest.mark.slow
@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_exported_backbone_matches_the_dynamic_graph_in_every_mode(backbone, tmp_path):
    paddle.seed(0)
    model = make_trained_like(recognizer(backbone), (3, 16, 25, 2))
    check_modes(model, 16, str(tmp_path), backbone)


@pytest.mark.slow
def test_depthwise_temporal_convs_export_correctly_in_every_mode(tmp_path):
    """CTRGCN_tiny with ``temporal_groups: 0`` (grouped convolutions with 2 groups:
    tests/tools/test_export_predict.py)."""
    paddle.seed(0)
    model = make_trained_like(recognizer("CTRGCN_tiny", temporal_groups=0), (3, 16, 25, 2))
    check_modes(model, 16, str(tmp_path), "CTRGCN_tiny_depthwise")


@pytest.mark.slow
def test_ctrgcn_with_paddlevideo_weights_at_the_ntu_shape(tmp_path):
    """The case where oneDNN went wrong first: PaddleVideo's CTRGCN weights and the NTU input shape
    (N, 3, 64, 25, 2); the exported model must give upstream PaddleVideo's own logits, with oneDNN
    at 2 threads (the default) and without at 1 thread (the fallback), at batch 1 and 2."""
    weights = shared_path("fixtures", "ctrgcn_paddlevideo_parity.pdparams")
    io = np.load(shared_path("fixtures", "ctrgcn_paddlevideo_parity_io.npz"))
    model = recognizer("CTRGCN")
    missing, unexpected = model.set_state_dict(paddle.load(weights))
    assert not missing and not unexpected
    model.eval()
    exported = export_paddle(model, (3, 64, 25, 2), str(tmp_path), "CTRGCN")
    for onednn, threads in ((True, 2), (False, 1)):
        predictor = create_predictor(exported.model_file, exported.params_file,
                                     PredictorOptions(enable_mkldnn=onednn, cpu_threads=threads))
        for batch in (1, 2):
            diff = float(np.abs(predictor.run(io["x"][:batch]) - io["logits"][:batch]).max())
            assert diff <= ATOL, f"oneDNN {'on' if onednn else 'off'}, batch {batch}: {diff:.3g} > {ATOL}"


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["CTRGCN_light", "CTRGCN_tiny"])
def test_backbone_at_the_ntu_shape_with_onednn_on_and_off(backbone, tmp_path):
    """The NTU input shape (N, 3, 64, 25, 2) for the backbones the PaddleVideo-weights test above
    does not cover: oneDNN on at 2 threads (the default) and off at 1 thread (the fallback) give
    the dynamic graph's logits, and each other's, at batch 1 and 4."""
    paddle.seed(0)
    model = make_trained_like(recognizer(backbone), (3, 64, 25, 2))
    exported = export_paddle(model, (3, 64, 25, 2), str(tmp_path), backbone)
    x = np.random.RandomState(1).randn(4, 3, 64, 25, 2).astype("float32")
    with paddle.no_grad():
        want = model([paddle.to_tensor(x)], mode="infer").numpy()
    assert 1.0 < np.abs(want).max() < 100.0
    got = {}
    for onednn, threads in ((True, 2), (False, 1)):
        predictor = create_predictor(exported.model_file, exported.params_file,
                                     PredictorOptions(enable_mkldnn=onednn, cpu_threads=threads))
        for batch in (1, 4):
            got[onednn, batch] = predictor.run(x[:batch])
            diff = float(np.abs(got[onednn, batch] - want[:batch]).max())
            assert diff <= ATOL, f"{backbone}: oneDNN {'on' if onednn else 'off'}, batch {batch}: {diff:.3g} > {ATOL}"
    for batch in (1, 4):
        assert float(np.abs(got[True, batch] - got[False, batch]).max()) <= ATOL
