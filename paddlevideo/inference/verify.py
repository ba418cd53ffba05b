"""Make sure an exported model serves the dynamic graph's numbers.

Why: under Paddle 3.3.1, Paddle Inference's oneDNN kernels can compute a model wrongly
(CTR-GCN's logits were off by about 3), without any error. So:

1. At export, ``make_reference`` runs the dynamic graph on a fixed random input and the
   exporter saves input and logits next to the model as ``<name>.check.npz``.
2. ``open_verified_predictor`` runs every new predictor on that input (tiled to the batch
   size it will serve) before handing it out. If oneDNN output differs from the reference
   by more than the tolerance (below), it warns and rebuilds the predictor without oneDNN; if the plain
   path differs as well (or the backend has no fallback), it refuses with
   ``OutputMismatchError``.
3. Without a reference file (a model exported elsewhere) a oneDNN predictor is compared
   with a plain-kernel predictor on a seeded random input instead.

Tolerance: ``max |logits - reference| <= max(atol, RTOL * max |reference|)`` with atol
1e-4 by default: 1e-4 absolute for logits up to 10 in magnitude (trained models), relative
1e-5 beyond, where float32 rounding alone exceeds 1e-4 (untrained models reach |logits| ~ 1e4;
there Paddle's plain CPU kernels and ONNX Runtime differ from the dynamic graph by about 3e-7
relative, the faulty oneDNN path of CTRGCN with real BN statistics by about 1 relative).

int8 models (ONNX dynamic quantization, ``export.quantize_onnx``; recognised by their
metadata) cannot meet that: rounding weights and activations to 8 bits moves logits by a few
percent of their scale. They are checked with a stated, looser tolerance instead,
``max(atol, INT8_RTOL * max |reference|)`` with INT8_RTOL = 0.1; measured on the reference
input, batch 1 and 2: 0.9-5.5% of max |logit| (CTRGCN with PaddleVideo-format weights 5.5%;
CTRGCN_light and CTRGCN_tiny with the committed NW-UCLA weights 0.9-1.9%, untrained 1.6%).
A broken model (the faulty oneDNN path: ~75%) still fails.
The verification result says which tolerance was applied. Agreement of int8 with fp32 on
real data (top-1 on NW-UCLA) is measured in benchmarks/onnx_speed.py.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import numpy as np

from ..utils.fileio import atomic_write
from .predictor import PRECISION_KEY, Predictor, PredictorOptions, create_predictor, model_stem

REFERENCE_SUFFIX = ".check.npz"
REFERENCE_SEED = 20211008
REFERENCE_BATCH = 2
DEFAULT_ATOL = 1e-4
RTOL = 1e-5
INT8_RTOL = 0.1


class OutputMismatchError(RuntimeError):
    """An inference predictor's output disagrees with the dynamic graph's."""


@dataclass
class Reference:
    """Dynamic-graph logits (B, K) for the input x (B, C, T, V, M)."""

    x: np.ndarray
    logits: np.ndarray

    def tiled(self, batch: int) -> Tuple[np.ndarray, np.ndarray]:
        """Input and expected logits for ``batch`` samples (rows repeated cyclically;
        samples are independent in eval mode)."""
        rows = np.arange(batch) % len(self.x)
        return self.x[rows], self.logits[rows]


def random_input(shape: Tuple[int, ...], batch: int, seed: int) -> np.ndarray:
    """Standard-normal float32 (batch, *shape) from a seeded legacy ``RandomState``, whose
    stream numpy keeps fixed across versions."""
    return np.random.RandomState(seed).standard_normal((batch, *shape)).astype(np.float32)


def make_reference(model, shape: Tuple[int, int, int, int], batch: int = REFERENCE_BATCH,
                   seed: int = REFERENCE_SEED) -> Reference:
    """Run the eval-mode recognizer ``model`` on a seeded random (batch, *shape) input."""
    import paddle

    x = random_input(shape, batch, seed)
    with paddle.no_grad():
        logits = model([paddle.to_tensor(x)], mode="infer").numpy()
    return Reference(x, np.asarray(logits, dtype=np.float32))


def reference_path(model_file: str) -> str:
    """``dir/name.check.npz`` for ``dir/name.json`` (or .pdmodel / .onnx)."""
    return model_stem(model_file) + REFERENCE_SUFFIX


def save_reference(reference: Reference, path: str) -> None:
    atomic_write(path, lambda tmp: np.savez(tmp, x=reference.x, logits=reference.logits))


def load_reference(path: str) -> Optional[Reference]:
    """The reference at ``path``; None when there is no such file."""
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path) as content:
            x, logits = content["x"], content["logits"]
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path}: not a reference file with arrays x and logits ({err})") from err
    if x.ndim != 5 or logits.ndim != 2 or len(x) != len(logits) or len(x) == 0:
        raise ValueError(f"{path}: expected x (B, C, T, V, M) and logits (B, K), "
                         f"got {x.shape} and {logits.shape}")
    return Reference(x.astype(np.float32), logits.astype(np.float32))


def tolerance(reference_logits: np.ndarray, atol: float = DEFAULT_ATOL, precision: str = "fp32") -> float:
    """Largest accepted max abs difference from ``reference_logits`` for a model of
    ``precision`` 'fp32' or 'int8' (see the module doc)."""
    rtol = {"fp32": RTOL, "int8": INT8_RTOL}.get(precision)
    if rtol is None:
        raise ValueError(f"no verification tolerance for precision {precision!r}; expected 'fp32' or 'int8'")
    return max(atol, rtol * float(np.max(np.abs(reference_logits))))


def tolerance_rule(precision: str, atol: float = DEFAULT_ATOL) -> str:
    """The tolerance formula in words, for reports."""
    rtol = INT8_RTOL if precision == "int8" else RTOL
    return f"max({atol:g}, {rtol:g} * max |reference logit|)"


def _precision_of(predictor: Predictor) -> str:
    return getattr(predictor, "precision", "fp32")


def max_abs_diff(got: np.ndarray, want: np.ndarray) -> float:
    if got.shape != want.shape:
        raise OutputMismatchError(f"output shape {got.shape} differs from the reference {want.shape}")
    return float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))


@dataclass
class Verification:
    """What the check found; ``options`` are those of the predictor handed out."""

    options: PredictorOptions
    reference: Optional[str]  # reference file used, None if there was none
    diff: Optional[float]  # max abs difference of the served predictor, None if unchecked
    notes: List[str] = field(default_factory=list)
    fallback: bool = False  # oneDNN was requested but turned off because its output was wrong
    tol: Optional[float] = None  # tolerance the diff was held to, None if unchecked
    precision: str = "fp32"  # of the served model: 'int8' for a quantized ONNX model


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


def open_verified_predictor(model_file: str, params_file: Optional[str], options: PredictorOptions,
                            sample_shape: Tuple[int, int, int, int], batch_size: int = 1,
                            atol: float = DEFAULT_ATOL,
                            warn: Callable[[str], None] = _warn) -> Tuple[Predictor, Verification]:
    """A predictor whose output agrees with the dynamic graph, and how that was established.

    ``sample_shape`` is the (C, T, V, M) input the caller will feed (from the config); it
    must be the shape the model was exported for. ``batch_size`` is the batch the check runs.
    Raises OutputMismatchError when no available path agrees, ValueError when the reference
    input has another shape than ``sample_shape``.
    """
    ref_file = reference_path(model_file)
    reference = load_reference(ref_file)
    if reference is not None and tuple(reference.x.shape[1:]) != tuple(sample_shape):
        raise ValueError(f"{model_file} was exported for inputs (N, {', '.join(map(str, reference.x.shape[1:]))}) "
                         f"(see {ref_file}) but the config's INFERENCE section gives "
                         f"(N, {', '.join(map(str, sample_shape))}); use the config the model was exported with")
    predictor = create_predictor(model_file, params_file, options)
    if reference is None:
        return _verify_without_reference(predictor, model_file, params_file, options, sample_shape,
                                         batch_size, ref_file, atol, warn)

    x, want = reference.tiled(batch_size)
    precision = _precision_of(predictor)
    tol = tolerance(want, atol, precision)
    diff = max_abs_diff(predictor.run(x), want)
    if diff <= tol:
        notes = []
        if precision == "int8":
            notes.append(f"int8 model: verified with the looser int8 tolerance {tol:.3g} = "
                         f"{tolerance_rule(precision, atol)}, not the fp32 one; quantization moves logits by "
                         f"a few percent")
        return predictor, Verification(options, ref_file, diff, notes, tol=tol, precision=precision)
    if options.uses_mkldnn:
        plain_options = dataclasses.replace(options, enable_mkldnn=False)
        plain = create_predictor(model_file, params_file, plain_options)
        plain_diff = max_abs_diff(plain.run(x), want)
        if plain_diff <= tol:
            note = (f"oneDNN output differs from the dynamic graph by {diff:.4g} (> {tol:.3g}) on the "
                    f"reference input of {os.path.basename(ref_file)}; turned oneDNN off "
                    f"(plain CPU kernels differ by {plain_diff:.3g})")
            warn(note)
            return plain, Verification(plain_options, ref_file, plain_diff, [note], fallback=True, tol=tol)
        diff = min(diff, plain_diff)
    hint = ""
    if options.backend == "onnxruntime" and precision == "fp32":
        hint = (f" A quantized model needs the metadata {PRECISION_KEY} = int8 (written by tools/export_model.py "
                f"--quantize int8) to be checked with the int8 tolerance.")
    raise OutputMismatchError(
        f"{model_file}: the predictor's output differs from the dynamic graph's by {diff:.4g} (> {tol:.3g} = "
        f"{tolerance_rule(precision, atol)}) on the reference input of {ref_file} (backend {options.backend}, "
        f"device {options.device}, oneDNN {options.uses_mkldnn}, precision {precision}); refusing to predict. "
        f"Re-export the model with tools/export_model.py, or choose another backend.{hint}")


def _verify_without_reference(predictor: Predictor, model_file: str, params_file: Optional[str],
                              options: PredictorOptions, sample_shape: Tuple[int, int, int, int],
                              batch_size: int, ref_file: str, atol: float,
                              warn: Callable[[str], None]) -> Tuple[Predictor, Verification]:
    if not options.uses_mkldnn:
        note = f"not verified: no reference file {ref_file} (export with tools/export_model.py to get one)"
        return predictor, Verification(options, None, None, [note], precision=_precision_of(predictor))
    x = random_input(sample_shape, batch_size, REFERENCE_SEED)
    plain_options = dataclasses.replace(options, enable_mkldnn=False)
    plain = create_predictor(model_file, params_file, plain_options)
    want = plain.run(x)
    tol = tolerance(want, atol)
    diff = max_abs_diff(predictor.run(x), want)
    if diff <= tol:
        note = (f"no reference file {ref_file}: oneDNN checked against the plain CPU kernels "
                f"(max diff {diff:.3g})")
        return predictor, Verification(options, None, diff, [note])
    note = (f"no reference file {ref_file}; oneDNN output differs from the plain CPU kernels by "
            f"{diff:.4g} (> {tol:.3g}); turned oneDNN off")
    warn(note)
    return plain, Verification(plain_options, None, None, [note], fallback=True)


@dataclass
class CheckResult:
    """One predictor configuration compared with the dynamic graph."""

    label: str
    diff: float
    tol: float
    precision: str = "fp32"

    @property
    def ok(self) -> bool:
        return self.diff <= self.tol


def check_exported_model(model, model_file: str, params_file: str, shape: Tuple[int, int, int, int],
                         atol: float = DEFAULT_ATOL, cpu_threads: Optional[int] = None,
                         onnx: bool = False, int8_file: Optional[str] = None, batch: int = REFERENCE_BATCH,
                         seed: int = REFERENCE_SEED + 1) -> List[CheckResult]:
    """Compare raw (unverified) predictors with the eval-mode ``model`` on a random input.

    Checks Paddle Inference on CPU with oneDNN on and off, ONNX Runtime when ``onnx``, and the
    int8 ONNX model ``int8_file`` (with the int8 tolerance) when given.
    The input (batch, *shape) uses another seed than the stored reference.
    """
    import paddle

    x = random_input(shape, batch, seed)
    with paddle.no_grad():
        want = model([paddle.to_tensor(x)], mode="infer").numpy()
    configs = [("Paddle Inference, CPU, oneDNN on", PredictorOptions(enable_mkldnn=True, cpu_threads=cpu_threads)),
               ("Paddle Inference, CPU, oneDNN off", PredictorOptions(enable_mkldnn=False, cpu_threads=cpu_threads))]
    onnx_options = PredictorOptions(backend="onnxruntime", cpu_threads=cpu_threads)
    models = [(label, model_file, options) for label, options in configs]
    if onnx:
        models.append(("ONNX Runtime, CPU", model_file, onnx_options))
    if int8_file:
        models.append(("ONNX Runtime, CPU, int8", int8_file, onnx_options))
    results = []
    for label, path, options in models:
        predictor = create_predictor(path, params_file, options)
        precision = _precision_of(predictor)
        results.append(CheckResult(label, max_abs_diff(predictor.run(x), want), tolerance(want, atol, precision),
                                   precision))
    return results
