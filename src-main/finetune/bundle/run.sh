#!/usr/bin/env bash
# One fine-tuning job, start to end: preflight -> train -> convert (see README in the app's docs).
#   bash run.sh run.json
# Environment:
#   ONCO_ENV_SETUP  shell lines run first, e.g. "module load cuda/12.4; source /shared/venv/bin/activate"
#                   or "conda activate onco" (default: none; python3 on PATH must have requirements.txt)
#   ONCO_PYTHON     the interpreter (default python3, as found after ONCO_ENV_SETUP)
# Writes out_dir/stage: the running stage (preflight, train, convert), then "done", or
# "failed:<stage>" / "stopped:<stage>". Each stage logs "stage: <name> started" and
# "stage: <name> finished in Ns", so the tail of a log says where the job is.
# Exit status: 0 done; 2 preflight failed (nothing was trained); 75 training stopped on request
# (SIGUSR1/SIGTERM) after a checkpoint: run the same command again to go on; else the failing stage's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config=${1:?usage: run.sh run.json}

if [ -n "${ONCO_ENV_SETUP:-}" ]; then
  # Module and conda scripts read unset variables and return non-zero from inner commands.
  set +eu
  eval "$ONCO_ENV_SETUP"
  status=$?
  set -eu
  [ "$status" = 0 ] || { echo "run.sh: ONCO_ENV_SETUP failed (exit $status): $ONCO_ENV_SETUP" >&2; exit 2; }
fi
python=${ONCO_PYTHON:-python3}
command -v "$python" >/dev/null || { echo "run.sh: $python not found (set ONCO_ENV_SETUP or ONCO_PYTHON)" >&2; exit 2; }
export PYTHONUNBUFFERED=1
# The bundle folder may be read-only or shared by several jobs.
export PYTHONDONTWRITEBYTECODE=1

out_dir=$("$python" "$here/runconfig.py" "$config" out_dir) || exit 2
num_gpus=$("$python" "$here/runconfig.py" "$config" num_gpus) || exit 2
mkdir -p "$out_dir"
# A stop asked of an earlier run of this job was honoured by that run.
rm -f "$out_dir/stop-requested" "$out_dir/stopped"

child=
# Slurm's warning before the time limit (sbatch --signal, forwarded by train.sbatch) or a plain
# TERM: train.py, which polls this file at every step, saves a checkpoint and exits 75.
request_stop() {
  echo "run.sh: $1 at $(date -Is): asking the running stage to save and stop"
  touch "$out_dir/stop-requested"
  if [ "$1" = TERM ] && [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
}
trap 'request_stop USR1' USR1
trap 'request_stop TERM' TERM

stage() {
  local name=$1 started=$SECONDS status=0
  shift
  echo "$name" > "$out_dir/stage"
  echo "stage: $name started at $(date -Is)"
  # In the background, so that a signal's trap runs at once rather than after the stage.
  "$@" &
  child=$!
  wait "$child" || status=$?
  # A trapped signal ends `wait` early: wait again until the stage itself has exited.
  while kill -0 "$child" 2>/dev/null; do status=0; wait "$child" || status=$?; done
  child=
  # train.py's own mark of a stop at a checkpoint, whatever exit code a launcher made of it.
  if [ "$status" != 0 ] && [ -f "$out_dir/stopped" ]; then status=75; fi
  if [ "$status" = 0 ]; then
    echo "stage: $name finished in $((SECONDS - started))s"
    return 0
  fi
  if [ "$status" = 75 ]; then
    echo "stopped:$name" > "$out_dir/stage"
    echo "stage: $name stopped after $((SECONDS - started))s (exit 75): run the same command again to go on"
  else
    echo "failed:$name" > "$out_dir/stage"
    echo "stage: $name failed after $((SECONDS - started))s (exit $status)"
  fi
  exit "$status"
}

stage preflight "$python" "$here/preflight.py" "$config"
if [ "$num_gpus" -gt 1 ]; then
  stage train "$python" -m accelerate.commands.launch --config_file "$here/accelerate-zero2.yaml" \
    --num_processes "$num_gpus" "$here/train.py" "$config"
else
  stage train "$python" "$here/train.py" "$config"
fi
stage convert "$python" "$here/convert.py" "$config"
echo done > "$out_dir/stage"
echo "run.sh: finished at $(date -Is); results in $out_dir"
