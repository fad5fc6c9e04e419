#!/usr/bin/env bash
# The decoder compression table of BENCHMARKS.md: the LLaMA-style decoder of
# recipes/models/llama-d256-l6-gqa.json (6 layers, d=256, 8 query / 2 key-value heads, byte-level
# tokenizer) initialised with seed 1 and trained in full on Moby-Dick (STEPS updates of 8 x 128
# tokens, lr 2e-3, 40 warm-up updates, cosine to zero, no weight decay, seed 3; the last 5 % of
# the text held out), then K = 1, 2, 3 of its layers replaced by fitted linear maps (--max-blocks K
# with a loose perplexity budget forces K), each without healing, with --heal lora and with
# --heal distill (HEAL_STEPS steps of 16 blocks, lr HEAL_LR), and once under the default budget
# (--max-perplexity-ratio 1.05) with every layer tried. Test perplexity is per byte on every
# held-out block. Each K is exported to ONNX fp32 and timed against the uncompressed export with
# `bench --compare` (interleaved, batch 8 x 128 tokens, empty key/value cache, 2 threads). Prints a
# Markdown table.
#
#   tests/bench/compress-decoder.sh [STEPS] [HEAL_STEPS] [HEAL_LR]
#
# Work goes to $WORK (default runs/compress-decoder); a finished step is skipped on a rerun, and
# the training resumes from its checkpoint, so an interrupted run resumes. LINFORGE overrides the
# launcher (default ./linforge).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LF=${LINFORGE:-$ROOT/linforge}
STEPS=${1:-800}
HEAL_STEPS=${2:-40}
HEAL_LR=${3:-1e-3}
W=${WORK:-$ROOT/runs/compress-decoder}
DATA=$ROOT/recipes/data/moby_dick.txt
CONFIG=$ROOT/recipes/models/llama-d256-l6-gqa.json
SEQ=128
mkdir -p "$W/onnx"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
once() { # once OUTPUT command...: runs the command unless OUTPUT exists
  local out=$1; shift
  if [ ! -e "$out" ]; then log "$*"; "$@" >>"$W/log.txt" 2>&1; fi
}

once "$W/init" "$LF" init --config "$CONFIG" --seed 1 --out "$W/init"
once "$W/full" "$LF" train --model "$W/init" --data "$DATA" --method full --steps "$STEPS" --batch 8 --seq $SEQ \
  --lr 2e-3 --warmup 40 --weight-decay 0.0 --limit-test 64 --seed 3 --save-every 50 --resume \
  --out "$W/full" --json "$W/full.json"
once "$W/onnx/k0" "$LF" export --model "$W/full" --out "$W/onnx/k0"
for k in 1 2 3; do
  for heal in none lora distill; do
    c=k$k-$heal
    extra=()
    [ "$heal" = none ] || extra=(--heal "$heal" --heal-steps "$HEAL_STEPS" --heal-lr "$HEAL_LR")
    once "$W/$c" "$LF" compress --model "$W/full" --data "$DATA" --max-perplexity-ratio 1000 --max-blocks $k \
      --samples 128 --seq $SEQ --seed 42 "${extra[@]}" --out "$W/$c" --json "$W/$c.json"
  done
  once "$W/onnx/k$k" "$LF" export --model "$W/k$k-none" --out "$W/onnx/k$k"
  once "$W/bench-k$k.json" "$LF" bench --model "$W/onnx/k$k" --compare "$W/onnx/k0" --batch 8 --seq $SEQ \
    --threads 2 --warmup 2 --iterations 6 --json "$W/bench-k$k.json"
done

# the default budget, without a block limit: every layer is tried
once "$W/budget" "$LF" compress --model "$W/full" --data "$DATA" --max-perplexity-ratio 1.05 --samples 128 --seq $SEQ \
  --seed 42 --out "$W/budget" --json "$W/budget.json"

# multiply-adds per token: per layer h·(q + 2·kv + q) for the projections (q = heads·head_dim,
# kv = kv_heads·head_dim), 3·h·f for the SwiGLU MLP, 2·S·q for the attention scores and values
# (full S, as for the encoder table); a linear map h²; the LM head h·vocab. FLOPs per block of S
# tokens = 2 × S × MACs per token.
cfg=$W/full/config.json
h=$(jq .hidden_size "$cfg"); f=$(jq .intermediate_size "$cfg"); L=$(jq .num_hidden_layers "$cfg")
q=$(jq '.num_attention_heads * .head_dim' "$cfg"); kv=$(jq '.num_key_value_heads * .head_dim' "$cfg")
V=$(jq .vocab_size "$cfg")
flops() { echo "2 * $SEQ * (($L - $1) * ($h*(2*$q + 2*$kv) + 3*$h*$f + 2*$SEQ*$q) + $1*$h*$h + $h*$V)" | bc; }
F0=$(flops 0)
j() { jq -r "$2" "$W/$1.json"; }
commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
P0=$(j k1-none .parameters_before)
T0=$(j k1-none .test_perplexity_before)
V0=$(j k1-none .validation_perplexity_before)
echo "Full training: $STEPS updates; test perplexity $(printf %.4f "$T0") on $(j k1-none .test_blocks) held-out blocks" \
  "of $SEQ bytes, validation $(printf %.4f "$V0") on $(j k1-none .validation_blocks) blocks; healing $HEAL_STEPS steps, lr $HEAL_LR"
echo
echo "| K | layers replaced (linearity) | parameters | GFLOP/block | FLOP reduction | validation ppl | test ppl: none / lora / distill | test ppl ratio: none / lora / distill | p50 ms (K / 0) | latency reduction |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |"
printf "| 0 | — | %s | %.3f | — | %.4f | %.4f | — | — | — |\n" "$(commas "$P0")" "$(echo "$F0 / 10^9" | bc -l)" "$V0" "$T0"
for k in 1 2 3; do
  Fk=$(flops $k)
  fr=$(echo "1 - $Fk / $F0" | bc -l)
  layers=$(jq -r '[.tried[] | select(.kept) | "\(.layer) (\(.linearity * 1000 | round / 1000))"] | join(", ")' "$W/k$k-none.json")
  cp50=$(jq '.results[0].candidate_p50_ms' "$W/bench-k$k.json")
  bp50=$(jq '.results[0].baseline_p50_ms' "$W/bench-k$k.json")
  t=("$(j k$k-none .test_perplexity_after)" "$(j k$k-lora .test_perplexity_after_healing)" \
     "$(j k$k-distill .test_perplexity_after_healing)")
  printf "| %d | %s | %s | %.3f | %.1f %% | %.4f | %.4f / %.4f / %.4f | %.3f / %.3f / %.3f | %.1f / %.1f | %.1f %% |\n" \
    $k "$layers" "$(commas "$(j k$k-none .parameters_after)")" "$(echo "$Fk / 10^9" | bc -l)" "$(echo "100 * $fr" | bc -l)" \
    "$(j k$k-none .validation_perplexity_after)" "${t[@]}" \
    "$(echo "${t[0]} / $T0" | bc -l)" "$(echo "${t[1]} / $T0" | bc -l)" "$(echo "${t[2]} / $T0" | bc -l)" \
    "$cp50" "$bp50" "$(echo "100 * (1 - $cp50 / $bp50)" | bc -l)"
done
echo
echo "Default budget (--max-perplexity-ratio 1.05, every layer tried): replaced $(jq -c .replaced_layers "$W/budget.json")," \
  "validation ratio $(printf %.4f "$(j budget .validation_perplexity_ratio)"), test ratio" \
  "$(printf %.4f "$(j budget .test_perplexity_ratio)"); tried: $(jq -r '[.tried[] | "\(.layer) (\(.linearity * 1000 | round / 1000)): \(.validation_perplexity * 10000 | round / 10000)\(if .kept then " kept" else "" end)"] | join(", ")' "$W/budget.json")"
