#!/usr/bin/env bash
# Pre-trains the small LLaMA-style decoder of recipes/models/llama-d256-l6-gqa.json (6 layers,
# d=256, 8 query / 2 key-value heads, byte-level tokenizer) on Moby-Dick for the same number of
# updates with four methods, in parallel, and prints held-out perplexities:
#   full          full-rank training (AdamW, cosine to zero)
#   lora          LoRA only (r=32 on every attention and MLP linear; embeddings, norms, LM head trained)
#   lora-ws       the same after a full-rank warm start of STEPS/4 updates (no restarts)
#   relora        ReLoRA: the same warm start, then merge-and-restart every STEPS/4 updates with the
#                 jagged cosine schedule and magnitude pruning (0.9) of the adapters' optimizer state
#   relora-reset  the same with the reference's default reset (random pruning 0.999)
# All use the learning rate LR (default 2e-3), 40 warm-up updates and a cosine envelope that ends at zero.
# usage: tests/bench/relora-moby.sh OUTDIR [STEPS] [THREADS_PER_RUN]   (METHODS="full relora" picks runs)
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
LR=${LR:-2e-3}
LOWRANK=(--rank 32 --alpha 32 --lora-dropout 0 --lr "$LR" --min-lr-ratio 0)
METHODS=${METHODS:-full lora lora-ws relora relora-reset}
run() {
  local name=$1; shift
  LINFORGE_JAVA_OPTS="-Xmx6g -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1" \
    $LF train "${COMMON[@]}" "$@" --out "$OUT/$name" --json "$OUT/$name.json" > "$OUT/$name.log" 2>&1
}
# one short run first unpacks libtorch into the cache before the parallel runs start
LINFORGE_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$THREADS" $LF train --model "$OUT/init" \
  --data "$ROOT/recipes/data/moby_dick.txt" --steps 1 --batch 2 --seq 32 --limit-test 2 --method full \
  --out "$OUT/unpack" > "$OUT/unpack.log" 2>&1
for m in $METHODS; do
  case $m in
    full) run full --method full --lr "$LR" & ;;
    lora) run lora --method lora "${LOWRANK[@]}" & ;;
    lora-ws) run lora-ws --method relora "${LOWRANK[@]}" --warm-start "$WS" --relora-every "$((STEPS - WS))" \
      --restart-warmup 20 & ;;
    relora) run relora --method relora "${LOWRANK[@]}" --warm-start "$WS" --relora-every "$R" --restart-warmup 20 \
      --optimizer-reset magnitude --reset-fraction 0.9 & ;;
    relora-reset) run relora-reset --method relora "${LOWRANK[@]}" --warm-start "$WS" --relora-every "$R" \
      --restart-warmup 20 --optimizer-reset random --reset-fraction 0.999 & ;;
  esac
done
wait
printf '%-13s %12s %14s %12s %10s\n' method perplexity trainable step_s tok_s
for m in $METHODS; do
  python3 - "$OUT/$m.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-13s %12.3f %14d %12.3f %10.0f" % (sys.argv[2], r["eval_perplexity"], r["trainable_parameters"],
      r["step_seconds"], r["tokens_per_s"]))
PY
done
