#!/usr/bin/env bash
# GPU suite: runs on the GPU test host (CUDA 13, no Java, no network) after the GPU kit's parts
# (.gpu/k1..k4, t1..t3, and optionally .gpu/trt*) were copied to /tmp/linforge-gpu/parts.
#   bash tests/gpu/gpu-suite.sh GPUJARS MINILM_CKPT OUTDIR
# GPUJARS: folder with linforge's jars and their dependencies (no libtorch, no ORT natives).
# MINILM_CKPT: the imported all-MiniLM-L6-v2 checkpoint (with tokenizer.json).
# Writes OUTDIR/summary.json and the JSON of every step.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JARS=$(cd "$1" && pwd); MINILM=$(cd "$2" && pwd); OUT=$3; mkdir -p "$OUT"
eval "$(bash "$ROOT/.gpu/k0/setup.sh")"
W=/tmp/linforge-gpu/work; mkdir -p $W
export DJL_CACHE_DIR=/tmp/linforge-gpu/djl DJL_OFFLINE=true
TRT=/tmp/linforge-gpu/trt
if ls /tmp/linforge-gpu/parts/trtpart.* >/dev/null 2>&1 && [ ! -s $TRT/libnvinfer.so.11 ]; then
  mkdir -p $TRT && cat /tmp/linforge-gpu/parts/trtpart.* | "$ROOT/.gpu/k0/zstd" -d -q | tar xf - -C $TRT
fi
CP="$JARS/*:${LINFORGE_DJL_NATIVE_JAR:-}"
[ -d $TRT ] && CP="$CP:$TRT/jars/*"
export LD_LIBRARY_PATH="$TRT:$LD_LIBRARY_PATH"
L() { $JAVA -Xmx24g -Donnxruntime.native.path=$LINFORGE_ORT_NATIVE -Dai.djl.offline=true -Dlinforge.root="$ROOT" \
  -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.cachedir=/tmp/linforge-gpu/javacpp \
  -Djava.library.path=$TRT -Dorg.bytedeco.javacpp.pathsFirst=true \
  -cp "$CP" io.linforge.cli.Main "$@"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/gpu.txt"
python3 "$ROOT/tests/gpu/make_models.py" $W/bert-base > "$OUT/make_models.log" 2>&1
cp "$MINILM/tokenizer.json" $W/bert-base/
DATA="$ROOT/recipes/data/spam-small.jsonl"
for m in minilm bert-base; do
  src=$MINILM; [ $m = bert-base ] && src=$W/bert-base
  for p in fp32 fp16; do
    flag=; [ $p = fp16 ] && flag=--fp16
    L export --model $src --out $W/$m-$p $flag --json "$OUT/export-$m-$p.json" > "$OUT/export-$m-$p.log" 2>&1
    # CUDA EP vs CPU EP on the same export
    L validate --reference $W/$m-$p --candidate $W/$m-$p --reference-provider cpu --provider cuda,cpu \
      --data "$DATA" --limit 64 --tokenizer $MINILM/tokenizer.json --min-cosine 0.999 \
      --json "$OUT/parity-$m-$p.json" > "$OUT/parity-$m-$p.log" 2>&1
    echo "parity $m $p rc=$?" >> "$OUT/steps.txt"
  done
done
# the same BERT-base at opset 23 (the standard Attention op), fp16, with its CUDA EP parity
L export --model $W/bert-base --out $W/bert-base-fp16-op23 --fp16 --opset 23 --json "$OUT/export-bert-base-fp16-op23.json" \
  > "$OUT/export-bert-base-fp16-op23.log" 2>&1
L validate --reference $W/bert-base-fp16-op23 --candidate $W/bert-base-fp16-op23 --reference-provider cpu \
  --provider cuda,cpu --data "$DATA" --limit 64 --tokenizer $MINILM/tokenizer.json --min-cosine 0.999 \
  --json "$OUT/parity-bert-base-fp16-op23.json" > "$OUT/parity-bert-base-fp16-op23.log" 2>&1
echo "parity bert-base fp16-op23 rc=$?" >> "$OUT/steps.txt"
# sentence-embedding exports (mean pooling + normalize in the graph: only [batch, hidden] comes back)
for op in 17 23; do
  L export --model $W/bert-base --out $W/bert-base-fp16-pooled-op$op --fp16 --opset $op --pooling mean --normalize \
    --json "$OUT/export-bert-base-fp16-pooled-op$op.json" > "$OUT/export-bert-base-fp16-pooled-op$op.log" 2>&1
  L validate --reference $W/bert-base-fp16-op23 --candidate $W/bert-base-fp16-pooled-op$op --reference-provider cpu \
    --provider cuda,cpu --data "$DATA" --limit 64 --tokenizer $MINILM/tokenizer.json --min-cosine 0.999 \
    --json "$OUT/parity-bert-base-fp16-pooled-op$op.json" > "$OUT/parity-bert-base-fp16-pooled-op$op.log" 2>&1
  echo "parity bert-base fp16-pooled-op$op rc=$?" >> "$OUT/steps.txt"
done
L export --model $MINILM --out $W/minilm-fp16-pooled --fp16 --pooling mean --normalize \
  --json "$OUT/export-minilm-fp16-pooled.json" > "$OUT/export-minilm-fp16-pooled.log" 2>&1
# throughput at 32 x 128: PyTorch before and after ours, to bracket drifts of the GPU
python3 "$ROOT/tests/gpu/torch_bench.py" $W/bert-base 32 128 "$OUT/torch-bert-base-fp16-before.json" > "$OUT/torch.log" 2>&1
for m in bert-base-fp16 bert-base-fp16-op23 bert-base-fp16-pooled-op17 bert-base-fp16-pooled-op23 bert-base-fp32; do
  L bench --model $W/$m --provider cuda,cpu --batch 32 --seq 128 --warmup 50 --iterations 200 --vocab 30522 \
    --json "$OUT/bench-$m-cuda.json" > "$OUT/bench-$m-cuda.log" 2>&1
done
for m in minilm-fp16 minilm-fp16-pooled; do
  L bench --model $W/$m --provider cuda,cpu --batch 1,32 --seq 128 --warmup 50 --iterations 200 \
    --json "$OUT/bench-$m-cuda.json" > "$OUT/bench-$m-cuda.log" 2>&1
done
python3 "$ROOT/tests/gpu/torch_bench.py" $W/bert-base 32 128 "$OUT/torch-bert-base-fp16-after.json" >> "$OUT/torch.log" 2>&1
if [ -d $TRT ]; then
  # parse each export into a TensorRT network, then try to build an engine
  HF="$ROOT/core/src/test/resources/fixtures/hf"
  for spec in "minilm-fp32:$MINILM:" "minilm-fp16:$MINILM:--fp16" "bert-base-fp16:$W/bert-base:--fp16" \
      "llama-fp32:$HF/llama:" "llama-fp16:$HF/llama:--fp16"; do
    IFS=: read -r name src flag <<< "$spec"
    L export --model $src --out $W/trt-$name $flag --tensorrt --json "$OUT/trt-$name.json" > "$OUT/trt-$name.log" 2>&1
    echo "trt $name rc=$?" >> "$OUT/steps.txt"
  done
fi
echo done >> "$OUT/steps.txt"
