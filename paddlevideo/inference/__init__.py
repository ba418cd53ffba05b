"""Deployment: export a trained model, prepare inputs, run and verify inference predictors.

    export.py      config + weights -> <name>.json/.pdiparams (+ .check.npz, .onnx)
    inputs.py      .skeleton / .npy / NW-UCLA .json / folder tree -> model inputs (the test pipeline)
    predictor.py   Paddle Inference or ONNX Runtime behind run(x) -> logits
    verify.py      predictors must match the dynamic graph (oneDNN fallback, --check)
    postprocess.py logits -> softmax top-k with class names
"""
from .export import ExportedModel, describe_files, export_onnx, export_paddle, input_shape, load_eval_model
from .inputs import InputError, InputPreparer, Sample, input_files, label_from_name
from .postprocess import Prediction, load_class_names, softmax, top_k
from .predictor import PredictorOptions, create_predictor
from .verify import (DEFAULT_ATOL, OutputMismatchError, Verification, check_exported_model,
                     open_verified_predictor, reference_path)

__all__ = ["ExportedModel", "describe_files", "export_paddle", "export_onnx", "input_shape", "load_eval_model",
           "InputError", "InputPreparer", "Sample", "input_files", "label_from_name", "Prediction",
           "load_class_names", "softmax", "top_k", "PredictorOptions", "create_predictor", "DEFAULT_ATOL",
           "OutputMismatchError", "Verification", "check_exported_model", "open_verified_predictor", "reference_path"]
