#!/usr/bin/env bash
# Exports the parts of the authors' implementations that tests/reference/*.py import into the ignored
# folder .ref/ (carried to the GPU host with the run; never committed):
#   .ref/relora/peft_pretraining/{relora,training_utils}.py      ReLoRA (Lialin et al.), Guitaricet/relora
#   .ref/sparse_grads/{sparse_grad_matrix_sparse,sparse_utils,utils}.py   SparseGrad (Chekalina et al.),
#                                                                 sayankotor/sparse_grads, benchmarking/ (top-k)
# and .ref/SOURCES with the commit of each. The inputs are local git mirrors of the two repositories.
# usage: tests/reference/stage-reference.sh RELORA_GIT_DIR SPARSEGRAD_GIT_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RELORA=${1:?git directory of a clone or mirror of Guitaricet/relora}
SPARSE=${2:?git directory of a clone or mirror of sayankotor/sparse_grads}
OUT=$ROOT/.ref
rm -rf "$OUT/relora" "$OUT/sparse_grads"
mkdir -p "$OUT/relora/peft_pretraining" "$OUT/sparse_grads"
rc=$(git --git-dir "$RELORA" rev-parse HEAD)
sc=$(git --git-dir "$SPARSE" rev-parse HEAD)
for f in relora.py training_utils.py; do
  git --git-dir "$RELORA" show "$rc:peft_pretraining/$f" > "$OUT/relora/peft_pretraining/$f"
done
for f in sparse_grad_matrix_sparse.py sparse_utils.py utils.py; do
  git --git-dir "$SPARSE" show "$sc:benchmarking/$f" > "$OUT/sparse_grads/$f"
done
printf 'Guitaricet/relora %s\nsayankotor/sparse_grads %s\n' "$rc" "$sc" > "$OUT/SOURCES"
du -sh "$OUT"
