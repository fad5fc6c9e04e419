#!/usr/bin/env bash
# linforge's side of the reference comparison: the same configs as relora_ref.py and sparsegrad_ref.py
# (their defaults), one run after another (PAR at once), each result turned into the curve format of curves.py.
#   relora:     tests/reference/run-ours.sh relora OUTDIR [METHODS] [SEEDS]     METHODS from full lora relora relora-zero
#               (relora-zero: ReLoRA with lora_A zero until the first merge, as the authors' torchrun_main runs it)
#   sparsegrad: tests/reference/run-ours.sh sparsegrad OUTDIR [METHODS] [SEEDS] METHODS from full lora sparsegrad
# Environment: MODEL (relora: .ref/init16, the checkpoint relora_ref.py reads; sparsegrad: .ref/minilm16),
# STEPS, LR (full-rank and ReLoRA's warm start, default 1e-3 / 5e-5), LR_LOW (LoRA and ReLoRA, default LR; sparsegrad: LoRA 5e-4,
# SparseGrad 2e-4), THREADS (libtorch threads per run, default 2), PAR (runs at once, default 1; PAR x THREADS
# should not exceed the cores), LINFORGE (default ./linforge).
# Curves go to OUTDIR/ours-METHOD-sSEED.json, linforge's results and logs beside them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIND=${1:?relora or sparsegrad}
OUT=${2:?output folder}
LF=${LINFORGE:-$ROOT/linforge}
THREADS=${THREADS:-2}
PAR=${PAR:-1}
SEEDS=${4:-1 2 3}
mkdir -p "$OUT"
export LINFORGE_JAVA_OPTS="-Xmx6g -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=1"
run() {   # name seed flags...: one run, or in the background when PAR > 1 (at most PAR at once)
  if [ "$PAR" -le 1 ]; then run1 "$@"; return; fi
  while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n || true; done
  run1 "$@" &
}
run1() {
  local name=$1 seed=$2; shift 2
  local res="$OUT/ours-$name-s$seed.result.json"
  if [ -f "$OUT/ours-$name-s$seed.json" ]; then return; fi
  $LF train "$@" --seed "$seed" --save-every 0 --out "$OUT/ours-$name-s$seed.ckpt" --overwrite --json "$res" \
    > "$OUT/ours-$name-s$seed.log" 2>&1
  python3 "$ROOT/tests/reference/curves.py" "$res" "$name" "$OUT/ours-$name-s$seed.json"
  rm -rf "$OUT/ours-$name-s$seed.ckpt"
  echo "$name seed $seed: $(tail -1 "$OUT/ours-$name-s$seed.log")"
}
case $KIND in
  relora)
    MODEL=${MODEL:-$ROOT/.ref/init16}
    STEPS=${STEPS:-600}
    LR=${LR:-1e-3}
    LR_LOW=${LR_LOW:-$LR}
    W=${WARM_START:-150}
    R=${RELORA_EVERY:-150}
    COMMON=(--model "$MODEL" --data "$ROOT/recipes/data/moby_dick.txt" --steps "$STEPS" --batch 8 --seq 128
            --warmup 40 --weight-decay 0 --max-grad-norm 1 --eval-every 100 --limit-test 200 --held-out 0.05)
    LOWRANK=(--rank 32 --alpha 32 --lora-dropout 0.1 --lr "$LR_LOW")
    for seed in $SEEDS; do
      for m in ${3:-full lora relora}; do
        case $m in
          full) run full "$seed" "${COMMON[@]}" --method full --lr "$LR" ;;
          lora) run lora "$seed" "${COMMON[@]}" --method lora "${LOWRANK[@]}" ;;
          relora|relora-zero)
            run "$m" "$seed" "${COMMON[@]}" --method relora "${LOWRANK[@]}" --warm-start "$W" --warm-start-lr "$LR" \
              --relora-every "$R" --restart-warmup 10 --optimizer-reset magnitude --reset-fraction 0.9 --min-lr-ratio 0 \
              --relora-init-a "$([ "$m" = relora-zero ] && echo zero || echo random)" ;;
        esac
      done
    done ;;
  sparsegrad)
    MODEL=${MODEL:-$ROOT/.ref/minilm16}
    STEPS=${STEPS:-300}
    COMMON=(--model "$MODEL" --data "$ROOT/recipes/data/sotu_party.jsonl" --steps "$STEPS" --batch 16 --seq 128
            --warmup 0 --schedule constant --weight-decay 0 --max-grad-norm 0 --eval-every 50 --limit-test 0)
    for seed in $SEEDS; do
      for m in ${3:-full lora sparsegrad}; do
        case $m in
          full) run full "$seed" "${COMMON[@]}" --method full --lr "${LR:-5e-5}" ;;
          lora) run lora "$seed" "${COMMON[@]}" --method lora --rank 8 --alpha 16 --lora-dropout 0 \
            --lr "${LR_LOW:-5e-4}" ;;
          sparsegrad) run sparsegrad "$seed" "${COMMON[@]}" --method sparsegrad --collect-steps 10 --keep 6144 \
            --lr "${LR_LOW:-2e-4}" ;;
        esac
      done
    done ;;
  *) echo "run-ours.sh: first argument: relora or sparsegrad" >&2; exit 2 ;;
esac
wait
