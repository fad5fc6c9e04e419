#!/usr/bin/env bash
# Latency of all-MiniLM-L6-v2 with K = 1, 2, 3 of its 6 layers replaced by fitted linear maps,
# against the unmodified model, on ONNX Runtime CPU (`bench --compare`: interleaved rounds, batch
# 32 x 128, 2 intra-op threads), next to the FLOP reduction. Latency depends only on how many layers
# are replaced, not on the fitted weights, so the maps are fitted on a small calibration set.
#
#   tests/bench/compress-latency.sh [WORKDIR]
#
# LINFORGE overrides the launcher (default ./linforge). Prints a Markdown table.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LF=${LINFORGE:-$ROOT/linforge}
W=${1:-$ROOT/runs/compress-latency}
DATA=$ROOT/recipes/data/spam-quick.jsonl
SEQ=128
mkdir -p "$W"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
run() { log "$*"; "$@" >>"$W/log.txt" 2>&1; }
[ -d "$W/minilm" ] || run "$LF" import --onnx "$ROOT/target/models/all-minilm-l6-v2.jar" --out "$W/minilm"
# a classifier head so that compress can check its budget (not trained: only the shape matters)
[ -d "$W/head" ] || run "$LF" train --model "$W/minilm" --data "$DATA" --method lora --steps 1 --batch 2 --seq 16 \
  --limit-test 4 --save-every 0 --seed 1 --out "$W/head"
[ -d "$W/onnx/k0" ] || run "$LF" export --model "$W/minilm" --adapter "$W/head" --out "$W/onnx/k0"
for k in 1 2 3; do
  [ -d "$W/k$k" ] || run "$LF" compress --model "$W/minilm" --adapter "$W/head" --data "$DATA" --max-accuracy-drop 1 \
    --max-blocks $k --samples 64 --validation 16 --seq $SEQ --seed 42 --out "$W/k$k"
  [ -d "$W/onnx/k$k" ] || run "$LF" export --model "$W/k$k" --out "$W/onnx/k$k"
  [ -s "$W/bench-k$k.json" ] || run "$LF" bench --model "$W/onnx/k$k" --compare "$W/onnx/k0" --batch 32 --seq $SEQ \
    --threads 2 --warmup 2 --iterations 10 --json "$W/bench-k$k.json"
done
cfg=$W/minilm/config.json
h=$(jq .hidden_size "$cfg"); f=$(jq .intermediate_size "$cfg"); L=$(jq .num_hidden_layers "$cfg")
# multiply-adds per token: per layer 4h² + 2hf + 2·seq·h (attention), a linear map h²; FLOPs = 2 × MACs
flops() { echo "2 * $SEQ * (($L - $1) * (4*$h*$h + 2*$h*$f + 2*$SEQ*$h) + $1*$h*$h)" | bc; }
F0=$(flops 0)
echo "| K | GFLOP/row | FLOP reduction | p50 ms (K / 0) | latency reduction | latency / FLOP reduction |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for k in 1 2 3; do
  Fk=$(flops $k); fr=$(echo "1 - $Fk / $F0" | bc -l)
  c=$(jq '.results[0].candidate_p50_ms' "$W/bench-k$k.json"); b=$(jq '.results[0].baseline_p50_ms' "$W/bench-k$k.json")
  lr_=$(echo "1 - $c / $b" | bc -l)
  printf "| %d | %.3f | %.1f %% | %.1f / %.1f | %.1f %% | %.2f |\n" $k "$(echo "$Fk / 10^9" | bc -l)" \
    "$(echo "100 * $fr" | bc -l)" "$c" "$b" "$(echo "100 * $lr_" | bc -l)" "$(echo "$lr_ / $fr" | bc -l)"
done
