#!/usr/bin/env bash
# Prepare data (and, for whole_infer, weights) for a TIPC run:
#     bash test_tipc/prepare.sh test_tipc/configs/CTRGCN_light_joint/train_infer_python.txt MODE
# MODE: lite_train_lite_infer | lite_train_whole_infer | whole_infer | whole_train_whole_infer
#
# Data: raw NTU RGB+D .skeleton files go through the project's real preparation
# (data/ntu-rgb-d/prepare_ntu.py). The raw files are ../shared/data/ntu60_samples when that
# folder exists (real recordings; TIPC_SYNTHETIC=1 forces synthetic data), otherwise
# deterministic synthetic ones written by data/ntu-rgb-d/make_synthetic.py. Lite training
# modes prepare the first 12 files only (a few iterations and a quick evaluation). Results:
#   test_tipc/data/ntu_lite/{train,val}_{data.npy,label.pkl}   the xsub split (val = train
#                                                             when the xsub val split is empty)
#   test_tipc/data/ntu_lite/skeletons                        the raw files (whole-infer input)
#   test_tipc/data/example_NTU-RGB-D_sketeton.npy            one prepared sample padded to
#                                                             300 frames, PaddleVideo's example format
#   test_tipc/data/ntu_lite/SOURCE.txt                        what was used, for the chain's summary
# (TIPC_WORKDIR=DIR puts test_tipc/data under DIR/data instead; see common_func.sh.)
# whole_infer also needs weights at the config's infer_model path: $TIPC_WEIGHTS if set, else
# output/<model>/<model>_best.pdparams of a training run in this repo, else (CTRGCN_joint) the
# PaddleVideo-format fixture of ../shared, else seeded random weights (stated in SOURCE.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
source test_tipc/common_func.sh

FILENAME=$1
MODE=$2
case "$MODE" in
    lite_train_lite_infer|lite_train_whole_infer|whole_infer|whole_train_whole_infer) ;;
    *) echo "prepare.sh: unknown mode '$MODE'" >&2; exit 2 ;;
esac
tipc_lock exclusive
func_read_config "$FILENAME"
model_name=$(func_parser_value "${lines[1]}")
python=$(func_parser_value "${lines[2]}")
train_config=$(echo "$(func_parser_value "${lines[15]}")" | sed -n 's/.* -c \([^ ]*\).*/\1/p')

DATA=$TIPC_DATA
LITE=$DATA/ntu_lite
SHARED_RAW=../shared/data/ntu60_samples/nturgb+d_skeletons
rm -rf "$LITE"
mkdir -p "$LITE"
limit=""
[[ "$MODE" == lite_train_* ]] && limit="--limit 12"
note() { echo "$*" | tee -a "$LITE/SOURCE.txt"; }

if [[ -d "$SHARED_RAW" && "${TIPC_SYNTHETIC:-0}" != "1" ]]; then
    raw=$(cd "$SHARED_RAW" && pwd)
    note "data: real NTU RGB+D 60 samples ($SHARED_RAW, $(ls "$raw" | wc -l) .skeleton files)"
else
    raw=$DATA/ntu_raw_synthetic
    rm -rf "$raw"
    $python data/ntu-rgb-d/make_synthetic.py --out-dir "$raw" --num-files 24 --seed 0 > /dev/null
    raw=$(cd "$raw" && pwd)
    note "data: 24 synthetic NTU .skeleton files (data/ntu-rgb-d/make_synthetic.py --seed 0)"
fi
ln -s "$raw" "$LITE/skeletons"

$python data/ntu-rgb-d/prepare_ntu.py --skeletons-dir "$raw" --out-dir "$LITE/prepared" \
    --num-workers 0 --no-progress $limit > "$LITE/prepare_ntu.out"
cat "$LITE/prepare_ntu.out"
[[ -n "$limit" ]] && note "prepared: the first 12 files by name (prepare_ntu.py $limit)"

# xsub split; an empty val split (all files of one performer) falls back to train.
$python - "$LITE" <<'PY' | tee -a "$LITE/SOURCE.txt"
import os, shutil, sys
import numpy as np
lite = sys.argv[1]
xsub = os.path.join(lite, "prepared", "xsub")
count = {s: len(np.load(os.path.join(xsub, f"{s}_data.npy"), mmap_mode="r")) for s in ("train", "val")}
val = "val" if count["val"] else "train"
for split, source in (("train", "train"), ("val", val)):
    for kind in ("data.npy", "label.pkl"):
        shutil.copyfile(os.path.join(xsub, f"{source}_{kind}"), os.path.join(lite, f"{split}_{kind}"))
print(f"split: xsub train {count['train']} samples, xsub val {count['val']} samples"
      + ("" if count["val"] else "; the val split is empty, so evaluation and the example use the train split"))
sample = np.load(os.path.join(lite, "val_data.npy"), mmap_mode="r")[0]
example = np.zeros((3, max(300, sample.shape[1]), 25, 2), dtype=np.float32)
example[:, :sample.shape[1]] = sample
np.save(os.path.join(os.path.dirname(lite), "example_NTU-RGB-D_sketeton.npy"), example)
print(f"example: {os.path.join(os.path.dirname(lite), 'example_NTU-RGB-D_sketeton.npy')} = first {val} sample, "
      f"shape {example.shape}")
PY

if [[ "$MODE" == "whole_infer" ]]; then
    weights=$(func_parser_value "${lines[36]}")
    mkdir -p "$(dirname "$weights")"
    rm -f "$weights"
    trained=output/$model_name/${model_name}_best.pdparams
    fixture=../shared/fixtures/ctrgcn_paddlevideo_parity.pdparams
    if [[ -n "${TIPC_WEIGHTS:-}" ]]; then
        cp "$TIPC_WEIGHTS" "$weights"
        note "weights: $TIPC_WEIGHTS (TIPC_WEIGHTS)"
    elif [[ -f "$trained" ]]; then
        cp "$trained" "$weights"
        note "weights: $trained (a training run of this repository)"
    elif [[ "$model_name" == "CTRGCN_joint" && -f "$fixture" ]]; then
        ln -s "$(cd "$(dirname "$fixture")" && pwd)/$(basename "$fixture")" "$weights"
        note "weights: $fixture (PaddleVideo-format CTRGCN checkpoint with random values: tests export and inference, not accuracy)"
    else
        $python - "$train_config" "$weights" <<'PY'
import sys
import paddle
from paddlevideo.modeling.builder import build_model
from paddlevideo.utils import get_config
paddle.seed(1234)
paddle.save(build_model(get_config(sys.argv[1], show=False)["MODEL"]).state_dict(), sys.argv[2])
PY
        note "weights: seeded random weights (no trained weights found; set TIPC_WEIGHTS=path): tests export and inference, not accuracy"
    fi
fi
echo "prepare.sh: $model_name $MODE ready"
