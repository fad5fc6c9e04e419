#!/usr/bin/env bash
# The reference side on the GPU host (after stage-reference.sh; .ref/ carried), several runs at once:
#   relora OUT       full-rank learning-rate sweep (LRS, default 5e-4 1e-3 2e-3 4e-3) x 3 seeds; then, at the
#                    best full-rank rate B, LoRA-only and ReLoRA (warm start = the full run's first 150 updates)
#                    with the low-rank rate B and 2B, ReLoRA as published (lora_A zero until the first merge)
#                    and with A drawn at wrap; curves in OUT/sweep and OUT/lrB, OUT/lr2B
#   sparsegrad OUT   full fine-tuning and SparseGrad (MLP-only, and as published) x 3 seeds
# Environment: PAR (runs at once, default 6), STEPS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
KIND=${1:?relora or sparsegrad}; OUT=${2:?output folder}; PAR=${PAR:-6}
mkdir -p "$OUT"
par() { xargs -P "$PAR" -I{} bash -c '{}' ; }
case $KIND in
  relora)
    R=(python3 "$HERE/relora_ref.py" --model "$ROOT/.ref/init16" --data "$ROOT/recipes/data/moby_dick.txt" --steps "${STEPS:-600}")
    python3 "$HERE/relora_ref.py" --model "$ROOT/.ref/init16" --data "$ROOT/recipes/data/moby_dick.txt" --steps 2 \
      --method full --check-transformers --out "$OUT/check.json" || true
    for s in 1 2 3; do for lr in ${LRS:-5e-4 1e-3 2e-3 4e-3}; do
      echo "${R[*]} --method full --lr $lr --seed $s --out $OUT/sweep/ref-full-lr$lr-s$s.json"; done; done | par
    B=$(python3 - "$OUT/sweep" <<'PY'
import glob, json, statistics, sys, collections
g = collections.defaultdict(list)
for f in glob.glob(sys.argv[1] + "/*.json"):
    r = json.load(open(f)); g[r["config"]["lr"]].append(r["final"]["eval_perplexity"])
print(min(g, key=lambda k: statistics.mean(g[k])))
PY
)
    echo "best full-rank learning rate: $B" | tee "$OUT/best-lr.txt"
    for s in 1 2 3; do for m in 1 2; do
      L=$(python3 -c "print($B * $m)"); D="$OUT/lr${m}B"
      echo "${R[*]} --method full --lr $B --seed $s --out $D/ref-full-s$s.json"
      echo "${R[*]} --method lora --lr $B --lr-lowrank $L --seed $s --out $D/ref-lora-s$s.json"
      echo "${R[*]} --method relora --lr $B --lr-lowrank $L --seed $s --out $D/ref-relora-s$s.json"
      echo "${R[*]} --method relora --lr $B --lr-lowrank $L --lora-a-live --seed $s --out $D/ref-relora-live-s$s.json"
    done; done | par ;;
  sparsegrad)
    S=(python3 "$HERE/sparsegrad_ref.py" --model "$ROOT/.ref/minilm16" --data "$ROOT/recipes/data/sotu_party.jsonl" --steps "${STEPS:-300}")
    for s in 1 2 3; do
      echo "${S[*]} --method full --seed $s --out $OUT/ref-full-s$s.json"
      echo "${S[*]} --method sparsegrad --seed $s --out $OUT/ref-sparsegrad-s$s.json"
      echo "${S[*]} --method sparsegrad --trainable published --seed $s --out $OUT/ref-sparsegrad-published-s$s.json"
    done | par ;;
  *) echo "run-reference.sh: first argument: relora or sparsegrad" >&2; exit 2 ;;
esac
for d in "$OUT" "$OUT"/*/; do
  ls "$d"/*.json > /dev/null 2>&1 && python3 "$HERE/compare.py" "${d%/}/table.md" "$d" > /dev/null || true
done
