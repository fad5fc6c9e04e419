#!/usr/bin/env bash
# Fine-tuning methods side by side on a classification set, in parallel: full fine-tuning, LoRA
# (r=8 on query/value), SparseGrad (keep chosen so its per-update count equals LoRA's adapter
# count: 6,144 entries × 12 MLP weights = 73,728 = 2·6·8·(384+384)), BitFit and DoRA (LoRA's adapters
# plus a magnitude per output feature: 12 × 384 more); each also trains
# the classification head. Prints accuracy, trainable parameters, peak RSS, optimizer state and
# median step time.
# usage: tests/bench/side-by-side.sh MODEL DATA OUTDIR [STEPS] [THREADS_PER_RUN]
# LINFORGE overrides the command (default ./linforge); METHODS picks some of the five (default all);
# PAR=0 runs them one after another instead of at once.
set -euo pipefail
MODEL=${1:?checkpoint}; DATA=${2:?data}; OUT=${3:?output folder}; STEPS=${4:-300}; THREADS=${5:-4}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LF=${LINFORGE:-$ROOT/linforge}
mkdir -p "$OUT"
COMMON=(--model "$MODEL" --data "$DATA" --steps "$STEPS" --batch 16 --seq 128 --seed 42 --limit-test 400 --save-every 0)
run() {
  local name=$1; shift
  LINFORGE_JAVA_OPTS="-Xmx6g -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1" \
    $LF train "${COMMON[@]}" "$@" --out "$OUT/$name" --json "$OUT/$name.json" > "$OUT/$name.log" 2>&1
}
METHODS=${METHODS:-full lora sparsegrad bitfit dora}
for m in $METHODS; do
  case $m in
    full) args=(--method full --lr 5e-5) ;;
    lora) args=(--method lora --rank 8 --alpha 16 --lr 5e-4) ;;
    sparsegrad) args=(--method sparsegrad --keep 6144 --collect-steps 10 --lr 2e-4) ;;
    bitfit) args=(--method bitfit --lr 1e-3) ;;
    dora) args=(--method dora --rank 8 --alpha 16 --lr 5e-4) ;;
    *) echo "side-by-side.sh: unknown method $m" >&2; exit 2 ;;
  esac
  if [ "${PAR:-1}" = 0 ]; then run $m "${args[@]}"; else run $m "${args[@]}" & fi
done
wait
printf '%-11s %9s %12s %9s %11s %8s\n' method accuracy trainable rss_MB optstate_MB step_s
for m in $METHODS; do
  python3 - "$OUT/$m.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-11s %9.4f %12d %9.0f %11.1f %8.3f" % (sys.argv[2], r["eval_accuracy"], r["trainable_parameters"],
      r["peak_rss_bytes"] / 1e6, r["optimizer_state_bytes"] / 1e6, r["step_seconds_median"]))
PY
done
