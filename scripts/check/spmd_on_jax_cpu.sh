#!/usr/bin/env bash
# XLA's SPMD partitioner on Monet-J's sharded step, where JAX is installed (a GPU host; not needed anywhere else):
# emits the tiny VD training step for 8-device meshes and for one device with `monet emit`, with one set of inputs
# and the Java executor's outputs for them (--io), then compiles and runs both with JAX's CPU client faking 8 devices
# and compares sharded, unsharded and Java (scripts/check/spmd_on_jax_cpu.py says how).
#
#   scripts/check/spmd_on_jax_cpu.sh [OUT_DIR]         # MONET=monet-bundle/bin/monet to use a bundle's launcher
#
# Meshes: fsdp=8, data=2 x fsdp=4, and fsdp=2 x tensor=2 x expert=2. Exit status 0 when every mesh agrees.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MONET="${MONET:-$ROOT/scripts/monet}"
OUT="${1:-$(mktemp -d -t monet-spmd-XXXXXX)}"
mkdir -p "$OUT"
cat > "$OUT/run.yaml" <<YAML
model: $ROOT/configs/models/tiny-vd.json
data: {train: none, seq_len: 16}
train: {batch_size: 8, micro_batch_size: 8, precision: f32, seed: 7}
YAML
echo "spmd check: files in $OUT" >&2
"$MONET" emit --config "$OUT/run.yaml" --program step --out "$OUT/one/step.mlir" --io "$OUT/io"
status=0
for mesh in "fsdp=8" "data=2 fsdp=4" "fsdp=2 tensor=2 expert=2"; do
  name="${mesh// /_}"; name="${name//=/}"
  sets=(); for kv in $mesh; do sets+=(--set "mesh.$kv"); done
  "$MONET" emit --config "$OUT/run.yaml" --program step "${sets[@]}" --devices 8 --out "$OUT/$name/step.mlir"
  echo "== mesh $mesh" >&2
  XLA_FLAGS="${XLA_FLAGS:-} --xla_force_host_platform_device_count=8" \
    python3 "$HERE/spmd_on_jax_cpu.py" --sharded "$OUT/$name/step.mlir" --unsharded "$OUT/one/step.mlir" --io "$OUT/io" || status=1
done
exit $status
