#!/usr/bin/env bash
# Measures the Java executor's f32 matmul GFLOP/s with `monet bench matmul` and, when python3 with numpy is
# installed, numpy's (OpenBLAS or whatever BLAS it links) measured the same way on the same machine: warm-up
# for at least 2 s, then the best and median of K separately timed N x N products. numpy is only a yardstick
# here; nothing in Monet-J needs Python.
# Usage: scripts/bench-matmul.sh [--size N] [--iterations K] [--threads T]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

size=1024 iterations=20 threads=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --iterations) iterations="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "bench-matmul.sh: unknown option '$1' (use --size N, --iterations K, --threads T)" >&2; exit 2 ;;
  esac
done

args=(bench matmul --size "$size" --iterations "$iterations")
[[ -n "$threads" ]] && args+=(--threads "$threads")
java_report="$("$ROOT/scripts/monet" "${args[@]}")"
echo "$java_report"
java_line="$(grep '^GFLOP/s:' <<<"$java_report")"

if ! python3 -c 'import numpy' 2>/dev/null; then
  echo
  echo "numpy reference: skipped (python3 with numpy not found)"
  printf '%-22s %s\n' "Monet-J executor" "$java_line"
  exit 0
fi

# Thread limits only when asked for, so the default compares both at full machine width.
numpy_env=()
[[ -n "$threads" ]] && numpy_env=(OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads")
numpy_report="$(env "${numpy_env[@]}" python3 - "$size" "$iterations" <<'PY'
import sys, time
import numpy as np

n, iterations = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
start, warmed = time.perf_counter(), 0
while warmed < 3 or time.perf_counter() - start < 2.0:
    a @ b
    warmed += 1
times = []
cpu_start, wall_start = time.process_time(), time.perf_counter()
for _ in range(iterations):
    t = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - t)
cores_busy = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
times.sort()
median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
flops = 2.0 * n ** 3
try:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    blas = f'{blas.get("name")} {blas.get("version")}'
except Exception:
    blas = "unknown BLAS"
print(f"numpy {np.__version__} ({blas}): f32 [{n} x {n}] x [{n} x {n}], {iterations} timed products after {warmed} warm-up products")
print(f"  process CPU time / wall time while timed: {cores_busy:.2f}")
print(f"GFLOP/s: best {flops / times[0] / 1e9:.2f}, median {flops / median / 1e9:.2f}, mean {flops / (sum(times) / len(times)) / 1e9:.2f}")
PY
)"
echo
echo "$numpy_report"
numpy_line="$(grep '^GFLOP/s:' <<<"$numpy_report")"
echo
java_cpu="$(grep -o 'wall time while timed: [0-9.]*' <<<"$java_report" | awk '{print $NF}')"
numpy_cpu="$(grep -o 'wall time while timed: [0-9.]*' <<<"$numpy_report" | awk '{print $NF}')"
printf '%-22s %s   (CPU/wall %s)\n' "Monet-J executor" "$java_line" "$java_cpu" "numpy reference" "$numpy_line" "$numpy_cpu"
