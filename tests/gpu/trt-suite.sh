#!/usr/bin/env bash
# TensorRT suite: runs on the GPU test host after the GPU kit's parts (.gpu/k1..k4 and .gpu/r1..rN,
# ../shared/gpu-kit/prepare.sh --with-trt) were copied to /tmp/linforge-gpu/parts and the fp16
# MiniLM checkpoints of tests/gpu/stage.sh to /tmp/linforge-gpu/{minilm16,compressed16,heal}; .gpu/k0, .gpu/r0 and
# .gpu/jars either travel with the call or were copied to /tmp/linforge-gpu/stage/.gpu/ before.
#   bash tests/gpu/trt-suite.sh OUTDIR [build|bench|torch|junit|libs|rebuild|quick|decoder|profile|softmax|devdecode]...   (default: build bench)
# build: TensorRtPlanParityTest; fp32 and fp16 engines (export --tensorrt) of MiniLM, BERT-base, a
#        compressed MiniLM and a LLaMA decoder with its key/value cache, plus pooled MiniLM/BERT-base;
#        validate of every engine against its ONNX export on ONNX Runtime CPU (padded batches);
#        32 greedy tokens of the decoder engine against ONNX Runtime CPU.
# bench: the engines (outputs left on the GPU, hidden states to host, pooled to host), the ORT CUDA EP on
#        the same exports, the decoder per token (batch 1 and 32).
# quick: MiniLM and BERT-base fp16 engines (plain and pooled) only, validated and timed.
# decoder: the LLaMA engines only (validate, greedy tokens, per-token and per-prompt times).
# softmax: the quick engines again with attention scores and softmax in fp16 (export --fp16-softmax).
# devdecode: the fp16 LLaMA engine decoding with its cache on the GPU (generate, bench --outputs device).
# profile: TensorRT's per-layer profile of the fp16 engines built before (bench --profile).
# tune (TUNE_MODELS, TUNE_VARIANTS select): MiniLM and BERT-base fp16 engines at the default profile (batch opt 8), built for the timed shape
#       (--trt-batch 1,32,32) and at builder optimization level 5 (variants d8 o32 o32l5, each with -pooled), each timed with and without CUDA graphs
#       (plain: outputs on the GPU and hidden states to host; pooled: embedding to host); validated; then the
#       per-kernel times of the fastest BERT-base engine under ncu (kernels.csv, summarised by ncu_kernels.py).
# tunebuild: the engines of tune built at once (tune then skips them); TRT_WORK sets the work folder (default /tmp/linforge-gpu/work).
# gelucost: the -tanh engines (bert-base-tanh, minilm-tanh) validated against the exact-GELU export (the cost of the tanh form).
# TUNE_MODELS may name bert-base-tanh or minilm-tanh (the same weights with hidden_act gelu_new); TUNE_GRAPHS (default
# "graphs plain"; empty: no timings) and NCU_ENGINE (default bert-base-fp16-o32l5) narrow tune.
# torch: PyTorch eager (sdpa) and torch.compile max-autotune on the same weights (tests/gpu/torch_modes.py).
# Writes OUTDIR/steps.txt (one line per step with its exit code) and the JSON and log of every step.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "$1" && cd "$1" && pwd); shift
STEPS=${*:-build bench}
G=/tmp/linforge-gpu; W=${TRT_WORK:-$G/work}; mkdir -p $W
MINILM=$G/minilm16; COMP=$G/compressed16
step() { local name=$1; shift; local t0=$EPOCHREALTIME; "$@" > "$OUT/$name.log" 2>&1; local rc=$?
  awk -v n="$name" -v rc=$rc -v a=$t0 -v b=$EPOCHREALTIME 'BEGIN { printf "%s rc=%d %.1fs\n", n, rc, b - a }' >> "$OUT/steps.txt"; }
# Java, ONNX Runtime, libtorch and TensorRT from the kit: its .gpu/k0, .gpu/r0 and .gpu/jars travel with the call or
# were copied to /tmp/linforge-gpu/stage/.gpu/ before (the torch step needs none of it)
java_env() {
  [ -n "${JAVA:-}" ] && return 0
  KIT=$ROOT; [ -d "$KIT/.gpu/jars" ] || KIT=$G/stage
  eval "$(bash "$KIT/.gpu/k0/setup.sh")"
  eval "$(bash "$KIT/.gpu/r0/setup-trt.sh")"
  JARS=$KIT/.gpu/jars
  CP="$JARS/*:$LINFORGE_TRT_CP:${LINFORGE_DJL_NATIVE_JAR:-}"   # exports fold the model on DJL's libtorch (CPU)
  export DJL_CACHE_DIR=$G/djl DJL_OFFLINE=true
  JOPTS=(-Xmx48g -Donnxruntime.native.path=$LINFORGE_ORT_NATIVE -Dlinforge.root="$ROOT" -Dai.djl.offline=true
    -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.cachedir=$G/javacpp
    -Djava.library.path=$LINFORGE_TRT_LIB -Dorg.bytedeco.javacpp.pathsFirst=true)
  echo "TensorRT libs: $LINFORGE_TRT_LIB" >> "$OUT/gpu.txt"
}
L() { $JAVA "${JOPTS[@]}" -cp "$CP" io.linforge.cli.Main "$@"; }
DATA="$ROOT/recipes/data/spam-small.jsonl"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader >> "$OUT/gpu.txt"

# the LLaMA engine of precision $1 per token (batch 1 and 32 after a cache of 128, beside the ORT CUDA EP) and per prompt
bench_llama() {
  step bench-llama-$1-trt-decode L bench --model $W/llama-$1/model.plan --provider tensorrt-plan --batch 1,32 --seq 1 \
    --decode-past 128 --warmup 20 --iterations 200 --vocab 32000 --json "$OUT/bench-llama-$1-trt-decode.json"
  step bench-llama-$1-ortcuda-decode L bench --model $W/llama-$1/model.onnx --provider cuda,cpu --batch 1,32 --seq 1 \
    --decode-past 128 --warmup 20 --iterations 200 --vocab 32000 --json "$OUT/bench-llama-$1-ortcuda-decode.json"
  step bench-llama-$1-trt-prompt L bench --model $W/llama-$1/model.plan --provider tensorrt-plan --batch 1,32 --seq 128 \
    --warmup 20 --iterations 100 --vocab 32000 --json "$OUT/bench-llama-$1-trt-prompt.json"
}

# 32 greedy tokens of the LLaMA export of precision $1 on ONNX Runtime CPU and of its engine
generate_both() {
  for prov in cpu tensorrt-plan; do
    m=$W/llama-$1/model.onnx; [ $prov = tensorrt-plan ] && m=$W/llama-$1/model.plan
    step generate-llama-$1-$prov L generate --model $m --provider $prov --prompt "Call me Ishmael. Some years ago" \
      --max-new-tokens 32 --json "$OUT/generate-llama-$1-$prov.json"
  done
}

bert_base() {
  [ -s $W/bert-base/model.safetensors ] || { python3 "$ROOT/tests/gpu/make_models.py" $W/bert-base > "$OUT/make_models.log" 2>&1;
    cp $MINILM/tokenizer.json $W/bert-base/; }
}

# the checkpoint of a tune model: minilm, bert-base, or either with -tanh (the same weights, hidden_act gelu_new)
tune_src() {
  local m=$1 base=${1%-tanh} src=$MINILM
  [ $base = bert-base ] && { bert_base; src=$W/bert-base; }
  if [ $m != $base ]; then
    [ -s $W/$m/model.safetensors ] || { mkdir -p $W/$m; cp $src/* $W/$m/;
      sed -i 's/"hidden_act" *: *"gelu"/"hidden_act": "gelu_new"/' $W/$m/config.json; }
    src=$W/$m
  fi
  echo $src
}

models() {
  bert_base
  [ -s $W/llama/model.safetensors ] || L init --config "$ROOT/recipes/models/llama-d768-l12-gqa.json" --seed 1 --out $W/llama \
    > "$OUT/init-llama.log" 2>&1
}

# TensorRtPlanParityTest (engines of the transformers fixtures against ONNX Runtime CPU), from the exporter's folder
junit() {
  java_env
  local cp; cp=$(ls "$JARS"/*.jar "$JARS"/test/linforge-exporter-tests.jar $(dirname "$LINFORGE_TRT_CP")/*.jar | tr '\n' ':')
  (cd "$ROOT/exporter" && $JAVA "${JOPTS[@]}" -jar $JARS/test/junit-platform-console-standalone-*.jar execute \
     --class-path "$cp${LINFORGE_DJL_NATIVE_JAR:-}" --select-class io.linforge.exporter.TensorRtPlanParityTest \
     --details=tree --disable-banner) > "$OUT/junit-TensorRtPlanParityTest.txt" 2>&1
  echo "junit TensorRtPlanParityTest rc=$?" >> "$OUT/steps.txt"
}

# which CUDA math libraries TensorRT loads while building an engine (the kit's cuBLAS/cuDNN 8 are empty stubs)
libs() {
  java_env
  rm -rf $W/libs-probe
  LD_DEBUG=libs L export --model $MINILM --out $W/libs-probe --fp16 --tensorrt 2>&1 | grep -iE "cublas|cudnn|nvrtc|myelin" \
    | grep -E "calling init|find library|trying file" | sort | uniq -c | head -60 > "$OUT/libs-probe.txt"
  echo "libs rc=$?" >> "$OUT/steps.txt"
}

# BERT-base and MiniLM fp16 engines again, timed the same way; run after replacing the kit's stub cuBLAS libraries with
# real ones (done by hand on 2026-12-01: libcublasLt-*.so.12 and libcublas-*.so.12 from
# ai.djl.pytorch:pytorch-native-cu124:2.5.1:linux-x86_64, copied to /tmp/linforge-gpu/trt as libcublasLt.so.12 and
# libcublas.so.12 next to their original names)
rebuild() {
  java_env
  for m in bert-base minilm; do
    src=$MINILM; [ $m = bert-base ] && src=$W/bert-base
    rm -rf $W/$m-fp16-cublas
    step export-$m-fp16-cublas L export --model $src --out $W/$m-fp16-cublas --fp16 --tensorrt --json "$OUT/export-$m-fp16-cublas.json"
    step bench-$m-fp16-cublas-trt-gpu L bench --model $W/$m-fp16-cublas/model.plan --provider tensorrt-plan --batch 32 --seq 128 \
      --warmup 50 --iterations 300 --outputs device --json "$OUT/bench-$m-fp16-cublas-trt-gpu.json"
    step bench-$m-fp16-cublas-trt-hidden L bench --model $W/$m-fp16-cublas/model.plan --provider tensorrt-plan --batch 32 \
      --seq 128 --warmup 50 --iterations 300 --json "$OUT/bench-$m-fp16-cublas-trt-hidden.json"
  done
}

# the headline numbers only: MiniLM and BERT-base fp16 engines (plain and pooled), validated and timed
quick() {
  java_env
  for m in minilm bert-base; do
    src=$MINILM; [ $m = bert-base ] && { bert_base; src=$W/bert-base; }
    for v in plain pooled; do
      e=$m-fp16; flags=; [ $v = pooled ] && { e=$m-fp16-pooled; flags="--pooling mean --normalize"; }
      rm -rf $W/$e
      step export-$e L export --model $src --out $W/$e --fp16 $flags --tensorrt --json "$OUT/export-$e.json"
      step validate-$e L validate --reference $W/$e/model.onnx --reference-provider cpu --candidate $W/$e/model.plan \
        --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 --tokenizer $MINILM/tokenizer.json --json "$OUT/validate-$e.json"
      ways=host; [ $v = plain ] && ways="device host"
      for w in $ways; do
        step bench-$e-trt-$w L bench --model $W/$e/model.plan --provider tensorrt-plan --batch 32 --seq 128 --warmup 50 \
          --iterations 300 --outputs $w --json "$OUT/bench-$e-trt-$w.json"
      done
    done
  done
}

# the LLaMA d768 decoder (hidden states [batch·sequence, hidden] in exports for TensorRT): fp32 and fp16 engines,
# validated against their exports on ONNX Runtime CPU, 32 greedy tokens against ONNX Runtime CPU, timed per token
# (batch 1 and 32 after a cache of 128) and per prompt, beside the ONNX Runtime CUDA EP
decoder() {
  java_env
  models
  for p in fp32 fp16; do
    flag=; [ $p = fp16 ] && flag=--fp16
    rm -rf $W/llama-$p
    step export-llama-$p L export --model $W/llama --out $W/llama-$p $flag --tensorrt --json "$OUT/export-llama-$p.json"
    step validate-llama-$p L validate --reference $W/llama-$p/model.onnx --reference-provider cpu \
      --candidate $W/llama-$p/model.plan --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 \
      --tokenizer $W/llama/tokenizer.json --json "$OUT/validate-llama-$p.json"
    generate_both $p
    bench_llama $p
  done
}

# TensorRT's per-layer profile (bench --profile) of the fp16 engines that quick and decoder built
profile() {
  java_env
  for e in bert-base-fp16 bert-base-fp16-pooled minilm-fp16-pooled; do
    [ -s $W/$e/model.plan ] || continue
    rm -rf $W/profile-$e
    step profile-$e L bench --model $W/$e/model.plan --provider tensorrt-plan --batch 32 --seq 128 --warmup 20 \
      --iterations 50 --profile $W/profile-$e --json "$OUT/profile-$e.json"
    cp $W/profile-$e/*_layers.json "$OUT/profile-$e-layers.json" 2>/dev/null
  done
  if [ -s $W/llama-fp16/model.plan ]; then
    rm -rf $W/profile-llama
    step profile-llama-fp16-decode L bench --model $W/llama-fp16/model.plan --provider tensorrt-plan --batch 32 --seq 1 \
      --decode-past 128 --warmup 20 --iterations 50 --vocab 32000 --profile $W/profile-llama --json "$OUT/profile-llama-fp16-decode.json"
    cp $W/profile-llama/*_layers.json "$OUT/profile-llama-fp16-decode-layers.json" 2>/dev/null
  fi
}

# fp16 engines whose attention scores and softmax stay in fp16 (export --fp16-softmax), validated and timed like quick
softmax() {
  java_env
  bert_base
  for spec in bert-base:plain bert-base:pooled minilm:pooled minilm:plain; do
    IFS=: read -r m v <<< "$spec"
    src=$MINILM; [ $m = bert-base ] && src=$W/bert-base
    e=$m-fp16sm; flags=; [ $v = pooled ] && { e=$m-fp16sm-pooled; flags="--pooling mean --normalize"; }
    rm -rf $W/$e
    step export-$e L export --model $src --out $W/$e --fp16 --fp16-softmax $flags --tensorrt --json "$OUT/export-$e.json"
    step validate-$e L validate --reference $W/$e/model.onnx --reference-provider cpu --candidate $W/$e/model.plan \
      --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 --tokenizer $MINILM/tokenizer.json --json "$OUT/validate-$e.json"
    ways=host; [ $v = plain ] && ways="device host"
    for w in $ways; do
      step bench-$e-trt-$w L bench --model $W/$e/model.plan --provider tensorrt-plan --batch 32 --seq 128 --warmup 50 \
        --iterations 300 --outputs $w --json "$OUT/bench-$e-trt-$w.json"
    done
  done
}

# the fp16 LLaMA engine decoding with its key/value cache on the GPU: greedy tokens against ONNX Runtime CPU, and the
# per-token time of that loop (bench --decode-past 128 --outputs device) at batch 1 and 32
devdecode() {
  java_env
  models
  rm -rf $W/llama-fp16
  step export-llama-fp16 L export --model $W/llama --out $W/llama-fp16 --fp16 --tensorrt --json "$OUT/export-llama-fp16.json"
  generate_both fp16
  step bench-llama-fp16-trt-decode-devcache L bench --model $W/llama-fp16/model.plan --provider tensorrt-plan --batch 1,32 \
    --seq 1 --decode-past 128 --outputs device --warmup 20 --iterations 200 --vocab 32000 \
    --json "$OUT/bench-llama-fp16-trt-decode-devcache.json"
}

build() {
  junit
  models
  for spec in minilm:$MINILM bert-base:$W/bert-base compressed:$COMP llama:$W/llama; do
    IFS=: read -r m src <<< "$spec"
    for p in fp32 fp16; do
      flag=; [ $p = fp16 ] && flag=--fp16
      extra=; [ $m = bert-base ] && [ $p = fp16 ] && extra="--triton $W/triton --triton-name bert-base-fp16"
      [ $m = compressed ] && [ -d $G/heal ] && extra="--adapter $G/heal"   # the quickstart's healing adapter
      rm -rf $W/$m-$p
      step export-$m-$p L export --model $src --out $W/$m-$p $flag --tensorrt $extra --json "$OUT/export-$m-$p.json"
    done
  done
  for m in minilm bert-base; do
    src=$MINILM; [ $m = bert-base ] && src=$W/bert-base
    rm -rf $W/$m-fp16-pooled
    step export-$m-fp16-pooled L export --model $src --out $W/$m-fp16-pooled --fp16 --pooling mean --normalize --tensorrt \
      --json "$OUT/export-$m-fp16-pooled.json"
  done
  [ -d $W/triton ] && (cd $W && find triton -type f | sort && cat triton/*/config.pbtxt) > "$OUT/triton.txt" 2>&1
  # engine vs its own ONNX export on ONNX Runtime CPU, padded batches of 16 rows (texts of 10..128 tokens)
  for e in minilm-fp32 minilm-fp16 bert-base-fp32 bert-base-fp16 compressed-fp32 compressed-fp16 minilm-fp16-pooled \
      bert-base-fp16-pooled llama-fp32 llama-fp16; do
    tok=$MINILM/tokenizer.json; [ ${e%%-*} = llama ] && tok=$W/llama/tokenizer.json
    step validate-$e L validate --reference $W/$e/model.onnx --reference-provider cpu --candidate $W/$e/model.plan \
      --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 --tokenizer $tok --json "$OUT/validate-$e.json"
  done
  for p in fp32 fp16; do
    generate_both $p
  done
}

bench() {
  java_env
  B=(--warmup 50 --iterations 300 --seq 128)
  for m in bert-base minilm; do
    bs=32; [ $m = minilm ] && bs=1,32
    step bench-$m-fp16-trt-gpu L bench --model $W/$m-fp16/model.plan --provider tensorrt-plan --batch $bs "${B[@]}" --outputs device \
      --json "$OUT/bench-$m-fp16-trt-gpu.json"
    step bench-$m-fp16-trt-hidden L bench --model $W/$m-fp16/model.plan --provider tensorrt-plan --batch $bs "${B[@]}" \
      --json "$OUT/bench-$m-fp16-trt-hidden.json"
    step bench-$m-fp16-trt-pooled L bench --model $W/$m-fp16-pooled/model.plan --provider tensorrt-plan --batch $bs "${B[@]}" \
      --json "$OUT/bench-$m-fp16-trt-pooled.json"
    step bench-$m-fp16-ortcuda-hidden L bench --model $W/$m-fp16/model.onnx --provider cuda,cpu --batch $bs "${B[@]}" \
      --json "$OUT/bench-$m-fp16-ortcuda-hidden.json"
    step bench-$m-fp16-ortcuda-pooled L bench --model $W/$m-fp16-pooled/model.onnx --provider cuda,cpu --batch $bs "${B[@]}" \
      --json "$OUT/bench-$m-fp16-ortcuda-pooled.json"
    step bench-$m-fp32-trt-hidden L bench --model $W/$m-fp32/model.plan --provider tensorrt-plan --batch $bs "${B[@]}" \
      --json "$OUT/bench-$m-fp32-trt-hidden.json"
  done
  # --provider cuda without cpu: shape arithmetic may stay on the CPU, nothing else
  step bench-minilm-fp16-ortcuda-only L bench --model $W/minilm-fp16/model.onnx --provider cuda --batch 32 --seq 128 --warmup 20 \
    --iterations 100 --json "$OUT/bench-minilm-fp16-ortcuda-only.json"
  step bench-compressed-fp16-trt L bench --model $W/compressed-fp16/model.plan --provider tensorrt-plan --batch 1,32 "${B[@]}" \
    --json "$OUT/bench-compressed-fp16-trt.json"
  for p in fp16 fp32; do
    bench_llama $p
  done
}

# the export flags of a tune variant: d8 (default profile), o32 (built for batch 32), l5 (builder level 5), -pooled
tune_flags() {
  local f=
  case $1 in o32*) f="--trt-batch 1,32,32" ;; esac
  case $1 in *l5*) f="$f --trt-level 5" ;; esac
  case $1 in *-pooled) f="$f --pooling mean --normalize" ;; esac
  echo $f
}

tune_export() {   # model variant: the engine, unless built before
  local m=$1 v=$2 src e=$1-fp16-$2
  src=$(tune_src $m)
  [ -s $W/$e/model.plan ] && return 0
  rm -rf $W/$e
  step export-$e L export --model $src --out $W/$e --fp16 $(tune_flags $v) --tensorrt --json "$OUT/export-$e.json"
}

# tunebuild: every engine of tune at once (builds overlap; tune then times them one after another)
tunebuild() {
  java_env
  bert_base
  for m in ${TUNE_MODELS:-minilm bert-base}; do tune_src $m > /dev/null; done   # the -tanh copies, before the builds race for them
  for m in ${TUNE_MODELS:-minilm bert-base}; do
    for v in ${TUNE_VARIANTS:-d8 o32 o32l5 o32l5-pooled}; do tune_export $m $v & done
  done
  wait
}

tune() {
  java_env
  bert_base
  for m in ${TUNE_MODELS:-minilm bert-base}; do
    for v in ${TUNE_VARIANTS:-d8 o32 o32l5 o32l5-pooled}; do
      e=$m-fp16-$v
      tune_export $m $v
      [ $v != d8 ] && step validate-$e L validate --reference $W/$e/model.onnx --reference-provider cpu \
        --candidate $W/$e/model.plan --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 \
        --tokenizer $MINILM/tokenizer.json --json "$OUT/validate-$e.json"
      ways="device host"; [ "${v%-pooled}" != "$v" ] && ways=host
      for w in $ways; do
        for g in ${TUNE_GRAPHS-graphs plain}; do
          extra=; [ $g = plain ] && extra=--no-cuda-graphs
          step bench-$e-$w-$g L bench --model $W/$e/model.plan --provider tensorrt-plan --batch 32 --seq 128 --warmup 50 \
            --iterations 300 --outputs $w $extra --verbose --json "$OUT/bench-$e-$w-$g.json"
        done
      done
    done
  done
  # every kernel of two runs of a BERT-base engine (NCU_ENGINE, default the level-5 one; graphs off, so ncu sees each launch)
  local ne=${NCU_ENGINE:-bert-base-fp16-o32l5}
  if command -v ncu > /dev/null && [ -s $W/$ne/model.plan ]; then
    step ncu-bert-base ncu --target-processes all --metrics gpu__time_duration.sum --csv --log-file "$OUT/kernels.csv" \
      $JAVA "${JOPTS[@]}" -cp "$CP" io.linforge.cli.Main bench --model $W/$ne/model.plan \
      --provider tensorrt-plan --batch 32 --seq 128 --warmup 0 --iterations 2 --outputs device --no-cuda-graphs
    python3 "$ROOT/tests/gpu/ncu_kernels.py" "$OUT/kernels.csv" > "$OUT/kernels.txt" 2>&1
  fi
}

# the tanh-GELU engines against the exact-GELU export of the same weights on ONNX Runtime CPU: what substituting
# the tanh form for erf would cost a model trained with erf GELU
gelucost() {
  java_env
  for m in bert-base minilm; do
    for v in ${TUNE_VARIANTS:-o32}; do
      [ -s $W/$m-tanh-fp16-$v/model.plan ] && [ -s $W/$m-fp16-$v/model.onnx ] || continue
      step validate-gelucost-$m-$v L validate --reference $W/$m-fp16-$v/model.onnx --reference-provider cpu \
        --candidate $W/$m-tanh-fp16-$v/model.plan --provider tensorrt-plan --data "$DATA" --limit 96 --batch 16 \
        --tokenizer $MINILM/tokenizer.json --json "$OUT/validate-gelucost-$m-$v.json"
    done
  done
}

torch() {
  bert_base
  step torch-bert-base python3 "$ROOT/tests/gpu/torch_modes.py" $W/bert-base 32 128 "$OUT/torch-bert-base.json"
  step torch-minilm python3 "$ROOT/tests/gpu/torch_modes.py" $MINILM 32 128 "$OUT/torch-minilm.json"
  [ -n "${TORCH_TANH:-}" ] && step torch-bert-base-tanh python3 "$ROOT/tests/gpu/torch_modes.py" $(tune_src bert-base-tanh) 32 128 \
    "$OUT/torch-bert-base-tanh.json"
}

for s in $STEPS; do $s; done
echo "done $STEPS" >> "$OUT/steps.txt"
