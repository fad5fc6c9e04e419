#!/usr/bin/env bash
# Time of examples/pipeline's `mvn verify`, and the Maven plugin's overhead over the command line for the
# same export (all-MiniLM-L6-v2, fp32, mean pooling, normalized), interleaved; mean ± sd and median of each.
# Maven's own start-up is timed apart: `mvn validate` of the same project (the project model and its
# plugins' descriptors; no linforge goal runs in that phase). Each timed export also reports the seconds
# spent inside the export itself (the API's `seconds`), so the rest is start-up: the JVM, Maven or the
# launcher, class loading, libtorch.
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
MODELS=$WORK/target/models
now() { date +%s.%N; }
stats() {  # mean ± sd (sample) and median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1; s+=$1; q+=$1*$1} END {m=s/NR; sd=(NR>1)?sqrt((q-NR*m*m)/(NR-1)):0;
    md=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f ± %.2f (median %.2f)", m, sd, md}'
}
"$ROOT/linforge" --version >/dev/null   # the launcher builds what is missing: not inside a timed run
"${MVN[@]}" verify >/dev/null           # the models the exports read; also warms the file cache
verify=() validate=() plugin=() cli=() cin=()
for i in $(seq "$ROUNDS"); do
  t=$(now); "${MVN[@]}" validate >/dev/null; validate+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "${MVN[@]}" "io.linforge:linforge-maven-plugin:$VERSION:export@export-fp32" >/dev/null
  plugin+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "$ROOT/linforge" export --model "$MODELS/minilm" --out "$MODELS/minilm-fp32" \
    --pooling mean --normalize --overwrite --json "$WORK/c.json" >/dev/null
  cli+=("$(echo "$(now) - $t" | bc)")
  cin+=("$(sed -n 's/.*"seconds" *: *\([0-9.eE+-]*\).*/\1/p' "$WORK/c.json")")
  t=$(now); "${MVN[@]}" verify >/dev/null; verify+=("$(echo "$(now) - $t" | bc)")
done
echo "rounds $ROUNDS on $(nproc) cores, $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "example mvn verify        s: ${verify[*]}  $(stats "${verify[@]}")"
echo "mvn validate (Maven only) s: ${validate[*]}  $(stats "${validate[@]}")"
echo "plugin export goal        s: ${plugin[*]}  $(stats "${plugin[@]}")"
echo "linforge export           s: ${cli[*]}  $(stats "${cli[@]}")"
echo "  inside the export (cli) s: ${cin[*]}  $(stats "${cin[@]}")"
d=(); for i in $(seq 0 $((ROUNDS - 1))); do d+=("$(echo "${plugin[$i]} - ${cli[$i]}" | bc)"); done
echo "plugin - cli, per round   s: ${d[*]}  $(stats "${d[@]}")"
e=(); for i in $(seq 0 $((ROUNDS - 1))); do e+=("$(echo "${plugin[$i]} - ${cli[$i]} - ${validate[$i]}" | bc)"); done
echo "plugin - cli - validate   s: ${e[*]}  $(stats "${e[@]}")"
