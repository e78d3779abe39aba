#!/usr/bin/env bash
# The config-at-scale section of the benchmark page (issue #17): 10,000 and 50,000 services by files and by xDS,
# each case in a fresh JVM (io.proxyless.mesh.benchmarks.ConfigScale: first config in force, retained heap with a
# class histogram, a one-service change). Figures go to RESULTS/scale/, CPU samples of the changes to RESULTS/jfr/,
# logs to RESULTS/logs/; bench/run.sh runs it and the report turns it into the page's section and goals.
#
#   ./mvnw -B -q -Pbenchmarks -DskipTests package    # once, for benchmarks/target/benchmarks.jar
#   ./bench/config-scale.sh RESULTS_DIR [JAR]
#
# Environment (optional): SCALE_SIZES="10000 50000", SCALE_SOURCES="file xds".
#
# The one-service changes are measured warm, as in a JMH benchmark: at 10,000 services (the goal's size) 5 warm-up
# changes of each kind are applied and checked but not counted before the 5 measured ones; at larger sizes, which only
# show the growth, the 5 are measured without warm-up to keep the run short. The first change after start is
# reported either way. CPU samples are recorded of 5 more changes of each kind made after the measured ones (JFR's
# first start throws away the JIT's code of the file and socket paths, so it must not run before the measured ones).
set -euo pipefail

cd "$(dirname "$0")/.."
RESULTS=${1:?usage: bench/config-scale.sh RESULTS_DIR [JAR]}
JAR=${2:-benchmarks/${MESH_TARGET:-target}/benchmarks.jar}
[[ -f "$JAR" ]] || { echo "no $JAR: build it with ./mvnw -B -q -Pbenchmarks -DskipTests package" >&2; exit 1; }
mkdir -p "$RESULTS/scale" "$RESULTS/jfr" "$RESULTS/logs"

for n in ${SCALE_SIZES:-10000 50000}; do
  for source in ${SCALE_SOURCES:-file xds}; do
    echo "[bench $(date -u +%H:%M:%S)] config at scale: $source, $n services (fresh JVM)" >&2
    warmups=$(( n <= 10000 ? 5 : 0 ))
    timeout --kill-after=10 300 java -Xms2g -Xmx2g -Dscale.warmups=$warmups -Dscale.jfr="$RESULTS/jfr/scale-$source-$n-change.jfr" \
        -Dscale.jfr.route="$RESULTS/jfr/scale-$source-$n-route.jfr" \
        -cp "$JAR" io.proxyless.mesh.benchmarks.ConfigScale "$source" "$n" "$RESULTS/scale/$source-$n.properties" \
        "$RESULTS/scale/$source-$n.histo" > "$RESULTS/logs/scale-$source-$n.log" 2>&1 \
      || echo "[bench] config at scale $source $n failed or timed out (exit $?); see the report" >&2
  done
done
