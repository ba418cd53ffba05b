#!/usr/bin/env bash
# Helpers shared by prepare.sh and test_train_inference_python.sh.
# A config line is "key:value"; only the first ':' separates them.

# Where a run keeps its data and logs: test_tipc/data and test_tipc/output, or the data/ and
# output/ folders of $TIPC_WORKDIR when it is set (absolute, or relative to the repo root;
# tests/test_tipc.py points it at a temporary folder, so the checkout stays as it was).
TIPC_DATA=${TIPC_WORKDIR:-test_tipc}/data
TIPC_OUTPUT=${TIPC_WORKDIR:-test_tipc}/output

# The lines of config file $1 into the array `lines`, its test_tipc/data/ paths moved to $TIPC_DATA.
func_read_config() {
    mapfile -t lines < "$1"
    [[ -n "${TIPC_WORKDIR:-}" ]] || return 0
    lines=("${lines[@]//.\/test_tipc\/data\//$TIPC_DATA/}")
    lines=("${lines[@]//test_tipc\/data\//$TIPC_DATA/}")
}

# key of a "key:value" line
func_parser_key() {
    local line=$1
    echo "${line%%:*}"
}

# value of a "key:value" line
func_parser_value() {
    local line=$1
    if [[ "$line" != *:* ]]; then
        echo ""
        return
    fi
    echo "${line#*:}"
}

# "key=value" for a command line, or nothing when the key or the value is null/empty
func_set_params() {
    local key=$1 value=$2
    if [[ -z "$key" || "$key" == "null" || -z "$value" || "$value" == "null" ]]; then
        echo ""
    else
        echo "${key}=${value}"
    fi
}

# The entry of a per-mode value "modeA=x|modeB=y" for mode $2; a value without
# "mode=" entries is returned unchanged.
func_value_for_mode() {
    local value=$1 mode=$2 entry
    if [[ "$value" != *"${mode}="* ]]; then
        echo "$value"
        return
    fi
    local IFS='|'
    for entry in $value; do
        if [[ "$entry" == "${mode}="* ]]; then
            echo "${entry#*=}"
            return
        fi
    done
}

# Append "Run successfully/failed with command - MODEL - CMD - LOG" to the results log.
status_check() {
    local last_status=$1 run_command=$2 run_log=$3 model_name=$4 log_path=$5
    if [[ $last_status -eq 0 ]]; then
        echo "Run successfully with command - ${model_name} - ${run_command} - ${log_path}" | tee -a "$run_log"
    else
        echo "Run failed with command - ${model_name} - ${run_command} - ${log_path}" | tee -a "$run_log"
    fi
}

# Hold $TIPC_DATA/.lock until this script exits: "exclusive" for prepare.sh (it replaces
# the data), "shared" for chains (they read it). Concurrent runs in one checkout thus never
# replace data under a running chain. Nothing to do when a parent run (run_lite.sh) holds the
# lock already (TIPC_LOCK_HELD=1) or flock is not installed.
tipc_lock() {
    local kind=$1
    [[ "${TIPC_LOCK_HELD:-0}" == "1" ]] && return 0
    command -v flock > /dev/null || return 0
    mkdir -p "$TIPC_DATA"
    exec 9> "$TIPC_DATA/.lock"
    local flag=""
    [[ "$kind" == "shared" ]] && flag="-s"
    if ! flock -n $flag 9; then
        echo "waiting for another TIPC run in this checkout ($TIPC_DATA/.lock) ..." >&2
        flock $flag 9
    fi
}
