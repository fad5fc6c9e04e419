#!/usr/bin/env bash
# The compression table of BENCHMARKS.md for one data set: all-MiniLM-L6-v2 LoRA-fine-tuned on it
# (r=8, alpha=16, query+value, batch 16 x 128 tokens, as the quickstart), then 1, 2 and 3 of its 6
# layers replaced by fitted linear maps (--max-blocks K with a loose budget forces K), each without
# healing, with --heal lora and with --heal distill. Every model is exported to ONNX fp32 and
# validated against the fine-tuned export on the data's test split with ONNX Runtime (accuracy,
# KL of the logits); each K is timed against the fine-tuned export with `bench --compare`
# (interleaved, batch 32 x 128, 2 threads). Prints a Markdown table.
#
#   tests/bench/compress-table.sh NAME DATA.jsonl TRAIN_STEPS TRAIN_LR [HEAL_STEPS]
#
# Work goes to $WORK/NAME (default runs/compress-table/NAME); a finished step is skipped on a
# rerun, so an interrupted run resumes (only the trained adapter `ft` and the JSON results are
# needed to resume). HEALS picks the healing variants (default "none lora distill"). LINFORGE overrides the launcher (default ./linforge).
# TABLE_ONLY=1 prints the table from the JSON results already in $WORK/NAME (e.g. copied back from
# another machine) without running anything.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LF=${LINFORGE:-$ROOT/linforge}
if [ $# -lt 4 ]; then
  echo "usage: $0 NAME DATA.jsonl TRAIN_STEPS TRAIN_LR [HEAL_STEPS]" >&2
  exit 2
fi
NAME=$1
DATA=$(realpath "$2")
STEPS=$3
LR=$4
HEAL_STEPS=${5:-40}
HEALS=${HEALS:-none lora distill}
BASE=${WORK:-$ROOT/runs/compress-table}
W=$BASE/$NAME
SEQ=128
mkdir -p "$W/onnx"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
once() { # once OUTPUT command...: runs the command unless OUTPUT exists
  local out=$1; shift
  [ -z "${TABLE_ONLY:-}" ] || return 0
  if [ ! -e "$out" ]; then log "$*"; "$@" >>"$W/log.txt" 2>&1; fi
}

once "$BASE/minilm" "$LF" import --onnx "$ROOT/target/models/all-minilm-l6-v2.jar" --out "$BASE/minilm"
once "$W/ft" "$LF" train --model "$BASE/minilm" --data "$DATA" --method lora --rank 8 --alpha 16 \
  --target-modules query,value --steps "$STEPS" --batch 16 --seq $SEQ --lr "$LR" --seed 42 --out "$W/ft" --json "$W/ft.json"
once "$W/onnx/k0" "$LF" export --model "$BASE/minilm" --adapter "$W/ft" --out "$W/onnx/k0"
once "$W/v-k0.json" "$LF" validate --reference "$W/onnx/k0" --candidate "$W/onnx/k0" --data "$DATA" \
  --max-length $SEQ --json "$W/v-k0.json"
run() { log "$*"; "$@" >>"$W/log.txt" 2>&1; }
for k in 1 2 3; do
  for heal in $HEALS; do
    c=k$k-$heal
    # one chain per model: compress, export, validate (and for K without healing the latency);
    # a chain cut short starts over
    if [ -e "$W/v-$c.json" ] && { [ "$heal" != none ] || [ -e "$W/bench-k$k.json" ]; }; then continue; fi
    [ -z "${TABLE_ONLY:-}" ] || continue
    rm -rf "${W:?}/$c" "$W/onnx/$c"
    extra=()
    [ "$heal" = none ] || extra=(--heal "$heal" --heal-steps "$HEAL_STEPS")
    run "$LF" compress --model "$BASE/minilm" --adapter "$W/ft" --data "$DATA" --max-accuracy-drop 1 \
      --max-blocks $k --seq $SEQ --seed 42 "${extra[@]}" --out "$W/$c" --json "$W/$c.json"
    run "$LF" export --model "$W/$c" --out "$W/onnx/$c"
    run "$LF" validate --reference "$W/onnx/k0" --candidate "$W/onnx/$c" --data "$DATA" \
      --max-length $SEQ --json "$W/v-$c.tmp" && mv "$W/v-$c.tmp" "$W/v-$c.json"
    if [ "$heal" = none ]; then
      run "$LF" bench --model "$W/onnx/k$k-none" --compare "$W/onnx/k0" --batch 32 --seq $SEQ \
        --threads 2 --warmup 2 --iterations 6 --json "$W/bench-k$k.json"
    fi
  done
done

# multiply-adds per 128-token row: per layer 4h² + 2hf (projections, MLP) + 2sh (attention) per
# token; a linear map h² per token; the head h² + h·labels once per row; FLOPs = 2 × MACs
cfg=$BASE/minilm/config.json
h=$(jq .hidden_size "$cfg"); f=$(jq .intermediate_size "$cfg"); L=$(jq .num_hidden_layers "$cfg")
labels=$(jq '.labels | length' "$W/ft.json")
flops() { echo "2 * ($SEQ * (($L - $1) * (4*$h*$h + 2*$h*$f + 2*$SEQ*$h) + $1*$h*$h) + $h*$h + $h*$labels)" | bc; }
F0=$(flops 0)
acc() { jq -r '.metrics.candidate_accuracy' "$W/v-$1.json"; }
kl() { jq -r '.metrics.kl_mean' "$W/v-$1.json"; }
ref=$(jq -r '.metrics.reference_accuracy' "$W/v-k0.json")
rows=$(jq -r .rows "$W/v-k0.json")
echo "$NAME: fine-tuned test accuracy $ref on $rows test rows (ONNX Runtime); LoRA $STEPS steps, lr $LR; healing $HEAL_STEPS steps"
echo
hs=${HEALS// / \/ }
echo "| K | layers replaced | GFLOP/row | FLOP reduction | accuracy: $hs | drop (points): $hs | KL to fine-tuned: $hs | p50 ms (K / 0) | latency reduction | latency / FLOP reduction |"
echo "| ---: | --- | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |"
printf "| 0 | — | %.3f | — | %.4f | — | — | — | — | — |\n" "$(echo "$F0 / 10^9" | bc -l)" "$ref"
for k in 1 2 3; do
  Fk=$(flops $k)
  fr=$(echo "1 - $Fk / $F0" | bc -l)
  layers=$(jq -c .replaced_layers "$W/k$k-none.json")
  cp50=$(jq '.results[0].candidate_p50_ms' "$W/bench-k$k.json")
  bp50=$(jq '.results[0].baseline_p50_ms' "$W/bench-k$k.json")
  lr_=$(echo "1 - $cp50 / $bp50" | bc -l)
  a=(); d=(); q=()
  for heal in $HEALS; do
    a+=("$(printf %.4f "$(acc k$k-$heal)")")
    d+=("$(printf %.1f "$(echo "100 * ($ref - $(acc k$k-$heal))" | bc -l)")")
    q+=("$(printf %.4f "$(kl k$k-$heal)")")
  done
  j() { local IFS=/; echo "$*" | sed 's#/# / #g'; }
  printf "| %d | %s | %.3f | %.1f %% | %s | %s | %s | %.1f / %.1f | %.1f %% | %.2f |\n" \
    $k "$layers" "$(echo "$Fk / 10^9" | bc -l)" "$(echo "100 * $fr" | bc -l)" "$(j "${a[@]}")" "$(j "${d[@]}")" "$(j "${q[@]}")" \
    "$cp50" "$bp50" "$(echo "100 * $lr_" | bc -l)" "$(echo "$lr_ / $fr" | bc -l)"
done
