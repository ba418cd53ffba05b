"""main.py's CPU data-parallel training (paddlevideo/tasks/cpu_parallel.py, tasks/sync_bn.py): the
processes share each batch and normalise over all of it, so they compute what one process computes."""
import os

import numpy as np
import paddle
import pytest

from paddlevideo.tasks.cpu_parallel import plan
from tests.test_main import losses_of, run_main, tiny_config, train_log_lines


@pytest.mark.parametrize("requested, cores, batch, user_threads, expected", [
    (0, 2, 16, None, (2, 1)),   # the default: one process per core, one math thread each
    (0, 4, 16, 2, (2, 2)),      # OMP_NUM_THREADS=2 on 4 cores: 2 processes of 2 threads
    (0, 2, 16, 2, (1, 2)),      # OMP_NUM_THREADS=2 on 2 cores: one process, as before
    (0, 1, 16, None, (1, 1)),
    (1, 8, 16, None, (1, 1)),   # cpu_processes: 1 keeps one process
    (3, 2, 16, None, (2, 1)),   # 3 do not divide 16: lowered to 2
    (0, 2, 15, None, (1, 1)),   # an odd batch stays in one process
])
def test_plan(requested, cores, batch, user_threads, expected):
    procs, threads, why = plan(requested, cores, batch, user_threads, system="linux")
    assert (procs, threads) == expected
    assert f"{procs} process(es) x {threads} math thread(s) on {cores} core(s)" in why
    wanted = requested or max(1, cores // (user_threads or 1))
    assert (f"{wanted} do not divide DATASET.batch_size {batch}" in why) == (wanted != procs)


@pytest.mark.parametrize("system", ["win32", "darwin"])
def test_off_linux_training_stays_in_one_process_with_every_core(system):
    assert plan(0, 4, 16, None, system=system) == (1, 4, f"one process: data-parallel CPU processes need Linux, "
                                                          f"not {system}")


def deterministic_config(folder, epochs):
    """tiny_config with a crop that draws no random number: both runs see the same data."""
    crop = {"sample": [{"SkeletonCropSample": {"window_size": 12, "p_interval": [1.0]}}]}
    return tiny_config(folder, epochs=epochs, PIPELINE={"train": crop, "valid": crop, "test": crop})


def weights(path):
    return {k: np.asarray(v) for k, v in paddle.load(str(path)).items()}


@pytest.mark.slow
def test_two_cpu_processes_compute_what_one_process_computes_and_stop_and_resume_together(tmp_path):
    cfg = deterministic_config(str(tmp_path), epochs=3)
    one, two, part = tmp_path / "one", tmp_path / "two", tmp_path / "part"
    common = ["--validate", "-c", cfg, "--seed", "4"]
    r = run_main(*common, "-o", f"output_dir={one}")
    assert r.returncode == 0, r.stderr[-2000:]
    r = run_main(*common, "-o", f"output_dir={two}", "-o", "cpu_processes=2")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "CPU training: 2 process(es) x 1 math thread(s) on" in r.stdout
    said = "".join(train_log_lines(str(two), "CPU processes share"))
    assert "2 CPU processes share each batch of 4 (2 each)" in said and "batch-norm layers use the whole batch" in said

    # the logged loss of every step is the whole batch's: the same as one process's
    np.testing.assert_allclose(np.float64(losses_of(str(two))), np.float64(losses_of(str(one))), rtol=2e-4, atol=2e-5)
    a, b = weights(one / "tiny_latest.pdparams"), weights(two / "tiny_latest.pdparams")
    assert set(a) == set(b) and any(k.endswith("_variance") for k in a)
    for k in a:  # trainable weights and the batch-norm running statistics
        np.testing.assert_allclose(b[k], a[k], rtol=1e-3, atol=1e-5, err_msg=k)
    assert "".join(train_log_lines(str(two), "[valid] epoch 3")) != ""

    # STOP ends every process after the epoch; --resume continues them as one run
    part.mkdir()
    (part / "STOP").touch()
    r = run_main(*common, "-o", f"output_dir={part}", "-o", "cpu_processes=2")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "stopped after epoch 1/3" in "".join(train_log_lines(str(part), "STOP"))
    r = run_main(*common, "-o", f"output_dir={part}", "-o", "cpu_processes=2", "--resume")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "continuing at epoch 2/3" in "".join(train_log_lines(str(part), "resumed from"))
    c = weights(part / "tiny_latest.pdparams")
    for k in b:
        np.testing.assert_allclose(c[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.slow
def test_a_failing_process_ends_the_run_with_its_error(tmp_path):
    cfg = tiny_config(str(tmp_path))
    r = run_main("-c", cfg, "-o", "cpu_processes=2", "-w", str(tmp_path / "missing.pdparams"))
    assert r.returncode == 1 and "weights not found" in r.stderr
    assert not os.path.exists(tmp_path / "out")


WORKER = """
import sys
import numpy as np
from paddlevideo.tasks.cpu_parallel import SharedSum
rank, procs, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = SharedSum(name, rank, procs)
out = [s(np.arange(n, dtype=np.float64) * (rank + 1) + 0.1 * k) for k, n in enumerate([3, 5, 1, 300] * 50)]
np.save(sys.argv[4], np.concatenate(out))
s.close()
"""


def test_shared_sum_gives_every_process_the_same_exact_sums(tmp_path):
    """SharedSum (cpu_parallel.py), what synchronised batch norm uses between main.py's processes:
    200 sums of vectors of several lengths in three processes, against numpy."""
    import subprocess
    import sys
    from multiprocessing import shared_memory

    from paddlevideo.tasks.cpu_parallel import SharedSum
    procs = 3
    shm = shared_memory.SharedMemory(create=True, size=SharedSum.size(procs))
    try:
        shm.buf[:SharedSum.size(procs)] = bytes(SharedSum.size(procs))
        script = tmp_path / "worker.py"
        script.write_text(WORKER)
        runs = [subprocess.Popen([sys.executable, str(script), str(r), str(procs), shm.name,
                                  str(tmp_path / f"{r}.npy")]) for r in range(procs)]
        assert [p.wait(timeout=120) for p in runs] == [0] * procs
    finally:
        shm.close()
        shm.unlink()
    got = [np.load(tmp_path / f"{r}.npy") for r in range(procs)]
    expected = np.concatenate([sum(np.arange(n, dtype=np.float64) * (r + 1) + 0.1 * k for r in range(procs))
                               for k, n in enumerate([3, 5, 1, 300] * 50)])
    for r in range(procs):
        np.testing.assert_array_equal(got[r], got[0])
    np.testing.assert_allclose(got[0], expected, rtol=1e-12)


BN_WORKER = """
import sys
import numpy as np
import paddle
import paddle.nn as nn
from paddlevideo.tasks.sync_bn import sync_batch_norm
rank, first, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
data = np.load(sys.argv[4])
rows = slice(0, first) if rank == 0 else slice(first, None)
results = {}
for name, cls, x in [("2d", nn.BatchNorm2D, data["x2"]), ("1d", nn.BatchNorm1D, data["x1"])]:
    channels = x.shape[1]
    layer = cls(channels, momentum=0.8)
    layer.weight.set_value(np.linspace(0.5, 2, channels).astype("float32"))
    layer.bias.set_value(np.linspace(-1, 1, channels).astype("float32"))
    assert sync_batch_norm(layer) == 1
    layer.train()
    xt = paddle.to_tensor(x[rows], stop_gradient=False)
    for step in range(2):  # the second step starts from running statistics the first one updated
        y = layer(xt)
        (y * paddle.to_tensor(data["dy_" + name][rows])).sum().backward()
    results.update({name + "_y": y.numpy(), name + "_dx": xt.grad.numpy(), name + "_dw": layer.weight.grad.numpy(),
                    name + "_db": layer.bias.grad.numpy(), name + "_mean": layer._mean.numpy(),
                    name + "_var": layer._variance.numpy()})
np.savez(out, **results)
"""


@pytest.mark.parametrize("first", [4, 3])  # an even and an uneven split of a batch of 8
def test_synced_batch_norm_over_two_processes_computes_the_whole_batch_norm(tmp_path, first):
    """sync_bn.py through main.py's shared memory (cpu_parallel.SharedSum.gather): two processes
    holding parts of one batch get the output, input gradient and running statistics of Paddle's
    batch norm over the whole batch, and weight / bias gradients that add up to its; both
    processes keep bit-identical running statistics. Inputs far from zero mean (no cancellation)."""
    import subprocess
    import sys

    import paddle.nn as nn

    from paddlevideo.tasks.cpu_parallel import process_envs, shared_block
    rng = np.random.RandomState(first)
    data = {"x2": rng.randn(8, 5, 6, 4).astype("float32") * 3 + 20, "x1": rng.randn(8, 7, 9).astype("float32") - 4}
    data.update(dy_2d=rng.randn(8, 5, 6, 4).astype("float32"), dy_1d=rng.randn(8, 7, 9).astype("float32"))
    np.savez(tmp_path / "data.npz", **data)
    script = tmp_path / "worker.py"
    script.write_text(BN_WORKER)
    shm = shared_block(2)
    if shm is None:
        pytest.skip("SharedSum needs x86 (elsewhere main.py's processes use gloo)")
    try:
        runs = [subprocess.Popen([sys.executable, str(script), str(rank), str(first), str(tmp_path / f"{rank}.npz"),
                                  str(tmp_path / "data.npz")], env=dict(os.environ, **env))
                for rank, env in enumerate(process_envs(2, 1, shm))]
        assert [p.wait(timeout=300) for p in runs] == [0, 0]
    finally:
        shm.close()
        shm.unlink()
    got = [np.load(tmp_path / f"{rank}.npz") for rank in range(2)]
    for name, cls, x in [("2d", nn.BatchNorm2D, data["x2"]), ("1d", nn.BatchNorm1D, data["x1"])]:
        channels = x.shape[1]
        layer = cls(channels, momentum=0.8)
        layer.weight.set_value(np.linspace(0.5, 2, channels).astype("float32"))
        layer.bias.set_value(np.linspace(-1, 1, channels).astype("float32"))
        layer.train()
        xt = paddle.to_tensor(x, stop_gradient=False)
        for step in range(2):
            y = layer(xt)
            (y * paddle.to_tensor(data["dy_" + name])).sum().backward()
        whole = {"y": y.numpy(), "dx": xt.grad.numpy()}
        for key in ("y", "dx"):
            both = np.concatenate([got[0][f"{name}_{key}"], got[1][f"{name}_{key}"]])
            np.testing.assert_allclose(both, whole[key], rtol=1e-4, atol=1e-5, err_msg=f"{name} {key}")
        for key, ref in (("dw", layer.weight.grad), ("db", layer.bias.grad)):
            np.testing.assert_allclose(got[0][f"{name}_{key}"] + got[1][f"{name}_{key}"], ref.numpy(),
                                       rtol=1e-4, atol=1e-4, err_msg=f"{name} {key}")
        for key, ref in (("mean", layer._mean), ("var", layer._variance)):
            np.testing.assert_array_equal(got[0][f"{name}_{key}"], got[1][f"{name}_{key}"])
            np.testing.assert_allclose(got[0][f"{name}_{key}"], ref.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} {key}")
