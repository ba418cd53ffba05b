"""Export a trained recognizer as a Paddle inference model (and optionally ONNX).

Files written to the output folder, for a save name ``S`` (default: the config's model_name):

- ``S.json`` + ``S.pdiparams``: the static program (Paddle 3.x PIR) and its weights, with
  one input ``data_batch_0`` of shape (N, C, T, V, M) = (dynamic, INFERENCE.num_channels,
  INFERENCE.window_size, INFERENCE.vertex_nums, INFERENCE.person_nums), float32, and one
  output, the logits (N, num_classes).
- ``S.check.npz``: the dynamic graph's logits for a fixed random input (see
  ``paddlevideo/inference/verify.py``); predictors compare against it before serving.
- ``S.onnx`` (``export_onnx``): the model traced once more with CTR-GC's adjacency subsets
  computed side by side (``export_forms(fuse_subsets=True)``; same weights, same outputs), converted by
  paddle2onnx, then cleaned by ONNX Runtime's basic (hardware-independent) graph
  optimisations: constants folded, BatchNorm folded into the preceding convolutions,
  identities and unused initialisers dropped. It holds standard ONNX operators only, so
  other runtimes can load it too.
- ``S.int8.onnx`` (with ``quantize_onnx``): ``S.onnx`` with ONNX Runtime's dynamic int8
  quantization (see ``quantize_onnx``).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

import paddle
from paddle.static import InputSpec

from ..modeling.builder import build_model
from ..utils import checkpoint
from ..utils.fileio import atomic_write
from ..utils.values import is_int
from ..utils.quiet import PIR_OUT_TENSOR_MESSAGE, native_stderr_without
from .export_forms import export_forms
from .predictor import INT8_SUFFIX, PRECISION_KEY, model_stem
from .verify import make_reference, reference_path, save_reference

INPUT_NAME = "data_batch_0"
ONNX_OPSET = 11
_SPEC_KEYS = ("num_channels", "window_size", "vertex_nums", "person_nums")


@dataclass
class ExportedModel:
    """Paths of an exported model (``onnx_file`` is None when not exported)."""

    model_file: str
    params_file: str
    reference_file: str
    onnx_file: Optional[str] = None
    int8_file: Optional[str] = None

    @property
    def files(self) -> List[str]:
        return [p for p in (self.model_file, self.params_file, self.reference_file, self.onnx_file, self.int8_file)
                if p]


def input_shape(cfg: Mapping[str, Any]) -> Tuple[int, int, int, int]:
    """(C, T, V, M) of one model input, from the config's INFERENCE section."""
    inference = cfg.get("INFERENCE")
    if not isinstance(inference, Mapping):
        raise ValueError("the config has no INFERENCE section; it needs num_channels, window_size, "
                         "vertex_nums and person_nums to fix the exported input shape")
    missing = [k for k in _SPEC_KEYS if k not in inference]
    if missing:
        raise ValueError(f"INFERENCE is missing {', '.join(missing)} (needed for the exported input shape)")
    for key in _SPEC_KEYS:
        value = inference[key]
        if not is_int(value, low=1):
            raise ValueError(f"INFERENCE.{key} must be a positive integer, got {value!r}")
    return tuple(int(inference[k]) for k in _SPEC_KEYS)  # type: ignore[return-value]


def load_eval_model(cfg: Mapping[str, Any], weights: Optional[str]) -> paddle.nn.Layer:
    """The config's model in eval mode, with ``weights`` loaded strictly (None: as initialised)."""
    model = build_model(cfg["MODEL"])
    if weights is not None:
        checkpoint.load_weights(model, weights, strict=True)
    model.eval()
    return model


class InferenceNet(paddle.nn.Layer):
    """The recognizer's inference path as a one-tensor layer: (N, C, T, V, M) -> logits (N, K).

    Converting this wrapper (not the recognizer itself) leaves the recognizer's own forward
    a dynamic-graph function, so references and checks still run the dynamic graph.
    """

    def __init__(self, model: paddle.nn.Layer):
        super().__init__()
        self.model = model

    def forward(self, data_batch_0: paddle.Tensor) -> paddle.Tensor:
        return self.model([data_batch_0], mode="infer")


def _save_static(model: paddle.nn.Layer, shape: Tuple[int, int, int, int], out_dir: str, save_name: str,
                 with_reference: bool = True, fuse_subsets: bool = False) -> Tuple[str, str]:
    """``paddle.jit.save`` ``model`` (input (N, *shape)), traced in its export forms
    (``paddlevideo/inference/export_forms.py``), to ``out_dir/save_name.json/.pdiparams`` (and
    the reference check file: the dynamic graph's logits); returns the two model paths.

    The files are written to a temporary folder first and moved in place, so an interrupted
    export never leaves a half-written model behind.
    """
    os.makedirs(out_dir, exist_ok=True)
    spec = InputSpec([None, *shape], "float32", name=INPUT_NAME)
    static = paddle.jit.to_static(InferenceNet(model), input_spec=[spec], full_graph=True)
    tmp = tempfile.mkdtemp(prefix=".export_", dir=out_dir)
    try:
        reference = make_reference(model, shape) if with_reference else None
        with export_forms(model, fuse_subsets), native_stderr_without(PIR_OUT_TENSOR_MESSAGE):
            paddle.jit.save(static, os.path.join(tmp, save_name))  # (the stderr noise: paddlevideo/utils/quiet.py)
        if reference is not None:
            save_reference(reference, reference_path(os.path.join(tmp, save_name + ".json")))
        for name in os.listdir(tmp):
            os.replace(os.path.join(tmp, name), os.path.join(out_dir, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    stem = os.path.join(out_dir, save_name)
    if not os.path.isfile(stem + ".json"):
        raise RuntimeError(f"paddle.jit.save did not write {stem}.json; this exporter expects Paddle 3.x "
                           "(PIR, .json programs)")
    return stem + ".json", stem + ".pdiparams"


def export_paddle(model: paddle.nn.Layer, shape: Tuple[int, int, int, int], out_dir: str,
                  save_name: str, fuse_subsets: bool = False) -> ExportedModel:
    """``paddle.jit.save`` ``model`` (eval mode, input (N, *shape)) to ``out_dir/save_name.*``,
    with the reference check file (``fuse_subsets``: the ONNX route's program, see ``export_onnx``)."""
    model_file, params_file = _save_static(model, shape, out_dir, save_name, fuse_subsets=fuse_subsets)
    return ExportedModel(model_file, params_file, reference_path(model_file))


def _onnx_tools():
    try:
        import onnx
        import onnxruntime
        import paddle2onnx
    except ImportError as err:
        raise RuntimeError(f"ONNX export needs paddle2onnx, onnx and onnxruntime ({err}); "
                           "pip install paddle2onnx==2.1.0 onnx onnxruntime") from err
    return onnx, onnxruntime, paddle2onnx


def export_onnx(model: paddle.nn.Layer, shape: Tuple[int, int, int, int], onnx_file: str,
                opset: int = ONNX_OPSET) -> str:
    """Export ``model`` (eval mode, input (N, *shape)) to ONNX; returns ``onnx_file``.

    The model is traced for ONNX with each spatial module's subsets computed at once
    (``export_forms(fuse_subsets=True)``: less than half the operators, same outputs; slower
    under Paddle Inference's oneDNN, so the .json program keeps the per-subset form), saved to
    a temporary folder and converted by ``convert_to_onnx``.
    """
    out_dir = os.path.dirname(os.path.abspath(onnx_file))
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".onnx_", dir=out_dir)
    try:
        model_file, params_file = _save_static(model, shape, tmp, "model", with_reference=False, fuse_subsets=True)
        return convert_to_onnx(model_file, params_file, onnx_file, opset)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def convert_to_onnx(model_file: str, params_file: str, onnx_file: Optional[str] = None,
                    opset: int = ONNX_OPSET) -> str:
    """Convert an exported Paddle model to ONNX with paddle2onnx; returns the .onnx path.

    paddle2onnx logs conversion errors instead of raising them, so the result is checked:
    the file must exist afterwards and load in onnx. The converted graph is then cleaned
    offline by ``optimize_onnx``.
    """
    onnx, _, paddle2onnx = _onnx_tools()
    onnx_file = onnx_file or os.path.splitext(model_file)[0] + ".onnx"
    os.makedirs(os.path.dirname(os.path.abspath(onnx_file)), exist_ok=True)
    raw = onnx_file + ".raw.tmp"
    if os.path.exists(raw):
        os.remove(raw)
    # No paddle2onnx post-optimisation: its default (polygraphy) installs missing dependencies
    # with pip at run time, and its onnxoptimizer option fails on a misspelled pass name in 2.1.0.
    try:
        paddle2onnx.export(model_file, params_file, save_file=raw, opset_version=opset,
                           enable_onnx_checker=True, optimize_tool="None")
    except Exception as err:  # paddle2onnx fails in several ways (UnboundLocalError included)
        raise RuntimeError(f"paddle2onnx could not convert {model_file}: {type(err).__name__}: {err}") from err
    if not os.path.isfile(raw):
        raise RuntimeError(f"paddle2onnx wrote no ONNX model for {model_file} (see its log above)")
    try:
        onnx.checker.check_model(raw)
        atomic_write(onnx_file, lambda tmp: optimize_onnx(raw, tmp))
    finally:
        os.remove(raw)
    return onnx_file


def optimize_onnx(src: str, dst: str) -> None:
    """Write ``src`` with ONNX Runtime's basic graph optimisations applied to ``dst``.

    Basic optimisations only rewrite the graph with standard operators (constant folding,
    Conv+BatchNorm / Conv+Add / Conv+Mul fusion, identity and dead-node removal), so ``dst``
    stays portable. paddle2onnx's CTRGCN graph shrinks from about 3900 to about 930 nodes and
    loads about twice as fast; ONNX Runtime's own run-time optimisations (level ALL) would do
    the same work on every load, so run time is unchanged. Identical constants are then stored
    once (``share_identical_initializers``). Raises RuntimeError if the result
    holds a non-standard operator (a future onnxruntime doing more at this level).
    """
    onnx, ort, _ = _onnx_tools()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = dst
    options.log_severity_level = 3  # errors only: paddle2onnx leaves unused initializers
    try:
        ort.InferenceSession(src, options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime's errors (Fail, InvalidGraph, ...) derive from Exception only
        raise RuntimeError(f"onnxruntime could not load or optimise {src}: {err}") from err
    model = onnx.load(dst)
    custom = sorted({f"{n.domain}::{n.op_type}" for n in model.graph.node if n.domain not in ("", "ai.onnx")})
    if custom:
        raise RuntimeError(f"onnxruntime's basic optimisation of {src} produced non-standard operators {custom}")
    if share_identical_initializers(model):
        onnx.save(model, dst)
    onnx.checker.check_model(model)


def share_identical_initializers(model) -> int:
    """Let nodes use one copy of initializers with equal type, shape and bytes (constant folding
    leaves one folded copy per use: CTR-GC's joint-pair map once per block, 1.2 MB of CTRGCN's
    file). Returns how many copies were dropped; graphs with subgraphs are left alone."""
    graph = model.graph
    if any(attr.type in (attr.GRAPH, attr.GRAPHS) for node in graph.node for attr in node.attribute):
        return 0
    exposed = {v.name for v in list(graph.input) + list(graph.output)}
    first, rename, keep = {}, {}, []
    for init in graph.initializer:
        key = (init.data_type, tuple(init.dims), _initializer_bytes(init))
        if init.name not in exposed and key in first:
            rename[init.name] = first[key]
        else:
            first.setdefault(key, init.name)
            keep.append(init)
    if rename:
        for node in graph.node:
            for k, name in enumerate(node.input):
                if name in rename:
                    node.input[k] = rename[name]
        del graph.initializer[:]
        graph.initializer.extend(keep)
    return len(rename)


def _initializer_bytes(init) -> bytes:
    from onnx import numpy_helper
    return numpy_helper.to_array(init).tobytes()


def quantize_onnx(onnx_file: str, int8_file: Optional[str] = None) -> str:
    """Dynamic int8 quantization of an fp32 ONNX model (``S.onnx`` -> ``S.int8.onnx``); returns its path.

    ONNX Runtime's ``quantize_dynamic``: the constant operand of every Conv and MatMul (conv
    weights, the classifier, CTR-GC's joint-pair map) is stored as uint8 with one scale and
    zero point per tensor (files about 3x smaller); activations are quantized at run time,
    with one scale per tensor computed over the whole batch, so a sample's logits depend
    slightly on the other samples in its batch. The aggregation MatMuls (both operands
    computed) stay fp32. uint8 weights, not int8: on this AVX2 CPU, ONNX Runtime's
    ConvInteger with int8 weights made CTRGCN_light 3-4x slower than fp32, with uint8 weights
    it is about as fast as fp32 (benchmarks/RESULTS.md, "ONNX Runtime speed").

    The file's metadata records ``paddlevideo.precision = int8``; predictors read it and
    verify the model with the int8 tolerance (``paddlevideo/inference/verify.py``).
    """
    onnx, _, _ = _onnx_tools()
    try:
        from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
    except ImportError as err:  # onnxruntime's quantizer imports ml_dtypes without declaring it
        missing = getattr(err, "name", None) or "a package"
        raise RuntimeError(f"int8 quantization needs onnxruntime.quantization, which could not import "
                           f"{missing} ({err}): pip install -r requirements.txt (or pip install {missing})") from err

    if not os.path.isfile(onnx_file):
        raise FileNotFoundError(f"ONNX model not found: {onnx_file}")
    int8_file = int8_file or model_stem(onnx_file) + INT8_SUFFIX

    def write(tmp: str) -> None:
        # the quantizer's own preparation (basic optimisation, shape inference); its symbolic
        # shape inference gives up on paddle2onnx's dynamic reshapes, so it is skipped
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)  # the quantizer logs a line per tensor at INFO
        try:
            quant_pre_process(onnx_file, tmp, skip_symbolic_shape=True)
            quantize_dynamic(tmp, tmp, per_channel=False, weight_type=QuantType.QUInt8)
        except Exception as err:  # onnxruntime and onnx raise several unrelated types
            raise RuntimeError(f"int8 quantization of {onnx_file} failed: {type(err).__name__}: {err}") from err
        finally:
            logging.disable(previous)
        model = onnx.load(tmp)
        onnx.helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props},
                                            PRECISION_KEY: "int8"})
        onnx.save(model, tmp)

    return atomic_write(int8_file, write)


def describe_files(paths: List[str]) -> List[str]:
    """One line per file with its size in bytes, then the total (bytes and MB)."""
    total = sum(os.path.getsize(p) for p in paths)
    lines = [f"  {os.path.basename(p)}: {os.path.getsize(p)} bytes" for p in paths]
    return lines + [f"  total: {total} bytes ({total / 2 ** 20:.2f} MB)"]

