"""Batch norm whose training statistics span every data-parallel process, on the CPU.

When main.py splits a recipe's batch over several CPU processes (``cpu_processes``), each process
sees batch_size / processes samples. Plain batch norm would then normalise with the statistics of
that slice: another computation than the recipe's. :func:`sync_batch_norm` makes every batch-norm
layer of a model normalise with the mean and (biased) variance of the whole batch, summed over the
processes (shared memory, ``cpu_parallel.SharedSum``, or gloo's ``all_reduce``), and
back-propagate through them exactly; the running statistics follow
Paddle's rule (``running = momentum * running + (1 - momentum) * batch``, biased variance), so
every process keeps the same ones. Paddle's own ``SyncBatchNorm`` runs on GPUs only.

The layers keep their class's parameters and buffers (checkpoint keys unchanged); evaluation mode
and a single process use Paddle's batch norm as before.
"""
from __future__ import annotations

from typing import List

import numpy as np
import paddle
import paddle.distributed as dist
import paddle.nn as nn
from paddle.autograd import PyLayer

from .cpu_parallel import shared_sum


def _sum_over_processes(t: paddle.Tensor) -> paddle.Tensor:
    """Elementwise sum of ``t`` over the data-parallel processes: through shared memory when
    main.py started them with it (``cpu_parallel.SharedSum``), else gloo's all_reduce."""
    shared = shared_sum()
    if shared is None:
        dist.all_reduce(t)
        return t
    return paddle.to_tensor(shared(t.numpy()).astype(np.float32))


def _axes(x: paddle.Tensor) -> List[int]:
    return [0] + list(range(2, x.ndim))


def _per_channel(v: paddle.Tensor, ndim: int) -> paddle.Tensor:
    """``v`` (C,) shaped to broadcast over (N, C, ...) as (C, 1, ...): Paddle's CPU kernels take a
    per-channel fast path for this form and a generic one, about 15x slower, for (1, C, 1, ...)."""
    return v.reshape([-1] + [1] * (ndim - 2))


class _SyncBatchNormFn(PyLayer):
    @staticmethod
    def forward(ctx, x, weight, bias, layer):
        axes, channels = _axes(x), x.shape[1]
        local_count = float(x.numel()) / channels
        sums = paddle.concat([x.sum(axis=axes), paddle.full([1], local_count, x.dtype)])
        sums = _sum_over_processes(sums)  # [sum over every process' samples per channel..., total count]
        count = sums[channels:]
        mean = sums[:channels] / count
        centred = x - _per_channel(mean, x.ndim)
        sq = (centred * centred).sum(axis=axes)
        sq = _sum_over_processes(sq)  # two passes: no cancellation in E[x^2] - E[x]^2
        var = sq / count
        inv_std = paddle.rsqrt(var + layer._epsilon)
        xhat = centred * _per_channel(inv_std, x.ndim)
        m = layer._momentum
        layer._mean.set_value(layer._mean * m + mean * (1.0 - m))
        layer._variance.set_value(layer._variance * m + var * (1.0 - m))
        ctx.save_for_backward(xhat, weight, inv_std, count)
        ctx.input_needs_grad = not x.stop_gradient  # the network's input (data_bn) does not
        return xhat * _per_channel(weight, x.ndim) + _per_channel(bias, x.ndim)

    @staticmethod
    def backward(ctx, dy):
        xhat, weight, inv_std, count = ctx.saved_tensor()
        axes, channels = _axes(dy), dy.shape[1]
        dbias = dy.sum(axis=axes)
        dweight = (dy * xhat).sum(axis=axes)
        # this process' loss reaches the other processes' samples through the shared statistics:
        # the input gradient needs the sums over every process
        both = paddle.concat([dbias, dweight])
        both = _sum_over_processes(both)
        mean_dy = _per_channel(both[:channels] / count, dy.ndim)
        mean_dy_xhat = _per_channel(both[channels:] / count, dy.ndim)
        dx = (dy - mean_dy - xhat * mean_dy_xhat) * _per_channel(weight * inv_std, dy.ndim)
        # weight and bias gradients stay per process: DataParallel averages them like every other
        return (dx if ctx.input_needs_grad else None), dweight, dbias


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
