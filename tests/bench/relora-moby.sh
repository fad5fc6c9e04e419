#!/usr/bin/env bash
# Pre-trains the small LLaMA-style decoder of recipes/models/llama-d256-l6-gqa.json (6 layers,
# d=256, 8 query / 2 key-value heads, byte-level tokenizer) on Moby-Dick for the same number of
# updates with four methods, in parallel, and prints held-out perplexities:
#   full     full-rank training (AdamW, cosine)
#   lora     LoRA only (r=32 on every attention and MLP linear; embeddings, norms, LM head trained)
#   lora-ws  the same after a full-rank warm start (no restarts)
#   relora   ReLoRA: the same warm start, then merge-and-restart every R updates with a jagged
#            cosine schedule and magnitude pruning of the adapters' optimizer state
# usage: tests/bench/relora-moby.sh OUTDIR [STEPS] [THREADS_PER_RUN]
# LINFORGE overrides the command (default ./linforge); extra JVM flags go in LINFORGE_JAVA_OPTS.
set -euo pipefail
OUT=${1:?output folder}
STEPS=${2:-800}
THREADS=${3:-4}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LF=${LINFORGE:-$ROOT/linforge}
WS=$((STEPS / 4))
R=$((STEPS / 4))
mkdir -p "$OUT"
$LF init --config "$ROOT/recipes/models/llama-d256-l6-gqa.json" --seed 1 --out "$OUT/init"
COMMON=(--model "$OUT/init" --data "$ROOT/recipes/data/moby_dick.txt" --steps "$STEPS" --batch 8 --seq 128
        --warmup 40 --weight-decay 0.0 --eval-every $((STEPS / 4)) --limit-test 200 --seed 3 --save-every 0)
LOWRANK=(--rank 32 --alpha 32 --lora-dropout 0 --lr 2e-3)
run() {
  local name=$1; shift
  LINFORGE_JAVA_OPTS="-Xmx6g -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1" \
    $LF train "${COMMON[@]}" "$@" --out "$OUT/$name" --json "$OUT/$name.json" > "$OUT/$name.log" 2>&1
}
# one short run first unpacks libtorch into the cache before the parallel runs start
LINFORGE_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$THREADS" $LF train --model "$OUT/init" \
  --data "$ROOT/recipes/data/moby_dick.txt" --steps 1 --batch 2 --seq 32 --limit-test 2 --method full \
  --out "$OUT/unpack" > "$OUT/unpack.log" 2>&1
run full --method full --lr 1e-3 &
run lora --method lora "${LOWRANK[@]}" &
run lora-ws --method relora "${LOWRANK[@]}" --warm-start "$WS" --relora-every "$((STEPS - WS))" --restart-warmup 20 &
run relora --method relora "${LOWRANK[@]}" --warm-start "$WS" --relora-every "$R" --restart-warmup 20 \
  --optimizer-reset magnitude --reset-fraction 0.9 &
wait
printf '%-8s %12s %14s %12s %10s\n' method perplexity trainable step_s tok_s
for m in full lora lora-ws relora; do
  python3 - "$OUT/$m.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-8s %12.3f %14d %12.3f %10.0f" % (sys.argv[2], r["eval_perplexity"], r["trainable_parameters"],
      r["step_seconds"], r["tokens_per_s"]))
PY
done
