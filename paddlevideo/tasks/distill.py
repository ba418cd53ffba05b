"""Knowledge distillation: a frozen, trained teacher guides the student's training.

A config's ``DISTILL`` section::

    DISTILL:
        teacher_config: configs/recognition/ctrgcn/ctrgcn_ucla_joint.yaml   # its MODEL builds the teacher
        teacher_weights: benchmarks/weights/ctrgcn_ucla_joint.pdparams       # loaded strictly
        temperature: 4.0          # T > 0
        weight: 0.5               # alpha in [0, 1]
        teacher_channels: [0, 3]  # input channels [start, stop) the teacher sees (default: all)

Training loss per batch, with student logits s and teacher logits t, both (N, K)::

    loss = (1 - alpha) * CE(s, label) + alpha * T^2 * KL(softmax(t / T) || softmax(s / T))

CE is the head's own training loss (label smoothing included when the head has it); KL is
summed over classes and averaged over the batch. The teacher runs in eval mode without
gradients, is not an attribute of the student, and so never enters the student's optimizer,
checkpoints or exported model. Validation, test and export see the student only.
"""
from __future__ import annotations

import os
from typing import Dict

import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ..modeling.builder import build_model
from ..utils import checkpoint
from ..config import ConfigError, get_config
from ..config_schema import DistillOptions

__all__ = ["DistillOptions", "Distiller", "kd_loss"]


def kd_loss(student_logits: paddle.Tensor, teacher_logits: paddle.Tensor,
            temperature: float) -> paddle.Tensor:
    """``T^2 * KL(softmax(teacher / T) || softmax(student / T))``, summed over classes, mean over batch.

    Both logits are (N, K); returns a scalar. The T^2 factor keeps the gradient's scale
    independent of T (Hinton et al., 2015).
    """
    log_p_student = F.log_softmax(student_logits.astype("float32") / temperature, axis=-1)  # (N, K)
    log_p_teacher = F.log_softmax(teacher_logits.astype("float32") / temperature, axis=-1)  # (N, K)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(axis=-1)  # (N,)
    return kl.mean() * (temperature ** 2)


class Distiller:
    """The teacher of a DISTILL section, and the distillation loss of one training step.

    Args:
        options: the checked DISTILL section.
        student: the student recognizer (RecognizerGCN); the teacher must fit its classes,
            joints and persons, and its input channel count must equal the width of
            ``teacher_channels`` (the student's input channels by default).
    Raises:
        FileNotFoundError / ConfigError / ValueError naming the DISTILL key and the file.
    """

    def __init__(self, options: DistillOptions, student: nn.Layer):
        self.temperature = float(options.temperature)
        self.weight = float(options.weight)
        if not os.path.isfile(options.teacher_weights):
            raise FileNotFoundError(f"DISTILL.teacher_weights: file not found: {options.teacher_weights}")
        try:
            teacher_cfg = get_config(options.teacher_config, show=False)
        except ConfigError as e:
            raise ConfigError(f"DISTILL.teacher_config: {e}") from None
        # the teacher's random initialisation (overwritten by its weights) must not shift
        # Paddle's generator (dropout): with weight 0 the run is the plain run, number for number
        rng_state = paddle.get_rng_state()
        self.teacher = build_model(teacher_cfg["MODEL"])
        paddle.set_rng_state(rng_state)
        checkpoint.load_weights(self.teacher, options.teacher_weights, strict=True)
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.stop_gradient = True

        s_bb, t_bb = student.backbone, self.teacher.backbone
        where = f"DISTILL.teacher_config ({options.teacher_config})"
        if self.teacher.head.num_classes != student.head.num_classes:
            raise ValueError(f"{where}: the teacher has {self.teacher.head.num_classes} classes, "
                             f"the student {student.head.num_classes}")
        for attr in ("num_point", "num_person"):
            if getattr(t_bb, attr) != getattr(s_bb, attr):
                raise ValueError(f"{where}: the teacher's backbone.{attr} is {getattr(t_bb, attr)}, "
                                 f"the student's {getattr(s_bb, attr)}")
        start, stop = options.teacher_channels or (0, s_bb.in_channels)
        if stop > s_bb.in_channels:
            raise ValueError(f"DISTILL.teacher_channels {[start, stop]} reaches past the student's "
                             f"{s_bb.in_channels} input channels")
        if t_bb.in_channels != stop - start:
            raise ValueError(f"{where}: the teacher takes {t_bb.in_channels} input channels but "
                             f"DISTILL.teacher_channels gives it {stop - start} (channels {start}..{stop - 1} "
                             f"of the student's {s_bb.in_channels}); set teacher_channels")
        self.channels = (start, stop)

    @paddle.no_grad()
    def teacher_logits(self, data: paddle.Tensor) -> paddle.Tensor:
        """Student input (N, C, T, V, M) -> teacher logits (N, K), no gradient."""
        start, stop = self.channels
        return self.teacher([data[:, start:stop]], mode="test")

    def train_step(self, student: nn.Layer, head: nn.Layer, data: paddle.Tensor,
                   label: paddle.Tensor) -> Dict[str, paddle.Tensor]:
        """Forward one training batch; the head's metrics dict with the distilled loss.

        ``student`` is the model as trained (possibly wrapped in paddle.DataParallel), ``head``
        its CTRGCNHead. Returns {'loss', 'loss_ce', 'loss_kd', 'top1', 'top5'}.
        """
        scores = student([data], mode="test")  # (N, K): training-mode forward, logits returned
        out = head.loss(scores, label)
        ce = out["loss"]
        kd = kd_loss(scores, self.teacher_logits(data), self.temperature)
        out.update(loss=(1.0 - self.weight) * ce + self.weight * kd, loss_ce=ce, loss_kd=kd)
        return out
