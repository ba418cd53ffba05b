"""Give an untrained recognizer the numeric scale of a trained one, for equivalence checks.

Freshly built CTR-GCN models have constant parameters (biases, CTR-GC's ``alpha``, batch-norm
affine terms) and unit batch-norm statistics, so a formulation bug in a term that starts at
zero cannot show in their outputs. ``make_trained_like`` randomises every constant parameter
and sets each batch norm's running statistics to those of one random batch: the logits then
have a trained model's scale (a few units) and every term of the computation matters.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import paddle


def randomize_constant_parameters(model: paddle.nn.Layer, rng: np.random.RandomState, std: float = 0.2) -> None:
    """Add N(0, std) noise to every parameter whose values are all equal (in place)."""
    for param in model.parameters():
        value = param.numpy()
        if np.ptp(value) == 0:
            param.set_value(value + rng.normal(0.0, std, value.shape).astype("float32"))


def make_trained_like(model: paddle.nn.Layer, sample_shape: Sequence[int], seed: int = 0,
                      batch: int = 8) -> paddle.nn.Layer:
    """Randomise ``model``'s constant parameters and calibrate its batch norms on one random
    batch of ``batch`` samples of ``sample_shape`` (C, T, V, M); returns the model in eval mode."""
    rng = np.random.RandomState(seed)
    randomize_constant_parameters(model, rng)
    norms = [m for m in model.sublayers() if isinstance(m, (paddle.nn.BatchNorm1D, paddle.nn.BatchNorm2D))]
    momenta = [m._momentum for m in norms]
    for m in norms:
        m._momentum = 0.0  # running statistics := this batch's statistics
    model.train()
    with paddle.no_grad():
        model([paddle.to_tensor(rng.randn(batch, *sample_shape).astype("float32"))], mode="infer")
    for m, momentum in zip(norms, momenta):
        m._momentum = momentum
    model.eval()
    return model
