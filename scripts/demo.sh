#!/usr/bin/env bash
# The whole private-extraction path on the demo letters, as a user would run it:
# test model → import → extract → export. Usage: npm run demo [-- DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-.cache/demo-data}"
model=.cache/test-model/tiny.gguf

# No real model can be downloaded here; the test model has random weights, so its values are
# noise (mostly "ungrounded"), but every step below is the real one.
[ -f "$model" ] || npx oncotimeline test-model --out "$model"
npx oncotimeline --data "$data" import resources/demo
status=0
# Greedy decoding on random weights degenerates; a seeded sampler keeps the documents short.
npx oncotimeline --data "$data" extract --model "$model" --gpu off --threads 1 --temperature 0.8 --seed 7 || status=$?
npx oncotimeline --data "$data" export --format csv-wide --out "$data/letters.csv"
npx oncotimeline --data "$data" export --format csv --out "$data/values.csv"
echo "One row per letter: $data/letters.csv; one row per value: $data/values.csv"
exit "$status"
