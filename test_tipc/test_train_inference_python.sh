#!/usr/bin/env bash
# TIPC basic chain: train -> eval -> export -> inference over the CPU matrix.
#     bash test_tipc/test_train_inference_python.sh test_tipc/configs/CTRGCN_light_joint/train_infer_python.txt MODE
# MODE: lite_train_lite_infer | lite_train_whole_infer | whole_infer | whole_train_whole_infer
# (run test_tipc/prepare.sh with the same arguments first).
#
# Every step appends "Run successfully with command - ..." or "Run failed with command - ..."
# to test_tipc/output/<model>/<MODE>/results_python.log (started afresh each run); step logs
# sit beside it (TIPC_WORKDIR=DIR: under DIR/output, reading DIR/data; see common_func.sh). Ends with a summary; exits 1 if any step failed. The config file is
# PaddleVideo's train_infer_python.txt layout; the lines read are listed in test_tipc/README.md.
set -uo pipefail
cd "$(dirname "$0")/.."
source test_tipc/common_func.sh

FILENAME=$1
MODE=$2
case "$MODE" in
    lite_train_lite_infer|lite_train_whole_infer|whole_infer|whole_train_whole_infer) ;;
    *) echo "unknown mode '$MODE'" >&2; exit 2 ;;
esac
tipc_lock shared
func_read_config "$FILENAME"
value() { func_parser_value "${lines[$1]}"; }
key() { func_parser_key "${lines[$1]}"; }

model_name=$(value 1)
python=$(value 2)
epoch_key=$(key 6);            epoch_value=$(value 6)
save_model_key=$(key 7)
batch_key=$(key 8);            batch_value=$(value 8)
pretrain_key=$(key 9);         pretrain_value=$(value 9)
train_model_name=$(value 10)
train_param_key=$(key 12);     train_param_value=$(func_value_for_mode "$(value 12)" "$MODE")
trainer_list=$(value 14)
norm_train=$(value 15)
eval_cmd_base=$(value 23)
eval_weight_key=$(key 24)
save_infer_key=$(key 27)
export_weight_key=$(key 28)
norm_export=$(value 29)
infer_model=$(value 36)
infer_export=$(value 37)
inference_py=$(value 39)
use_gpu_key=$(key 40);         use_gpu_list=$(value 40)
mkldnn_key=$(key 41);          mkldnn_list=$(value 41)
threads_key=$(key 42);         threads_list=$(value 42)
batch_size_key=$(key 43);      batch_size_list=$(value 43)
precision_key=$(key 45);       precision_list=$(value 45)
model_file_key=$(key 46);      model_file_value=$(value 46)
input_key=$(key 47);           input_value=$(func_value_for_mode "$(value 47)" "$MODE")
benchmark_key=$(key 49);       benchmark_value=$(value 49)
params_file_key=$(key 50);     params_file_value=$(value 50)

LOG_PATH=$TIPC_OUTPUT/$model_name/$MODE
mkdir -p "$LOG_PATH"
status_log=$LOG_PATH/results_python.log
: > "$status_log"
export_dir=""

# run_step LOG COMMAND...: run COMMAND with output to LOG and record the result
run_step() {
    local log=$1
    shift
    local cmd="$*"
    eval "$cmd" > "$log" 2>&1
    local status=$?
    status_check $status "$cmd" "$status_log" "$model_name" "$log"
    return $status
}

# inference over the matrix of the config for the model exported to $1
run_inference() {
    local model_dir=$1 use_gpu mkldnn threads bs precision
    local IFS='|'
    for use_gpu in $use_gpu_list; do
        for precision in $precision_list; do
            for bs in $batch_size_list; do
                if [[ "$use_gpu" == "True" ]]; then
                    run_one "$model_dir" "$use_gpu" "" "" "$bs" "$precision"
                    continue
                fi
                for mkldnn in $mkldnn_list; do
                    for threads in $threads_list; do
                        run_one "$model_dir" "$use_gpu" "$mkldnn" "$threads" "$bs" "$precision"
                    done
                done
            done
        done
    done
}

run_one() {
    local model_dir=$1 use_gpu=$2 mkldnn=$3 threads=$4 bs=$5 precision=$6
    local device=cpu
    [[ "$use_gpu" == "True" ]] && device=gpu
    local log="$LOG_PATH/python_infer_${device}_usemkldnn_${mkldnn:-na}_threads_${threads:-na}_precision_${precision}_batchsize_${bs}.log"
    local IFS=' '
    local cmd="$python $inference_py $(func_set_params "$use_gpu_key" "$use_gpu") \
$(func_set_params "$mkldnn_key" "$mkldnn") $(func_set_params "$threads_key" "$threads") \
$(func_set_params "$batch_size_key" "$bs") $(func_set_params "$precision_key" "$precision") \
$(func_set_params "$model_file_key" "$model_dir/$model_file_value") \
$(func_set_params "$params_file_key" "$model_dir/$params_file_value") \
$(func_set_params "$input_key" "$input_value") $(func_set_params "$benchmark_key" "$benchmark_value")"
    run_step "$log" "$cmd"
}

if [[ "$MODE" == "whole_infer" ]]; then
    export_dir=$LOG_PATH/export
    run_step "$LOG_PATH/export.log" "$python $infer_export $(func_set_params "$export_weight_key" "$infer_model") \
$(func_set_params "$save_infer_key" "$export_dir")"
    if [[ $? -eq 0 ]]; then
        run_inference "$export_dir"
    else
        status_check 1 "inference skipped: the export failed" "$status_log" "$model_name" "$LOG_PATH/export.log"
    fi
else
    IFS='|' read -r -a trainers <<< "$trainer_list"
    for trainer in "${trainers[@]}"; do
        if [[ "$trainer" != "norm_train" ]]; then
            echo "trainer '$trainer' is not supported here (norm_train only)" >&2
            status_check 1 "trainer $trainer" "$status_log" "$model_name" "-"
            continue
        fi
        save_log=$LOG_PATH/${trainer}_cpu
        train_cmd="$python $norm_train $(func_set_params "$save_model_key" "$save_log") \
$(func_set_params "$pretrain_key" "$pretrain_value")"
        if [[ "$MODE" != "whole_train_whole_infer" ]]; then  # whole training keeps the config's recipe
            train_cmd="$train_cmd $(func_set_params "$epoch_key" "$epoch_value") \
$(func_set_params "$batch_key" "$batch_value") $(func_set_params "$train_param_key" "$train_param_value")"
        fi
        run_step "$LOG_PATH/${trainer}_train.log" "$train_cmd"
        weights=$save_log/$train_model_name
        if [[ "$eval_cmd_base" != "null" ]]; then
            run_step "$LOG_PATH/${trainer}_eval.log" "$python $eval_cmd_base \
$(func_set_params "$eval_weight_key" "$weights") -o output_dir=$save_log"
        fi
        if [[ "$norm_export" != "null" ]]; then
            export_dir=$save_log
            run_step "$LOG_PATH/${trainer}_export.log" "$python $norm_export \
$(func_set_params "$export_weight_key" "$weights") $(func_set_params "$save_infer_key" "$export_dir")"
            if [[ $? -eq 0 ]]; then
                run_inference "$export_dir"
            else
                status_check 1 "inference skipped: the export failed" "$status_log" "$model_name" "-"
            fi
        fi
    done
fi

# ----------------------------------------------------------------------------- summary
succeeded=$(grep -c "^Run successfully" "$status_log")
failed=$(grep -c "^Run failed" "$status_log")
echo
echo "==================== TIPC summary: $model_name, $MODE ===================="
[[ -f $TIPC_DATA/ntu_lite/SOURCE.txt ]] && sed 's/^/  /' "$TIPC_DATA/ntu_lite/SOURCE.txt"
echo "  steps: $((succeeded + failed)) run, $succeeded succeeded, $failed failed (log: $status_log)"
stem=${model_file_value%.json}
if [[ -n "$export_dir" && -f "$export_dir/$stem.json" && -f "$export_dir/$stem.pdiparams" ]]; then
    json_bytes=$(stat -c %s "$export_dir/$stem.json")
    params_bytes=$(stat -c %s "$export_dir/$stem.pdiparams")
    total=$((json_bytes + params_bytes))
    echo "  exported model: $stem.json $json_bytes B + $stem.pdiparams $params_bytes B = $total B" \
         "($(awk -v b="$total" 'BEGIN { printf "%.2f", b / 1048576 }') MB) in $export_dir"
fi
infer_logs=("$LOG_PATH"/python_infer_*.log)
if [[ -f "${infer_logs[0]}" ]]; then
    fallbacks=$(grep -l "turned oneDNN off" "${infer_logs[@]}" | wc -l)
    echo "  inference runs: ${#infer_logs[@]}; oneDNN turned off after a wrong output in $fallbacks of them"
    first=$(ls "$LOG_PATH"/python_infer_*batchsize_1.log 2>/dev/null | head -n 1)
    first=${first:-${infer_logs[0]}}
    input=$(grep -m1 "^Current input file:" "$first" | sed 's/^Current input file: //')
    top1=$(grep -m1 "top-1 class:" "$first" | sed 's/.*top-1 class: //')
    name=$(grep -m1 "top-1 class name:" "$first" | sed 's/.*top-1 class name: //')
    score=$(grep -m1 "top-1 score:" "$first" | sed 's/.*top-1 score: //')
    if [[ -n "$top1" ]]; then
        echo "  prediction: $input -> top-1 class $top1 ($name), score $score  [$first]"
        if [[ $MODE == lite_train* ]]; then
            echo "  (the model was trained for this run's few iterations on lite data: the chain checks" \
                 "that the pipeline works, the class and score say nothing about accuracy)"
        fi
    fi
fi
if [[ $failed -gt 0 ]]; then
    echo "  FAILED steps:"
    grep "^Run failed" "$status_log" | sed 's/^/    /'
    exit 1
fi
exit 0
