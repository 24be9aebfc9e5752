#!/usr/bin/env bash
# The main job: trains the tiny Monet-VD demo on the CPU (embedded Java executor, no GPU or plugin needed)
# on the sample corpus, shows the loss falling, writes checkpoints, plots the curves, exports a Hugging Face
# directory and generates a few tokens with it. Everything lands under runs/.
# Extra arguments go to `monet train`, e.g. scripts/demo.sh --set train.steps=40
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MONET=scripts/monet

scripts/fetch-tokenizer.sh
scripts/fetch-sample-corpus.sh
CORPUS="${MONET_CACHE:-$HOME/.cache/monet-j}/corpus/sotu/sotu.parquet"

if [[ ! -f runs/demo-data/train/index.json || ! -f runs/demo-data/valid/index.json ]]; then
  echo "== preparing token shards (every 20th address held out for validation)"
  $MONET data prepare --input "$CORPUS" --out runs/demo-data/train --holdout-every 20 --overwrite
  $MONET data prepare --input "$CORPUS" --out runs/demo-data/valid --holdout-every 20 --holdout --overwrite
fi

echo "== training (configs/demo.yaml)"
rm -rf runs/demo
$MONET train --config configs/demo.yaml --run-dir runs/demo "$@"

echo "== curves, export, generation"
$MONET plot runs/demo
LAST="$(ls -d runs/demo/checkpoints/step-* | sort -t- -k2 -n | tail -1)"
$MONET export-hf --checkpoint "$LAST" --out runs/demo-hf
$MONET generate --model runs/demo-hf --prompt "The state of the Union is" --max-new-tokens 32 --temperature 0.8 --top-p 0.9 --seed 1
