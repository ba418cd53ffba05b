"""Batch norm whose training statistics span every data-parallel process, on the CPU.

When main.py splits a recipe's batch over several CPU processes (``cpu_processes``), each process
sees batch_size / processes samples. Plain batch norm would then normalise with the statistics of
that slice: another computation than the recipe's. :func:`sync_batch_norm` makes every batch-norm
layer of a model normalise with the mean and (biased) variance of the whole batch and
back-propagate through them exactly; the running statistics follow Paddle's rule
(``running = momentum * running + (1 - momentum) * batch``, biased variance), so every process
keeps the same ones. Paddle's own ``SyncBatchNorm`` runs on GPUs only.

Contract of one training-mode call, for P processes holding n_1 .. n_P values per channel:

- forward: each process takes its slice's mean and biased variance with Paddle's fused CPU kernel;
  the processes exchange them once (``cpu_parallel.SharedSum.gather``, or gloo's ``all_gather``)
  and every process merges them identically in float64 (mean = sum n_i m_i / n,
  var = sum n_i (v_i + (m_i - mean)^2) / n: no cancellation); the output is Paddle's fused
  normalisation with those statistics;
- backward: Paddle's fused gradient kernel, given the whole batch's mean and 1/std, returns this
  slice's sums of dy and dy * xhat and an input gradient that uses them; one exchange gives the
  whole batch's sums, and a per-channel affine term of xhat (again the fused kernel) corrects the
  input gradient to the whole batch's. The weight and bias gradients stay per process:
  DataParallel averages them like every other gradient.

With one process the exchange is the identity and the layer computes Paddle's batch norm. The
layers keep their class's parameters and buffers (checkpoint keys unchanged); evaluation mode
uses Paddle's batch norm as before.
"""
from __future__ import annotations

import numpy as np
import paddle
import paddle.distributed as dist
import paddle.nn as nn
from paddle import _C_ops
from paddle.autograd import PyLayer

from .cpu_parallel import shared_sum

_LAYOUT = "NCHW"  # Paddle's name for channels on axis 1, whatever the rank


def _gather(values: np.ndarray) -> np.ndarray:
    """Every process' ``values`` as rows in rank order (shared memory when main.py started the
    processes with it, else gloo); the single row of a lone process."""
    if dist.get_world_size() <= 1:
        return values[None, :]
    shared = shared_sum()
    if shared is not None:
        return shared.gather(values)
    parts: list = []
    dist.all_gather(parts, paddle.to_tensor(values))
    return np.stack([p.numpy() for p in parts])


def _sum(values: np.ndarray) -> np.ndarray:
    """The elementwise sum of ``values`` over the processes, added in rank order."""
    return _gather(values).sum(axis=0)


def _fused(x, mean, var, weight, bias, training: bool, momentum: float, eps: float):
    """Paddle's fused CPU batch-norm kernel: (out, mean_out, var_out, saved_mean, saved_inv_std, reserve)."""
    return _C_ops.batch_norm(x, mean, var, weight, bias, not training, momentum, eps, _LAYOUT,
                             not training, False)


class _SyncBatchNormFn(PyLayer):
    @staticmethod
    def forward(ctx, x, weight, bias, layer):
        channels, eps = x.shape[1], layer._epsilon
        local_n = float(x.numel()) / channels
        # this slice's mean and biased variance: momentum 0 leaves them in the kernel's running outputs
        _, m_i, v_i, _, _, reserve = _fused(x, paddle.zeros([channels], x.dtype), paddle.ones([channels], x.dtype),
                                            weight, bias, True, 0.0, eps)
        rows = _gather(np.concatenate([[local_n], m_i.numpy(), v_i.numpy()]).astype(np.float64))
        n_p, m_p, v_p = rows[:, :1], rows[:, 1:channels + 1], rows[:, channels + 1:]
        n = n_p.sum()
        mean = (n_p * m_p).sum(axis=0) / n
        var = (n_p * (v_p + (m_p - mean) ** 2)).sum(axis=0) / n
        m = layer._momentum
        layer._mean.set_value((layer._mean.numpy() * m + mean * (1.0 - m)).astype(np.float32))
        layer._variance.set_value((layer._variance.numpy() * m + var * (1.0 - m)).astype(np.float32))
        mean_t = paddle.to_tensor(mean.astype(np.float32))
        var_t = paddle.to_tensor(var.astype(np.float32))
        inv_std_t = paddle.to_tensor((1.0 / np.sqrt(var + eps)).astype(np.float32))
        out = _fused(x, mean_t, var_t, weight, bias, False, m, eps)[0]
        ctx.save_for_backward(x, weight, bias, mean_t, var_t, inv_std_t)
        ctx.reserve, ctx.local_n, ctx.n, ctx.eps = reserve, local_n, n, eps
        ctx.input_needs_grad = not x.stop_gradient  # the network's input (data_bn) does not
        return out

    @staticmethod
    def backward(ctx, dy):
        x, weight, bias, mean_t, var_t, inv_std_t = ctx.saved_tensor()
        # with the whole batch's statistics given, the kernel's sums are this slice's share of the
        # whole batch's; its input gradient subtracts their means over this slice only
        dx, dweight, dbias = _C_ops.batch_norm_grad(x, weight, bias, mean_t, var_t, mean_t, inv_std_t, ctx.reserve,
                                                    dy, 0.0, ctx.eps, _LAYOUT, False, False, False)
        if not ctx.input_needs_grad:
            return None, dweight, dbias
        local = np.concatenate([dbias.numpy(), dweight.numpy()]).astype(np.float64)
        whole = _sum(local)
        if ctx.n != ctx.local_n:  # more than one process
            # dx += weight / std * [(mean_i(dy) - mean(dy)) + xhat * (mean_i(dy xhat) - mean(dy xhat))]
            channels = dbias.shape[0]
            shift = local / ctx.local_n - whole / ctx.n
            scale = weight.numpy().astype(np.float64) * inv_std_t.numpy()
            dx = dx + _fused(x, mean_t, var_t, paddle.to_tensor((scale * shift[channels:]).astype(np.float32)),
                             paddle.to_tensor((scale * shift[:channels]).astype(np.float32)), False, 0.0, ctx.eps)[0]
        return dx, dweight, dbias


class _SyncMixin:
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        return _SyncBatchNormFn.apply(x, self.weight, self.bias, self)


class SyncBatchNorm1D(_SyncMixin, nn.BatchNorm1D):
    """nn.BatchNorm1D whose training statistics span every data-parallel CPU process."""


class SyncBatchNorm2D(_SyncMixin, nn.BatchNorm2D):
    """nn.BatchNorm2D whose training statistics span every data-parallel CPU process."""


_SYNCED = {nn.BatchNorm1D: SyncBatchNorm1D, nn.BatchNorm2D: SyncBatchNorm2D}


def sync_batch_norm(model: nn.Layer) -> int:
    """Make every BatchNorm1D / BatchNorm2D of ``model`` synchronise its statistics across the
    data-parallel processes (in place: same parameters, buffers and keys); returns how many."""
    count = 0
    for layer in model.sublayers(include_self=True):
        synced = _SYNCED.get(type(layer))
        if synced is None:
            continue
        if layer._data_format not in ("NCHW", "NCL", "NC"):
            raise ValueError(f"sync_batch_norm: {type(layer).__name__} with data_format "
                             f"{layer._data_format!r} (expected channels first)")
        layer.__class__ = synced
        count += 1
    return count
