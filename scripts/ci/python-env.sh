#!/usr/bin/env bash
# The Python environment of the fine-tuning bundle (src-main/finetune/bundle), for the tests that
# train a tiny model and convert it with llama.cpp's converters. Installed only from this machine's
# local wheel mirror (no PyPI here). Idempotent: a stamp keyed by the requirements' hash skips the
# install when nothing changed, so .ci/run can call it every time.
#   ONCO_TRAIN_VENV   where the venv goes (default <repo>/.cache/train-venv)
#   ONCO_WHEELS       space-separated wheel folders (default the image's three mirrors)
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

venv=${ONCO_TRAIN_VENV:-$PWD/.cache/train-venv}
requirements=src-main/finetune/bundle/requirements.txt
wheels=${ONCO_WHEELS:-/opt/wheels /opt/pypi/files /opt/pypi-more/files}
# The stamp names the interpreter too: a venv made by another Python is rebuilt, not patched.
key=$( { sha256sum "$requirements"; /usr/bin/python3 --version; } | sha256sum | cut -c1-16)
stamp=$venv/.oncotimeline-requirements-$key

if [ -f "$stamp" ] && [ -x "$venv/bin/python" ]; then
  echo "python-env: $venv is up to date ($requirements unchanged; $(( $(date +%s) - started )) s)"
  exit 0
fi

# Start clean: a half-finished or outdated venv is cheaper to remake than to reason about. Only
# a venv is removed, never whatever else ONCO_TRAIN_VENV might name by mistake.
if [ -e "$venv" ]; then
  [ -f "$venv/pyvenv.cfg" ] || { echo "python-env: $venv exists and is not a venv; not touching it" >&2; exit 1; }
  rm -rf "$venv"
fi
/usr/bin/python3 -m venv "$venv"
links=()
for dir in $wheels; do links+=(--find-links "$dir"); done
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "${links[@]}" -r "$requirements"
"$venv/bin/python" -c "import torch, transformers, peft, trl, accelerate, datasets, safetensors, gguf, sentencepiece"
touch "$stamp"
echo "python-env: installed $requirements into $venv in $(( $(date +%s) - started )) s"
