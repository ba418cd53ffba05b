"""Class names of NTU RGB+D 60/120 and NW-UCLA (paddlevideo.loader.class_names)."""
import glob
import json
import os

import pytest

from conftest import shared_path
from paddlevideo.loader.class_names import class_names


def test_ntu120_extends_ntu60():
    ntu60, ntu120 = class_names("ntu60"), class_names("NTU120")
    assert len(ntu60) == 60 and len(ntu120) == 120 and ntu120[:60] == ntu60
    assert len(set(ntu120)) == 120
    assert (ntu60[0], ntu60[22], ntu60[49], ntu60[57], ntu60[59]) == (
        "drink water", "hand waving", "punching/slapping other person", "handshaking",
        "walking apart from each other")
    assert (ntu120[60], ntu120[119]) == (
        "put on headphone", "finger-guessing game (playing rock-paper-scissors)")


def test_nwucla_follows_the_json_labels():
    names = class_names("nw-ucla")
    assert names == class_names("nwucla") and len(names) == 10
    assert names[0] == "pick up with one hand" and names[1] == "pick up with two hands"
    assert names[6:8] == ["donning", "doffing"] and names[-1] == "carry"


def test_callers_get_their_own_list_and_unknown_names_are_errors():
    class_names("ntu60").append("x")
    assert len(class_names("ntu60")) == 60
    with pytest.raises(ValueError, match="known"):
        class_names("kinetics")


def test_nwucla_json_labels_follow_the_action_codes():
    folder = shared_path("data", "NW-UCLA", "all_sqe")
    codes = ["a01", "a02", "a03", "a04", "a05", "a06", "a08", "a09", "a11", "a12"]
    for label, code in enumerate(codes, start=1):
        path = sorted(glob.glob(os.path.join(folder, f"{code}_*.json")))[0]
        with open(path) as f:
            assert json.load(f)["label"] == label, path


def test_class_names_from_the_config_list_or_file(tmp_path, capsys):
    """INFERENCE.class_names (a list, or a file with one name per line) names the classes of a
    dataset the project does not know: --test writes them into per_class_accuracy.csv; a wrong
    count or a missing file is a config error naming the key."""
    from tests.test_main import main_module, tiny_config
    names_file = tmp_path / "classes.txt"
    names_file.write_text("wave\n\nclap\njump\n")
    cfg = tiny_config(str(tmp_path), epochs=1, INFERENCE={"class_names": str(names_file)})
    assert main_module.main(["-c", cfg]) == 0
    out = tmp_path / "test"
    assert main_module.main(["--test", "-c", cfg, "-w", str(tmp_path / "out" / "tiny_latest.pdparams"),
                             "--output", str(out)]) == 0
    table = (out / "per_class_accuracy.csv").read_text()
    assert "wave" in table and "clap" in table and "jump" in table
    capsys.readouterr()

    assert main_module.main(["--test", "-c", cfg, "-w", "x", "-o", "INFERENCE.class_names=[wave, clap]"]) == 2
    assert "INFERENCE.class_names: 2 names for MODEL.head.num_classes 3" in capsys.readouterr().err
    weights = str(tmp_path / "out" / "tiny_latest.pdparams")
    missing = f"INFERENCE.class_names={tmp_path}/nope.txt"
    assert main_module.main(["--test", "-c", cfg, "-w", weights, "-o", missing]) == 1
    assert f"class names file not found: {tmp_path}/nope.txt" in capsys.readouterr().err
