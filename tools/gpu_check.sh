#!/usr/bin/env bash
# The GPU check, sized for a short lease (about 9 minutes on one H100 with 16 cores):
#   1. `python -m antidistill bench` on CUDA, alone on the machine (its timings are the report's),
#      then python -m antidistill graph-probe (eager vs CUDA-graph step);
#   2. at the same time: every method with 10 seeds trained as one stack on CUDA (seed 0 stacked vs
#      alone, seed 0 alone saved, Xavier alone twice: identical?), then the three pre-training
#      methods so in authors mode (Anti-Distillation alone twice: identical?), the test suite with its
#      experiment-level tests on CUDA (pytest-xdist workers where installed), and one paper-mode
#      run per method on the CPU cores;
#   3. each method's CUDA-CPU differences for seed 0.
# Each stage has a time cap (seconds: BENCH_S, PROBE_S, STAGE2_S); partial results are kept.
# From the repository root, on a machine with a GPU: bash tools/gpu_check.sh [OUTDIR] [PROFILE]
# Uses .venv/bin/python when present, else python3 (which needs torch, numpy, tqdm, pydantic and pytest;
# carry pydantic as wheels where the GPU machine lacks it;
# tests that need optuna or papermill skip where those are missing).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${1:-gpu-check}"
PROFILE="${2:-paper}"
BENCH_S="${BENCH_S:-170}"
PROBE_S="${PROBE_S:-30}"
STAGE2_S="${STAGE2_S:-300}"
mkdir -p "$OUT"
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
export PYTHONUNBUFFERED=1
# The package from this checkout, where it is not installed (a bare GPU machine); tools/ import it.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_check: torch sees no CUDA device here')" || exit 2
"$PY" -c "import torch; print('torch', torch.__version__, 'on', torch.cuda.get_device_name(0))"

timeout "$BENCH_S" "$PY" -m antidistill bench --device cuda --out "$(mktemp -d)" 2>&1 | tee "$OUT/bench.log"
bench=$?
timeout "$PROBE_S" "$PY" -m antidistill graph-probe 2>&1 | tee "$OUT/graph-probe.log"

cores=$(nproc)
workers=$(( cores > 8 ? 6 : 1 ))
cpu_threads=$(( cores > 8 ? cores - workers - 2 : 1 ))
xdist=()
"$PY" -c "import xdist" 2>/dev/null && [ "$workers" -gt 1 ] && xdist=(-n "$workers")
timeout "$STAGE2_S" "$PY" -m antidistill gpu-compare run --device cpu --threads "$cpu_threads" --profile "$PROFILE" \
  --repeat "" --out "$OUT/cpu.json" > "$OUT/cpu.log" 2>&1 &
cpu_pid=$!
# Then the pre-training methods in authors mode (their single CPU stream: host draws before each graph replay).
timeout "$STAGE2_S" bash -c '"$0" -m antidistill gpu-compare stack --device cuda --seeds 10 --profile "$1" --out "$2/stack.json"
  "$0" -m antidistill gpu-compare stack --device cuda --seeds 10 --profile "$1" --mode authors \
    --methods data_noise,antidistill_l4_0,antidistill --repeat antidistill' "$PY" "$PROFILE" "$OUT" > "$OUT/stack.log" 2>&1 &
stack_pid=$!
OMP_NUM_THREADS=1 timeout "$STAGE2_S" "$PY" -m pytest -q -p no:cacheprovider "${xdist[@]}" --device cuda \
  -W ignore::UserWarning --durations=5 tests > "$OUT/pytest-cuda.log" 2>&1
tests=$?
tail -n 25 "$OUT/pytest-cuda.log"
wait "$stack_pid"; cat "$OUT/stack.log"
wait "$cpu_pid"; cat "$OUT/cpu.log"
"$PY" -m antidistill gpu-compare diff "$OUT/stack.json" "$OUT/cpu.json" | tee "$OUT/diff.txt"
same=${PIPESTATUS[0]}
echo "gpu_check: bench exit $bench; tests on CUDA exit $tests; repeated runs identical: $([ "$same" -eq 0 ] && echo yes || echo no)"
exit $(( bench != 0 || tests != 0 || same != 0 ))
