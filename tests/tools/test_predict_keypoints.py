"""tools/predict.py on 2-D keypoint .json files, told apart from NW-UCLA .json by their content."""
import json
import os

import numpy as np
import paddle
import pytest

from conftest import ROOT, load_synthetic_keypoints, load_tool
from paddlevideo.inference import InputError, InputPreparer, load_eval_model
from paddlevideo.loader import build_dataset
from paddlevideo.config import get_config

synthetic = load_synthetic_keypoints()

CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")
TINY = ["MODEL.backbone.base_channel=8", "MODEL.backbone.blocks=[[1,1,true],[4,2,false]]", "MODEL.head.in_channels=8",
        "model_name=TinyKeypoints"]



@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("clips"))
    synthetic.write_synthetic_keypoint_set(folder, per_class=4, num_frames=30, num_persons=3)
    return folder


def config_overrides(folder):
    return TINY + [f"DATASET.test.file_path={folder}", f"DATASET.test.label_path={folder}/val.csv"]


def test_keypoint_json_is_prepared_like_the_test_set(clips):
    cfg = get_config(os.path.join(CONFIGS, "ctrgcn_light_coco17_keypoints.yaml"), config_overrides(clips), show=False)
    dataset = build_dataset(cfg["DATASET"]["test"], cfg["PIPELINE"]["test"])
    sample, = InputPreparer(cfg)(os.path.join(clips, dataset.names[2] + ".json"))
    data, label = dataset[2]
    assert sample.data.shape == (3, 64, 17, 2) and sample.label == int(label) == 2  # 3 persons -> model's 2
    np.testing.assert_array_equal(sample.data, data)


def test_ucla_json_still_reads_as_ucla(tmp_path):
    skeletons = np.random.RandomState(0).uniform(-1, 1, (30, 20, 3)).round(4).tolist()
    path = tmp_path / "a04_s01_e00_v03.json"
    path.write_text(json.dumps({"file_name": "a04_s01_e00_v03", "skeletons": skeletons, "label": 4}))
    cfg = get_config(os.path.join(CONFIGS, "ctrgcn_light_ucla_joint.yaml"), show=False)
    sample, = InputPreparer(cfg)(str(path))
    assert sample.data.shape == (3, 52, 20, 1) and sample.label == 3
    path.write_text(json.dumps({"keypoints": [[[[1, 2, 0.5]] * 16]], "image_size": [10, 10]}))
    with pytest.raises(InputError, match=r"a04_s01_e00_v03.json: keypoints\[0\]\[0\]: expected 17 keypoints"):
        InputPreparer(get_config(os.path.join(CONFIGS, "ctrgcn_light_coco17_keypoints.yaml"), TINY,
                                 show=False))(str(path))


def test_predict_keypoint_file_end_to_end(clips, tmp_path, capsys):
    config = os.path.join(CONFIGS, "ctrgcn_light_coco17_keypoints.yaml")
    cfg = get_config(config, config_overrides(clips), show=False)
    paddle.seed(5)
    weights = str(tmp_path / "w.pdparams")
    model = load_eval_model(cfg, None)
    paddle.save(model.state_dict(), weights)
    overrides = sum((["--override", o] for o in TINY), [])
    assert load_tool("export_model").main(["-c", config, "-p", weights, "-o", str(tmp_path / "inf")] + overrides) == 0
    clip = tmp_path / "clip.json"
    clip.write_text(json.dumps(synthetic.synthetic_keypoints(0, num_frames=25, num_persons=2, seed=11)))
    capsys.readouterr()
    code = load_tool("predict").main(["-c", config, "-i", str(clip), "--model_file",
                                      str(tmp_path / "inf" / "TinyKeypoints.json"), "--enable_mkldnn=False",
                                      "--top_k", "3"] + sum((["-o", o] for o in TINY), []))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "true class (from the file): 0" in out
    sample, = InputPreparer(cfg)(str(clip))
    with paddle.no_grad():
        logits = model([paddle.to_tensor(sample.data[None])], mode="infer").numpy()[0]
    top1 = int(next(line for line in out.splitlines() if "top-1 class:" in line).split(":")[1])
    assert top1 == int(np.argmax(logits))
