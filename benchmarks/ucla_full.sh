#!/usr/bin/env bash
# Issue 13's plan as one resumable command: the official NW-UCLA recipe for CTRGCN_tiny, then
# CTRGCN_light, then CTRGCN (joint), then CTRGCN_light's bone stream, then the lever for CTRGCN_light's
# shortfall (ctrgcn_light_jbm: its joints fused early into joint + bone + motion channels, as
# CTRGCN_tiny's), then the lever for CTRGCN_tiny's (ctrgcn_tiny_kd: distilled from CTRGCN_light's bone
# stream), one training at a time, each continued from its committed
# resume state (benchmarks/runs/MODEL_ucla_full/) and skipped once finished; after each model the
# "## NW-UCLA accuracy" section of RESULTS.md is measured again.
#
#   nohup bash benchmarks/ucla_full.sh > ucla_full.out 2>&1 &      # reads ../shared (or UCLA_DIR)
#   touch benchmarks/runs/MODEL_ucla_full/STOP                        # end the sitting at an epoch boundary
#
# Run it again in the next sitting (same command): it continues where the committed state stops.
# The body is one brace group, which bash reads whole before running it: editing this file in place
# while a run goes on (for hours) cannot change what the running script does next.
{
set -euo pipefail
cd "$(dirname "$0")/.."
for model in ctrgcn_tiny ctrgcn_light ctrgcn ctrgcn_light_bone ctrgcn_light_jbm ctrgcn_tiny_kd; do
    weights=benchmarks/weights/${model}_ucla_joint.pdparams
    case $model in *_bone|*_jbm|*_kd) weights=benchmarks/weights/${model%_*}_ucla_${model##*_}.pdparams ;; esac
    run=benchmarks/runs/${model}_ucla_full
    if [[ -f $weights && ! -f $run/resume.json && ! -f $run/resume.pdckpt ]]; then
        echo "$model: finished before ($weights)"
        continue
    fi
    bash benchmarks/ucla_train.sh "$model" full
    if [[ -f $run/resume.json ]]; then  # stopped at an epoch boundary: this sitting ends here
        exit 0
    fi
    load_logs=()  # per-minute load samples kept for runs whose log lines carry no load
    for f in benchmarks/logs/*_ucla_joint_full.load.log; do [[ -f $f ]] && load_logs+=(--load-log "$f"); done
    python -m benchmarks.ucla_report "${load_logs[@]}"
done
exit
}
