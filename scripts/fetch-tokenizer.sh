#!/usr/bin/env bash
# Makes the default LLaMA-2 tokenizer: fetches the npm package llama-tokenizer-js 1.2.2 (LLaMA 1/2's
# 32000-token vocabulary and merge ranks) and converts it into a Hugging Face tokenizer.json in the cache,
# where `monet data prepare --tokenizer llama2` finds it. Idempotent. Prints the tokenizer.json path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${MONET_CACHE:-$HOME/.cache/monet-j}/tokenizers/llama2/tokenizer.json"
if [[ -f "$out" ]]; then echo "$out"; exit 0; fi
pkg="$("$ROOT/scripts/fetch-npm-package.sh" llama-tokenizer-js@1.2.2)"
"$ROOT/scripts/monet" data llama-tokenizer --package "$pkg" --out "$out"
