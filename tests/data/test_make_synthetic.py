"""data/ntu-rgb-d/make_synthetic.py: deterministic, format-true files with the motions it names."""
import importlib.util
import os

import numpy as np
import pytest

from conftest import ROOT
from paddlevideo.loader import ntu_raw

spec = importlib.util.spec_from_file_location(
    "make_synthetic", os.path.join(ROOT, "data", "ntu-rgb-d", "make_synthetic.py"))
make_synthetic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_synthetic)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_synthetic.make_synthetic(str(tmp_path_factory.mktemp("syn")), num_files=36, seed=0)


def test_same_seed_same_bytes_other_seed_other_bytes(files, tmp_path):
    again = make_synthetic.make_synthetic(str(tmp_path / "a"), num_files=8, seed=0)
    other = make_synthetic.make_synthetic(str(tmp_path / "b"), num_files=8, seed=1)
    read = lambda paths: [open(p, "rb").read() for p in paths]  # noqa: E731
    assert read(files[:8]) == read(again)
    assert [os.path.basename(p) for p in other] == [os.path.basename(p) for p in files[:8]]
    assert all(a != b for a, b in zip(read(files), read(other)))


def test_names_cover_both_splits_of_both_benchmarks(files):
    infos = [ntu_raw.parse_ntu_name(p) for p in files]
    assert len(set(files)) == len(files)
    for bench in ntu_raw.DATASETS["ntu60"].benchmarks:
        assert {bench.split_of(i) for i in infos} == {"train", "val"}, bench.name
    assert {i["action"] for i in infos} == set(make_synthetic.ACTIONS)


def test_every_file_prepares_and_two_person_actions_have_two_actors(files):
    for path in files:
        seq = ntu_raw.read_skeleton_file(path)
        data, report = ntu_raw.prepare_sequence(seq)
        action = ntu_raw.parse_ntu_name(path)["action"]
        assert 40 <= data.shape[1] < 90 and np.isfinite(data).all()
        assert report.num_actors == (2 if action in make_synthetic.TWO_PERSON else 1), path
        assert not report.removed_by_length and not report.removed_by_spread


def joints_of(files, action):
    path = next(p for p in files if ntu_raw.parse_ntu_name(p)["action"] == action)
    return next(iter(ntu_raw.read_skeleton_file(path).bodies.values())).joints


def test_actions_move_the_limbs_they_name(files):
    head, right_hand, right_foot, spine = 3, 11, 19, 0
    waving = joints_of(files, 23)
    assert (waving[:, right_hand, 1] > waving[:, head, 1]).all()  # hand above the head
    assert np.ptp(waving[:, right_hand, 0]) > 0.1  # swinging sideways
    kick = joints_of(files, 24)
    assert kick[:, right_foot, 2].min() < kick[0, right_foot, 2] - 0.3  # towards the camera
    jump = joints_of(files, 27)
    assert np.ptp(jump[:, spine, 1]) > 0.2
    clap = joints_of(files, 10)
    gap = np.linalg.norm(clap[:, 7] - clap[:, 11], axis=1)  # between the hands
    assert gap.min() < 0.15 < gap.max()


def test_bad_file_count_is_refused(tmp_path):
    with pytest.raises(ValueError, match="num_files"):
        make_synthetic.make_synthetic(str(tmp_path), num_files=0)
