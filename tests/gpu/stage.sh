#!/usr/bin/env bash
# Prepares, on the development machine, what the GPU suites carry to the GPU test host besides the
# GPU kit (../shared/gpu-kit/prepare.sh --with-trt):
#   .gpu/jars      linforge's jars and their dependencies, without libtorch and without native
#                  libraries the host does not use (ONNX Runtime's come from the kit, TensorRT's and
#                  CUDA's JNI from .gpu/r0), plus the JUnit console launcher and the exporter's test
#                  classes for TensorRtPlanParityTest
#   .gpu/m1, .gpu/m2  the imported all-MiniLM-L6-v2 and a compressed MiniLM checkpoint, weights in fp16
#                  (one per call: each must fit beside the tree in a 64 MiB call)
# Usage: tests/gpu/stage.sh [MINILM_CKPT [COMPRESSED_CKPT [ADAPTER]]]     (after mvn package / test-compile)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
J=.gpu/jars; rm -rf $J; mkdir -p $J/test
for f in cli/target/lib/*.jar cli/target/linforge-cli.jar; do
  case $(basename $f) in
    pytorch-native-*|javacpp-*|cuda-*|tensorrt-*) ;;                 # libtorch is not used; CUDA/TensorRT from .gpu/r0
    onnxruntime-*) cp $f $J/ && zip -q -d $J/$(basename $f) 'ai/onnxruntime/native/*' ;;
    tokenizers-*) cp $f $J/ && zip -q -d $J/$(basename $f) 'native/lib/osx*' 'native/lib/win*' 'native/lib/linux-aarch64*' >/dev/null || true ;;
    *) cp $f $J/ ;;
  esac
done
V=1.11.4
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$V -DoutputDirectory=$J/test >/dev/null
(cd exporter/target/test-classes && zip -q -r "$ROOT/$J/test/linforge-exporter-tests.jar" .)
du -sh $J
to16() { rm -rf "$2"; mkdir -p "$2"; python3 tests/gpu/to_fp16.py "$1" "$2"; du -sh "$2"; }
[ $# -ge 1 ] && to16 "$1" .gpu/m1/minilm16
[ $# -ge 2 ] && to16 "$2" .gpu/m2/compressed16
[ $# -ge 3 ] && rm -rf .gpu/m2/heal && cp -r "$3" .gpu/m2/heal     # an adapter to fold into the compressed model
true
