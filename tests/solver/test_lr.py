"""The warm-up + step schedule, stepped per iteration, needs no hand-patched num_iters."""
import pytest

from paddlevideo.solver import build_lr, build_optimizer

NTU = {"name": "CustomWarmupAdjustDecay", "step_base_lr": 0.1, "warmup_epochs": 5,
       "lr_decay_rate": 0.1, "boundaries": [35, 55]}


def curve(cfg, num_iters, epochs):
    sched = build_lr(cfg, num_iters=num_iters)
    out = []
    for _ in range(num_iters * epochs):
        out.append(sched.last_lr)
        sched.step()
    return out


def test_warmup_then_steps_per_iteration():
    lrs = curve(NTU, num_iters=4, epochs=65)
    at = lambda epoch, it=0: lrs[epoch * 4 + it]  # noqa: E731
    # integer epochs of the warm-up give the official CTR-GCN values base*(e+1)/5
    assert [round(at(e), 6) for e in range(5)] == [0.02, 0.04, 0.06, 0.08, 0.1]
    # within an epoch the ramp rises linearly and never overshoots the base LR
    assert at(0, 1) == pytest.approx(0.02 + 0.02 / 4)
    assert max(lrs) == pytest.approx(0.1)
    assert at(4, 3) == pytest.approx(0.1)
    assert at(34, 3) == pytest.approx(0.1)
    assert at(35) == pytest.approx(0.01)
    assert at(54, 3) == pytest.approx(0.01)
    assert at(55) == pytest.approx(0.001)
    assert at(64, 3) == pytest.approx(0.001)


def test_state_dict_restores_position():
    a = build_lr(NTU, num_iters=10)
    for _ in range(123):
        a.step()
    b = build_lr(NTU, num_iters=10)
    b.set_state_dict(a.state_dict())
    assert b.last_lr == a.last_lr
    a.step()
    b.step()
    assert b.last_lr == a.last_lr


def test_bad_boundaries_and_iters():
    with pytest.raises(ValueError, match="increasing"):
        build_lr(dict(NTU, boundaries=[55, 35]), num_iters=1)
    with pytest.raises(ValueError, match="num_iters"):
        build_lr(NTU, num_iters=0)


def test_momentum_nesterov_l2():
    import paddle
    layer = paddle.nn.Linear(2, 2)
    opt, lr = build_optimizer({"name": "Momentum", "momentum": 0.9, "use_nesterov": True,
                               "learning_rate": NTU, "weight_decay": {"name": "L2", "value": 1e-4},
                               "grad_clip": None},
                              layer.parameters(), num_iters=3)
    assert isinstance(opt, paddle.optimizer.Momentum)
    assert opt._use_nesterov
    assert opt.get_lr() == pytest.approx(0.02)
    # Paddle's Momentum folds an L2Decay into its fused update
    assert opt._regularization_method == "l2_decay"
    assert opt._regularization_coeff == pytest.approx(1e-4)
