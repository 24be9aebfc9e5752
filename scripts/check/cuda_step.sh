#!/usr/bin/env bash
# The CUDA plugin through Monet-J's own PJRT binding, on one GPU (run on the GPU host; nothing else needs it):
#   1. `monet devices`: the plugin, its PJRT C API version, platform and devices;
#   2. `monet selftest`: every op and gradient rule on the GPU against the Java executor;
#   3. one training step of the tiny VD model (f32, products at HIGHEST precision) through the binding, for the
#      unsharded program and for a one-device mesh (mesh.fsdp=1: the module carries Shardy shardings and is compiled
#      with SPMD partitioning on), each compared with the Java executor's step on the same inputs (every result:
#      updated parameters, moments, metrics), by scripts/check/spmd_on_jax_cpu.py --compare (needs numpy).
#
#   scripts/check/cuda_step.sh [OUT_DIR]      # MONET=monet-bundle/bin/monet to use a bundle's launcher;
#                                             # MONET_PJRT_PLUGIN=.../xla_cuda_plugin.so if discovery does not find it
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MONET="${MONET:-$ROOT/scripts/monet}"
OUT="${1:-$(mktemp -d -t monet-cuda-XXXXXX)}"
mkdir -p "$OUT"
echo "cuda check: files in $OUT" >&2
status=0

echo "== devices" >&2
"$MONET" devices
echo "== selftest" >&2
"$MONET" selftest | tee "$OUT/selftest.txt" || status=1

cat > "$OUT/run.yaml" <<YAML
model: $ROOT/configs/models/tiny-vd.json
data: {train: none, seq_len: 16}
train: {batch_size: 8, micro_batch_size: 8, precision: f32, seed: 7}
YAML
for variant in unsharded fsdp1; do
  sets=(); [[ $variant == fsdp1 ]] && sets=(--set mesh.fsdp=1)
  echo "== one step on the GPU ($variant)" >&2
  "$MONET" emit --config "$OUT/run.yaml" --program step "${sets[@]}" --out "$OUT/$variant/step.mlir" --io "$OUT/$variant/io" --io-backend pjrt || { status=1; continue; }
  python3 "$HERE/spmd_on_jax_cpu.py" --compare "$OUT/$variant/io/outputs.safetensors" "$OUT/$variant/io/outputs.pjrt.safetensors" || status=1
done
exit $status
