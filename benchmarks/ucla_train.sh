#!/usr/bin/env bash
# Train one model on NW-UCLA, resumably, then test the best weights and keep them.
#
#   bash benchmarks/ucla_train.sh MODEL [RECIPE] [extra main.py args...]
#     MODEL:  ctrgcn | ctrgcn_light | ctrgcn_tiny   (configs/recognition/ctrgcn/MODEL_ucla_joint.yaml),
#             or one of them + _bone for the bone stream (ctrgcn_light_bone: ..._ucla_bone.yaml),
#             or + _jbm for joints fused early into joint + bone + motion channels (..._ucla_jbm.yaml),
#             or + _kd for the model distilled from a trained teacher (ctrgcn_tiny_kd: ..._ucla_kd.yaml)
#     RECIPE: full  = the official recipe of the config (65 epochs x 5 repeats, step at 50)
#             medium = 30 epochs x 1 repeat, warm-up 3, x0.1 after epoch 24, validation every 3 epochs
#                     (about 9% of the full recipe's samples)
#             short = 6 epochs x 1 repeat, warm-up 2, x0.1 after epoch 4, validation every 2 epochs
#                     (what fits in a session on 2 shared CPU cores: about 1.8% of the full recipe's samples)
#
# Run it in the background (nohup bash benchmarks/ucla_train.sh ctrgcn full &); run the same
# command again after a kill, or in a fresh clone in a later sitting, and it continues at the
# next epoch (--resume). The run lives in benchmarks/runs/MODEL_ucla_RECIPE/: its resume state
# (resume.json and resume/: weights, optimizer with momentum and LR position, epoch, best Top-1
# and best weights, seed; one file per state dict, each smaller than the model, see
# paddlevideo/tasks/resume.py) and train.log are what git keeps (.gitignore drops the rest:
# per-epoch checkpoints, vdl/, test/). To end a sitting: `touch benchmarks/runs/MODEL_ucla_RECIPE/STOP`;
# the training stops after the epoch in progress, once the resume state is written; commit it:
# git add -A benchmarks/runs/MODEL_ucla_RECIPE (resume.json, resume/, train.log). When all epochs are done the script tests the best weights (test/: scores,
# confusion matrix, per-class accuracy, metrics.json) and copies them to
# benchmarks/weights/MODEL_ucla_joint.pdparams (full recipe) or MODEL_ucla_joint_RECIPE.pdparams
# (other recipes) and the log to benchmarks/logs/MODEL_ucla_joint_RECIPE.log. Threads: main.py gives Paddle one math thread
# per core unless OMP_NUM_THREADS is set. Reads NW-UCLA from ../shared/data/NW-UCLA/all_sqe
# (or UCLA_DIR).
# The body is one brace group, which bash reads whole before running it: editing this file in place
# while a run goes on (for hours) cannot change what the running script does next.
{
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bash benchmarks/ucla_train.sh MODEL [full|medium|short] [main.py args...]}
recipe=${2:-short}
shift $(( $# >= 2 ? 2 : 1 ))
stream=joint base=$model
case $model in *_bone|*_jbm|*_kd) stream=${model##*_} base=${model%_*} ;; esac
config=configs/recognition/ctrgcn/${base}_ucla_${stream}.yaml
data=${UCLA_DIR:-../shared/data/NW-UCLA/all_sqe}
out=${OUT_ROOT:-benchmarks/runs}/${model}_ucla_${recipe}
[[ -f $config ]] || { echo "no config $config" >&2; exit 2; }
[[ -d $data ]] || { echo "NW-UCLA folder not found: $data (set UCLA_DIR)" >&2; exit 2; }

overrides=(-o "DATASET.train.file_path=$data" -o "DATASET.valid.file_path=$data"
           -o "DATASET.test.file_path=$data" -o "output_dir=$out")
case $recipe in
    full) ;;
    short) overrides+=(-o epochs=6 -o DATASET.train.repeat=1 -o OPTIMIZER.learning_rate.warmup_epochs=2
                       -o "OPTIMIZER.learning_rate.boundaries=[4]" -o save_interval=2 -o val_interval=2) ;;
    medium) overrides+=(-o epochs=30 -o DATASET.train.repeat=1 -o OPTIMIZER.learning_rate.warmup_epochs=3
                        -o "OPTIMIZER.learning_rate.boundaries=[24]" -o save_interval=3 -o val_interval=3) ;;
    *) echo "unknown recipe '$recipe' (full, medium or short)" >&2; exit 2 ;;
esac

weights=benchmarks/weights/${base}_ucla_${stream}.pdparams  # the full recipe's weights are the model's weights;
[[ $recipe == full ]] || weights=benchmarks/weights/${base}_ucla_${stream}_${recipe}.pdparams  # others keep a suffix
has_resume() { [[ -f $out/resume.json || -f $out/resume.pdckpt ]]; }  # .pdckpt: an older run's single file
if [[ -f $weights ]] && ! has_resume && [[ -z ${FORCE:-} ]]; then
    echo "$model ($recipe) finished before: $weights (FORCE=1 trains it again from the start)"
    exit 0
fi

resume=() procs=()
if has_resume; then
    resume=(--resume)
    # a run goes on in as many CPU processes as it started in (they draw the augmentations):
    # its log says "N CPU processes share each batch"; a run without that line had one
    n=$(grep -oE "[0-9]+ CPU processes share each batch" "$out/train.log" 2>/dev/null | tail -n 1 | cut -d' ' -f1 || true)
    procs=(-o "cpu_processes=${n:-1}")
    echo "$model ($recipe): continuing the run in $out from its resume state (${n:-1} CPU process(es))"
fi
# a new run takes main.py's default: one data-parallel process per core (tasks/cpu_parallel.py)
python main.py --validate -c "$config" --seed 1 "${overrides[@]}" "${resume[@]}" "${procs[@]}" "$@"
if grep -q "stopped after epoch" <(tail -n 3 "$out/train.log"); then
    echo "stopped at an epoch boundary: commit its state (git add -A $out: resume.json, resume/, train.log);" \
         "the same command continues the run"
    exit 0
fi

name=$(python -c "import yaml,sys; print(yaml.safe_load(open(sys.argv[1]))['model_name'])" "$config")
python main.py --test -c "$config" -w "$out/${name}_best.pdparams" "${overrides[@]}" --output "$out/test"
mkdir -p benchmarks/weights benchmarks/logs
cp "$out/${name}_best.pdparams" "$weights"
cp "$out/train.log" "benchmarks/logs/${base}_ucla_${stream}_${recipe}.log"
rm -rf "$out/resume.json" "$out/resume" "$out/resume.pdckpt"  # a finished run's resume state leaves the repo;
echo "done: $model ($recipe) -> $weights; commit it and the removal of its resume state (git add -A $out)"  # weights, log stay
exit
}
