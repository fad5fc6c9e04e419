#!/usr/bin/env bash
# Time of examples/pipeline's `mvn verify`, and the Maven plugin's overhead over the command line for the
# same export (all-MiniLM-L6-v2, fp32, mean pooling, normalized), interleaved, medians.
# Needs the build's artifacts in tests/target/it-repo (written by PipelineExampleTest) and a packaged cli.
# Usage: tests/bench/maven-plugin.sh [ROUNDS]   (default 5)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${1:-5}
VERSION=$(sed -n 's:.*<version>\(.*-SNAPSHOT\)</version>.*:\1:p' "$ROOT/pom.xml" | head -1)
REPO=$ROOT/tests/target/it-repo
WORK=$ROOT/tests/target/bench-plugin
[ -d "$REPO/io/linforge/linforge-maven-plugin" ] || { echo "run PipelineExampleTest first ($REPO)" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK" && cp -r "$ROOT/examples/pipeline/." "$WORK/"
export DJL_CACHE_DIR=$ROOT/target/djl-cache MAVEN_OPTS="-Xmx4g -Dai.djl.offline=true"
MVN=(mvn -B -o -q -ntp -Dmaven.repo.local="$REPO" -Dlinforge.version="$VERSION" -f "$WORK/pom.xml")
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
"$ROOT/linforge" --version >/dev/null   # the launcher builds what is missing: not inside a timed run
verify=() cli=() plugin=()
for i in $(seq "$ROUNDS"); do
  rm -rf "$WORK/target"
  t=$(now); "${MVN[@]}" verify >/dev/null; verify+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "${MVN[@]}" "io.linforge:linforge-maven-plugin:$VERSION:export@export-fp32" >/dev/null
  plugin+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "$ROOT/linforge" export --model "$WORK/target/models/minilm" --out "$WORK/target/models/minilm-fp32" \
    --pooling mean --normalize --overwrite >/dev/null
  cli+=("$(echo "$(now) - $t" | bc)")
done
mv=$(printf '%s\n' "${verify[@]}" | median); mp=$(printf '%s\n' "${plugin[@]}" | median); mc=$(printf '%s\n' "${cli[@]}" | median)
echo "rounds $ROUNDS on $(nproc) cores, $(date -u +%F)"
echo "example mvn verify   s: ${verify[*]}  median $mv"
echo "plugin export goal   s: ${plugin[*]}  median $mp"
echo "linforge export      s: ${cli[*]}  median $mc"
echo "plugin - cli median  s: $(echo "$mp - $mc" | bc)"
