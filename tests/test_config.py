"""get_config: PaddleVideo's entry point, with overrides and strict validation."""
import os

import pytest
import yaml

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


# ----------------------------------------------------------------------------- the schema

UCLA = os.path.join(ROOT, "configs/recognition/ctrgcn/ctrgcn_light_ucla_joint.yaml")


def minimal_config(tmp_path, **extra):
    """A config with only the required keys (plus ``extra``)."""
    cfg = {"model_name": "minimal",
           "MODEL": {"framework": "RecognizerGCN", "backbone": {"name": "CTRGCN_light"},
                     "head": {"name": "CTRGCNHead", "num_classes": 60}}}
    cfg.update(extra)
    path = tmp_path / "minimal.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def test_defaults_are_written_once_at_load(tmp_path):
    cfg = get_config(minimal_config(tmp_path, DATASET={"batch_size": 8}), show=False)
    assert cfg.epochs == 1 and cfg.log_interval == 10 and cfg.save_interval == 10 and cfg.val_interval == 1
    assert cfg.output_dir == os.path.join("output", "minimal")
    assert cfg.log_level == "INFO" and cfg.fast_cpu is True
    # test_batch_size follows batch_size, valid_batch_size follows test_batch_size
    assert dict(cfg.DATASET) == {"batch_size": 8, "num_workers": 0, "test_batch_size": 8,
                                 "test_num_workers": 0, "valid_batch_size": 8}
    assert dict(cfg.OPTIMIZER) == {"name": "Momentum", "momentum": 0.9, "use_nesterov": False,
                                   "learning_rate": 0.1, "weight_decay": None, "grad_clip": None}
    assert cfg.METRIC == {"name": "SkeletonMetric"}
    assert cfg.PIPELINE == {}


def test_optimizer_defaults_depend_on_the_optimizer(tmp_path):
    adamw = get_config(minimal_config(tmp_path, OPTIMIZER={"name": "AdamW"}), show=False).OPTIMIZER
    assert adamw == {"name": "AdamW", "learning_rate": 0.1, "weight_decay": 0.01, "grad_clip": None}
    decay = get_config(minimal_config(tmp_path, OPTIMIZER={"weight_decay": {"value": 1e-4}}), show=False)
    assert decay.OPTIMIZER.weight_decay == {"name": "L2", "value": 1e-4}


def every_key(schema, prefix=""):
    for key, spec in schema.items():
        yield prefix + key, spec
        if spec.fields is not None:
            yield from every_key(spec.fields, f"{prefix}{key}.")


def test_every_schema_key_names_its_reader_and_has_a_default_of_its_type():
    from paddlevideo.config import _matches
    from paddlevideo.config_schema import OPTIONAL, REQUIRED, TOP_LEVEL

    for where, spec in every_key(TOP_LEVEL):
        assert spec.reader, f"{where} names no reader"
        if spec.default not in (OPTIONAL, REQUIRED) and not callable(spec.default):
            assert _matches(spec.default, spec.type), where
            assert not spec.choices or spec.default in spec.choices, where


@pytest.mark.parametrize("override, message", [
    ("epochs=0", "epochs: expected a value >= 1, got 0"),
    ("DATASET.num_workers=-1", "DATASET.num_workers: expected a value >= 0, got -1"),
    ("DATASET.valid_batch_size=0", "DATASET.valid_batch_size: expected a value >= 1"),
    ("log_level=LOUD", "log_level: 'LOUD' is not one of: DEBUG, INFO, WARNING, ERROR"),
    ("OPTIMIZER.name=Adam", "OPTIMIZER.momentum: read only when OPTIMIZER.name is Momentum, not 'Adam'"),
    ("OPTIMIZER.grad_clip={name: ClipGradByNorm, value: 1.0}",
     "OPTIMIZER.grad_clip.name: 'ClipGradByNorm' is not one of: ClipGradByGlobalNorm"),
    ("OPTIMIZER.grad_clip={value: 1.0, norm: 2}",
     "OPTIMIZER.grad_clip: unknown key 'norm'; accepted keys: name, value"),
    ("OPTIMIZER.weight_decay={name: L2}", "OPTIMIZER.weight_decay: missing required key 'value'"),
    ("INFERENCE.modalty=joint", "INFERENCE: unknown key 'modalty'; accepted keys: class_names, dataset, graph,"),
    ("INFERENCE.name=ppTSM_Inference_helper", "INFERENCE.name: 'ppTSM_Inference_helper' is not one of: "
                                              "SkeletonInference"),
    ("INFERENCE.graph=not_a_graph",
     "INFERENCE.graph: unknown graph 'not_a_graph'; known graphs: coco17, ntu_rgb_d, nw_ucla, custom"),
    ("INFERENCE.vertex_nums=17", "INFERENCE.vertex_nums: 17, but MODEL.backbone.num_point is 25"),
    ("INFERENCE.person_nums=1", "INFERENCE.person_nums: 1, but MODEL.backbone.num_person is 2"),
    ("INFERENCE.num_channels=9", "INFERENCE.num_channels: 9, but MODEL.backbone.in_channels is 3"),
    ("INFERENCE.window_size=100", "INFERENCE.window_size: 100, but the window_size of PIPELINE.test is 64"),
    ("INFERENCE.p_interval=[0.9]", "INFERENCE.p_interval: [0.9], but the p_interval of PIPELINE.test is [0.95]"),
    ("INFERENCE.modality=bone", "INFERENCE.modality: 'bone', but the modality PIPELINE.test makes is 'joint'"),
    ("log_levle=INFO", "unknown top-level key 'log_levle'; accepted keys: DATASET, DISTILL, GRAPH"),
])
def test_values_out_of_range_and_keys_nothing_reads_are_errors(override, message):
    with pytest.raises(ConfigError) as e:
        get_config(LIGHT, overrides=[override], show=False)
    assert message in str(e.value) and LIGHT in str(e.value)


def test_inference_keys_a_pipeline_does_not_set_are_errors():
    with pytest.raises(ConfigError, match=r"INFERENCE.p_interval: \[0.95\], but no step of PIPELINE.test sets it"):
        get_config(UCLA, overrides=["INFERENCE.p_interval=[0.95]"], show=False)


def test_inference_input_is_derived_from_the_model_and_the_test_pipeline(tmp_path):
    crop = {"sample": [{"SkeletonCropSample": {"window_size": 48, "p_interval": [0.95]}}]}
    cfg = get_config(minimal_config(tmp_path, PIPELINE={"test": crop}), show=False)
    assert cfg.INFERENCE == {"num_channels": 3, "vertex_nums": 25, "person_nums": 2, "window_size": 48}
    from paddlevideo.inference import input_shape
    assert input_shape(cfg) == (3, 48, 25, 2)
    # PaddleVideo's helper name and our keys, when they agree, are accepted
    ok = get_config(minimal_config(tmp_path, PIPELINE={"test": crop},
                                   INFERENCE={"name": "STGCN_Inference_helper", "window_size": 48,
                                              "p_interval": [0.95], "modality": "joint", "graph": "ntu-rgb-d"}),
                    show=False)
    assert ok.INFERENCE.vertex_nums == 25


def test_adamw_decay_is_l2_only(tmp_path):
    path = minimal_config(tmp_path, OPTIMIZER={"name": "AdamW", "weight_decay": {"name": "L1", "value": 1e-4}})
    with pytest.raises(ConfigError, match="AdamW's decay is decoupled L2; L1 is not available"):
        get_config(path, show=False)


def test_grad_clip_in_paddlevideo_form_builds_a_global_norm_clip():
    import paddle
    from paddlevideo.solver import build_optimizer

    cfg = get_config(LIGHT, overrides=["OPTIMIZER.grad_clip={name: ClipGradByGlobalNorm, value: 40.0}"], show=False)
    opt, _ = build_optimizer(cfg.OPTIMIZER, paddle.nn.Linear(2, 2).parameters(), 10)
    assert isinstance(opt._grad_clip, paddle.nn.ClipGradByGlobalNorm) and opt._grad_clip.clip_norm == 40.0


def test_no_empty_loss_registry_is_exported():
    import paddlevideo.modeling
    from paddlevideo.modeling import registry

    assert not hasattr(paddlevideo.modeling, "LOSSES") and not hasattr(registry, "LOSSES")
