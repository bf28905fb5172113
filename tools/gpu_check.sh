#!/usr/bin/env bash
# The GPU check: the test suite with its experiment-level tests on CUDA and, at the same time, one
# full paper-mode run per method on CUDA and on the CPU cores; then each method's CUDA-CPU
# differences and whether a repeated run (same seed, same device) is identical; then, on CUDA,
# `python -m antidistill bench` and every method with 10 seeds trained as one stack.
# From the repository root, on a machine with a GPU: bash tools/gpu_check.sh [OUTDIR] [PROFILE]
# Uses .venv/bin/python when present, else python3 (which needs torch, numpy, tqdm and pytest;
# tests that need optuna or papermill skip where those are missing).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${1:-gpu-check}"
PROFILE="${2:-paper}"
mkdir -p "$OUT"
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_check: torch sees no CUDA device here')" || exit 2
"$PY" -c "import torch; print('torch', torch.__version__, 'on', torch.cuda.get_device_name(0))"

cores=$(nproc)
cpu_threads=$((cores > 8 ? cores - 6 : 1))
"$PY" tools/gpu_compare.py run --device cpu --threads "$cpu_threads" --profile "$PROFILE" --out "$OUT/cpu.json" \
  > "$OUT/cpu.log" 2>&1 &
cpu_pid=$!
"$PY" tools/gpu_compare.py run --device cuda --threads 2 --profile "$PROFILE" --out "$OUT/cuda.json" \
  > "$OUT/cuda.log" 2>&1 &
cuda_pid=$!
OMP_NUM_THREADS=4 "$PY" -m pytest -q -p no:cacheprovider --device cuda -W ignore::UserWarning \
  --durations=5 tests > "$OUT/pytest-cuda.log" 2>&1
tests=$?
tail -n 25 "$OUT/pytest-cuda.log"
wait "$cuda_pid"; cat "$OUT/cuda.log"
wait "$cpu_pid"; cat "$OUT/cpu.log"
"$PY" tools/gpu_compare.py diff "$OUT/cuda.json" "$OUT/cpu.json" | tee "$OUT/diff.txt"
same=${PIPESTATUS[0]}
"$PY" -m antidistill bench --device cuda --out "$OUT/bench" 2>&1 | tee "$OUT/bench.log"
"$PY" tools/gpu_compare.py stack --device cuda --seeds 10 --profile "$PROFILE" --out "$OUT/stack.json" 2>&1 \
  | tee "$OUT/stack.log"
echo "gpu_check: tests on CUDA exit $tests; repeated runs identical: $([ "$same" -eq 0 ] && echo yes || echo no)"
exit $(( tests != 0 || same != 0 ))
