"""Run an exported model: Paddle Inference or ONNX Runtime behind one small interface.

``create_predictor(model_file, params_file, options)`` returns an object whose
``run(x)`` maps float32 (N, C, T, V, M) to logits (N, num_classes). It does no verification;
``paddlevideo/inference/verify.py`` wraps it with the check against the dynamic graph.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from dataclasses import dataclass
from typing import Optional

import numpy as np

BACKENDS = ("paddle", "onnxruntime")
PRECISIONS = ("fp32",)
MODEL_SUFFIXES = (".json", ".pdmodel", ".onnx")
INT8_SUFFIX = ".int8.onnx"  # dynamic-int8 ONNX model written beside NAME.onnx
PRECISION_KEY = "paddlevideo.precision"  # ONNX metadata: 'int8' for quantized models (absent: fp32)
MODEL_PRECISIONS = ("fp32", "int8")


@dataclass(frozen=True)
class PredictorOptions:
    """How to run an exported model.

    Args:
        backend: 'paddle' (Paddle Inference) or 'onnxruntime'.
        use_gpu: run on GPU ``gpu_id`` (needs a CUDA build of Paddle / onnxruntime-gpu).
        gpu_mem: initial GPU memory pool of Paddle Inference, MB.
        enable_mkldnn: use oneDNN kernels on CPU (Paddle backend only).
        mkldnn_cache_capacity: input shapes oneDNN caches kernels for.
        cpu_threads: math-library / intra-op threads on CPU (None: the library default).
        ort_spin_wait: ONNX Runtime's worker threads busy-wait between operators (the
            library's default). Off here: on a CPU shared with other jobs, spinning threads
            compete for cores; CTRGCN at batch 1 with 2 threads ran about 2x slower with it
            on this loaded 2-core machine (benchmarks/RESULTS.md, "ONNX Runtime speed").
        ir_optim: Paddle Inference graph optimisation passes.
        precision: only 'fp32' is supported.
        disable_glog: silence Paddle Inference's own log lines.
    """

    backend: str = "paddle"
    use_gpu: bool = False
    gpu_id: int = 0
    gpu_mem: int = 8000
    enable_mkldnn: bool = True
    mkldnn_cache_capacity: int = 10
    cpu_threads: Optional[int] = None
    ort_spin_wait: bool = False
    ir_optim: bool = True
    precision: str = "fp32"
    disable_glog: bool = True

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision {self.precision!r} is not supported; use one of {PRECISIONS}")
        if self.cpu_threads is not None and (isinstance(self.cpu_threads, bool)
                                             or not isinstance(self.cpu_threads, int) or self.cpu_threads < 1):
            raise ValueError(f"cpu_threads must be a positive integer, got {self.cpu_threads!r}")

    @property
    def uses_mkldnn(self) -> bool:
        """oneDNN is actually in play: Paddle backend, on CPU, enabled."""
        return self.backend == "paddle" and not self.use_gpu and self.enable_mkldnn

    @property
    def device(self) -> str:
        return "gpu" if self.use_gpu else "cpu"


def model_stem(model_file: str) -> str:
    """``dir/name`` for ``dir/name.json`` / ``.pdmodel`` / ``.onnx`` / ``.int8.onnx``."""
    if model_file.endswith(INT8_SUFFIX):
        return model_file[:-len(INT8_SUFFIX)]
    root, ext = os.path.splitext(model_file)
    return root if ext in MODEL_SUFFIXES else model_file


def onnx_path_for(model_file: str) -> str:
    """The ONNX file that belongs to ``model_file`` (itself when it ends in .onnx)."""
    return model_file if model_file.endswith(".onnx") else model_stem(model_file) + ".onnx"


def _as_batch(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 5:
        raise ValueError(f"expected a batch of shape (N, C, T, V, M), got {x.shape}")
    return x


@contextlib.contextmanager
def _native_stdout_hidden(hide: bool):
    """Send the process's file descriptor 1 to /dev/null while inside (when ``hide``).

    Paddle 3.3.1's oneDNN pass writes a debug line ("ReduceMeanCheckIfOneDNNSupport") to
    stdout from C++ on every run; predictions printed to stdout stay readable this way.
    """
    if not hide:
        yield
        return
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


class PaddlePredictor:
    """A Paddle Inference predictor for ``model_file`` (.json or .pdmodel) + ``params_file``."""

    precision = "fp32"

    def __init__(self, model_file: str, params_file: str, options: PredictorOptions):
        from paddle import inference

        for path in (model_file, params_file):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"inference model file not found: {path}")
        self.options = options
        config = inference.Config(model_file, params_file)
        if options.use_gpu:
            import paddle
            if not paddle.device.is_compiled_with_cuda():
                raise ValueError("use_gpu=True but this Paddle build has no CUDA support; use --use_gpu=False")
            config.enable_use_gpu(options.gpu_mem, options.gpu_id)
        else:
            config.disable_gpu()
            if options.cpu_threads:
                config.set_cpu_math_library_num_threads(options.cpu_threads)
            if options.enable_mkldnn:
                config.set_mkldnn_cache_capacity(options.mkldnn_cache_capacity)
                config.enable_mkldnn()
            else:
                config.disable_mkldnn()
        config.switch_ir_optim(options.ir_optim)
        if options.disable_glog:
            config.disable_glog_info()
        self._predictor = inference.create_predictor(config)
        names = self._predictor.get_input_names()
        if len(names) != 1:
            raise ValueError(f"{model_file}: expected a model with one input, found {names}")
        self._input = self._predictor.get_input_handle(names[0])
        self._output = self._predictor.get_output_handle(self._predictor.get_output_names()[0])

    def run(self, x: np.ndarray) -> np.ndarray:
        """(N, C, T, V, M) float32 -> logits (N, K)."""
        x = _as_batch(x)
        self._input.reshape(list(x.shape))
        self._input.copy_from_cpu(x)
        with _native_stdout_hidden(self.options.uses_mkldnn and self.options.disable_glog):
            self._predictor.run()
        return self._output.copy_to_cpu()


class OnnxRuntimePredictor:
    """An ONNX Runtime session for an exported ``.onnx`` model.

    Session: all graph optimisations (level ALL: on x86 this includes the blocked NCHWc
    convolution layout, faster here than level EXTENDED), operators run one after another
    (the parallel executor was slower at batch 1), ``cpu_threads`` intra-op threads, no
    spinning unless ``ort_spin_wait``. ``precision`` is 'int8' for a model written by
    ``quantize_onnx`` (read from the model's metadata), else 'fp32'.
    """

    def __init__(self, onnx_file: str, options: PredictorOptions):
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise RuntimeError(f"--backend onnxruntime needs onnxruntime ({err}); pip install onnxruntime") from err
        if not os.path.isfile(onnx_file):
            raise FileNotFoundError(f"ONNX model not found: {onnx_file} (export it with tools/export_model.py --onnx)")
        self.options = options
        session_options = ort.SessionOptions()
        session_options.log_severity_level = 3  # errors only
        session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session_options.add_session_config_entry("session.intra_op.allow_spinning",
                                                 "1" if options.ort_spin_wait else "0")
        if options.cpu_threads:
            session_options.intra_op_num_threads = options.cpu_threads
            session_options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if options.use_gpu:
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise ValueError("use_gpu=True but this onnxruntime has no CUDA provider; use --use_gpu=False")
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(onnx_file, session_options, providers=providers)
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"{onnx_file}: expected a model with one input, found {[i.name for i in inputs]}")
        self._input_name = inputs[0].name
        self.precision = self._session.get_modelmeta().custom_metadata_map.get(PRECISION_KEY, "fp32")
        if self.precision not in MODEL_PRECISIONS:
            raise ValueError(f"{onnx_file}: metadata {PRECISION_KEY} = {self.precision!r}, expected one of "
                             f"{MODEL_PRECISIONS}")

    @property
    def session(self):
        """The ``onnxruntime.InferenceSession``."""
        return self._session

    def run(self, x: np.ndarray) -> np.ndarray:
        """(N, C, T, V, M) float32 -> logits (N, K)."""
        x = _as_batch(x)
        return self._session.run(None, {self._input_name: x})[0]


Predictor = PaddlePredictor | OnnxRuntimePredictor


def create_predictor(model_file: str, params_file: Optional[str], options: PredictorOptions) -> Predictor:
    """A predictor for the exported model; the onnxruntime backend reads ``<stem>.onnx``."""
    if options.backend == "onnxruntime":
        return OnnxRuntimePredictor(onnx_path_for(model_file), options)
    if params_file is None:
        params_file = model_stem(model_file) + ".pdiparams"
    return PaddlePredictor(model_file, params_file, options)
