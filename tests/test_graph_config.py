"""One skeleton graph per config: the GRAPH section, declarations that must agree, checks at load."""
import pytest
import yaml

from paddlevideo.config import ConfigError, get_config
from tests.test_main import main_module, tiny_config

CHAIN = [[j, j - 1] for j in range(1, 25)]  # 25 joints in a chain rooted at joint 0


def with_modalities(tmp_path, **extra):
    """The tiny config of tests/test_main.py whose training pipeline also concatenates joint + bone."""
    path = tiny_config(str(tmp_path), **extra)
    with open(path) as f:
        cfg = yaml.safe_load(f)
    cfg["PIPELINE"]["train"]["transform"] = [{"ConcatModalities": {"modalities": ["joint", "bone"]}}]
    cfg["MODEL"]["backbone"]["in_channels"] = 6
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def test_graph_section_is_given_to_the_backbone_and_every_step_that_takes_a_graph(tmp_path):
    path = with_modalities(tmp_path, GRAPH={"layout": "custom", "num_node": 25, "edges": CHAIN},
                           INFERENCE={"graph": "custom"})
    cfg = get_config(path, show=False)
    step = cfg["PIPELINE"]["train"]["transform"][0]["ConcatModalities"]
    for options in (cfg["MODEL"]["backbone"], step):
        assert options["graph"] == "custom" and options["graph_args"]["edges"] == CHAIN
    assert main_module.main(["-c", path, "--max_iters", "1"]) == 0  # trains with it


@pytest.mark.parametrize("extra, override, message", [
    ({"GRAPH": {"layout": "custom", "num_node": 25, "edges": CHAIN}},
     "MODEL.backbone.graph=ntu_rgb_d",
     "MODEL.backbone: declares graph 'ntu_rgb_d' but GRAPH is 'custom' with"),
    ({}, "PIPELINE.train.transform.0.ConcatModalities.graph=nw_ucla",
     "PIPELINE.train.transform[0].ConcatModalities: graph 'nw_ucla' differs from MODEL.backbone's 'ntu_rgb_d'"),
    ({"GRAPH": {"layout": "custom", "num_node": 25, "edges": [[j - 1, j] for j in range(1, 25)], "center": 0}},
     None,
     "GRAPH: graph_args.center 0 is not the root"),
    ({"GRAPH": {"layout": "custom", "num_node": 25, "edges": CHAIN + [[3, 1]]}}, None,
     "GRAPH: graph_args.edges[24] = [3, 1]: joint 3 already has parent 2"),
    ({"GRAPH": {"layout": "nw_ucla"}}, None, "MODEL.backbone.num_point: 25, but the graph 'nw_ucla' has 20 joints"),
    ({"INFERENCE": {"graph": "nw_ucla"}}, None, "INFERENCE.graph: 'nw_ucla', but the model's graph is 'ntu_rgb_d'"),
    ({"GRAPH": {"layout": "custom", "num_node": 25, "edges": CHAIN, "joint_names": ["head"]}}, None,
     "GRAPH.joint_names: 1 names for 25 joints"),
])
def test_graph_mistakes_are_config_errors_naming_the_key(tmp_path, capsys, extra, override, message):
    path = with_modalities(tmp_path, **extra)
    args = ["-c", path] + (["-o", override] if override else [])
    if "num_point" in message:
        args += ["-o", "MODEL.backbone.num_point=25"]
    assert main_module.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and path in err


def test_reversed_pairs_are_refused_at_load(tmp_path):
    path = tiny_config(str(tmp_path), GRAPH={"layout": "custom", "num_node": 25,
                                             "edges": [[0, j] for j in range(1, 25)]})
    with pytest.raises(ConfigError, match="joint 0 already has parent 1"):
        get_config(path, show=False)


def test_the_backbone_default_num_point_is_checked_against_the_graph(tmp_path):
    # no num_point in the config: the backbone's default (25) meets the 20 joints of nw_ucla
    path = tiny_config(str(tmp_path), GRAPH={"layout": "nw_ucla"})
    with pytest.raises(ConfigError, match="MODEL.backbone.num_point: 25, but the graph 'nw_ucla' has 20 joints"):
        get_config(path, show=False)
