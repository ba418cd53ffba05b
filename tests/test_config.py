"""get_config: PaddleVideo's entry point, with overrides and strict validation."""
import os

import pytest

from paddlevideo.config import ConfigError, get_config
from tests.conftest import ROOT

LIGHT = os.path.join(ROOT, "configs/recognition/ctrgcn/ctrgcn_light_ntucs_joint.yaml")
CONFIGS = sorted(os.path.join(ROOT, "configs/recognition/ctrgcn", f)
                 for f in os.listdir(os.path.join(ROOT, "configs/recognition/ctrgcn")))


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_every_shipped_config_validates(path):
    cfg = get_config(path, show=False)
    assert cfg.MODEL.framework == "RecognizerGCN"


def test_attribute_access_and_overrides():
    cfg = get_config(LIGHT, overrides=["DATASET.batch_size=8", "OPTIMIZER.learning_rate.boundaries=[10, 20]",
                                       "PIPELINE.train.sample.0.SkeletonCropSample.window_size=32"], show=False)
    assert cfg.DATASET.batch_size == 8
    assert cfg.OPTIMIZER.learning_rate.boundaries == [10, 20]
    assert cfg.PIPELINE.train.sample[0].SkeletonCropSample.window_size == 32
    assert cfg.MODEL.backbone.name == "CTRGCN_light" and cfg.model_name == "CTRGCN_light_joint"


def test_misspelled_boolean_in_a_pipeline_names_key_and_file(tmp_path):
    text = open(LIGHT).read().replace("bone: False", "bone: Fasle", 1)
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        get_config(str(path), show=False)
    msg = str(e.value)
    assert str(path) in msg
    assert "PIPELINE.train.transform[1].SkeletonModalityTransform.bone: expected bool" in msg
    assert "'Fasle'" in msg


def test_unknown_registry_names_list_what_exists():
    with pytest.raises(ConfigError, match="unknown pipeline 'SkeletonCropSampel'; registered pipelines: .*"
                                          "SkeletonCropSample"):
        get_config(LIGHT, overrides=["PIPELINE.train.sample.0={SkeletonCropSampel: {window_size: 64}}"],
                   show=False)
    with pytest.raises(ConfigError, match="unknown dataset 'NTUDataset'; registered datasets: .*SkeletonDataset"):
        get_config(LIGHT, overrides=["DATASET.train.format=NTUDataset"], show=False)
    with pytest.raises(ConfigError, match="unknown lr scheduler 'Warmup'; registered lr schedulers: "
                                          "CosineWarmup, CustomWarmupAdjustDecay"):
        get_config(LIGHT, overrides=["OPTIMIZER.learning_rate.name=Warmup"], show=False)


def test_framework_injected_keys_are_not_config_keys():
    with pytest.raises(ConfigError, match="DATASET.train: unknown key 'pipeline'"):
        get_config(LIGHT, overrides=["DATASET.train.pipeline=[]"], show=False)
    with pytest.raises(ConfigError, match="missing required key"):
        get_config(LIGHT, overrides=["OPTIMIZER.learning_rate={name: CustomWarmupAdjustDecay}"], show=False)


def test_bad_override_syntax_and_yaml(tmp_path):
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        get_config(LIGHT, overrides=["DATASET.batch_size"], show=False)
    with pytest.raises(ConfigError, match="not an index"):
        get_config(LIGHT, overrides=["PIPELINE.train.sample.9.x=1"], show=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("MODEL: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        get_config(str(bad), show=False)
