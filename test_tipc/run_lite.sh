#!/usr/bin/env bash
# One command for the TIPC lite chain: prepare the lite data, then train (2 iterations),
# evaluate, export and run inference over the CPU matrix, ending with a summary.
#     bash test_tipc/run_lite.sh [MODEL]      MODEL: CTRGCN_light_joint (default) or CTRGCN_joint
# Exit status 0 when every step succeeded. Outputs: test_tipc/output/MODEL/lite_train_lite_infer/
# (with TIPC_WORKDIR=DIR, data and outputs go to DIR/data and DIR/output instead).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-CTRGCN_light_joint}
config=test_tipc/configs/$model/train_infer_python.txt
if [[ ! -f "$config" ]]; then
    echo "run_lite.sh: no TIPC config for '$model' ($config); available: $(ls test_tipc/configs | tr '\n' ' ')" >&2
    exit 2
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
source test_tipc/common_func.sh
tipc_lock exclusive  # prepare and chain as one unit: another run cannot slip in between
export TIPC_LOCK_HELD=1
bash test_tipc/prepare.sh "$config" lite_train_lite_infer
bash test_tipc/test_train_inference_python.sh "$config" lite_train_lite_infer
