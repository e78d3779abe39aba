#!/usr/bin/env bash
# Runs every benchmark side by side on this machine (everything on 127.0.0.1) and rewrites docs/benchmarks.md and
# the latency plots in docs/benchmarks/ (issue #9). Takes about 20 minutes on 2 cores; stops everything it started.
# Its config-at-scale section runs alone with bench/config-scale.sh.
#
#   ./bench/run.sh
#
# Environment (all optional):
#   MESH_TARGET=target-x  build folder name (-Dmesh.target), for a tree where others build at the same time
#   MVN_FLAGS=-o          extra Maven flags
#   BENCH_FORKS=2         JVMs each side-by-side scenario runs in, one after the other (forks, as in JMH)
#   BENCH_ROUNDS=8        rounds per concurrency in each fork of a side-by-side scenario (a round: one slice of every
#                         variant)
#   BENCH_WARMUP_CYCLES=4 warm-up cycles (1 s per variant each) at the start of each fork
#   BENCH_SLICE_MS=500    length of one measured slice
#   BENCH_C1_SLICE_MS=1000  length of one measured slice at concurrency 1 (HTTP and gRPC unary)
#   BENCH_MIRROR_SLICE_MS=2000  length of one measured slice in the mirror scenario (its goal is a p99)
#   BENCH_PARTS=4         parts each slice is measured in, the variants' order reversed from part to part
#   BENCH_KEEP=1          keep the raw results (JMH JSON, latencies, CPU, JFR, logs) and print where they are
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)
TARGET=${MESH_TARGET:-target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mesh-bench.XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS/json" "$RESULTS/logs"
JAR=$ROOT/benchmarks/$TARGET/benchmarks.jar
BACKEND_PID=""
HAPROXY_PID=""

log() { echo "[bench $(date -u +%H:%M:%S) +$(( $(date +%s) - START ))s] $*" >&2; }

stop_pid() {
  local pid=$1
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  local rc=$?
  stop_pid "$HAPROXY_PID"
  stop_pid "$BACKEND_PID"
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    log "raw results kept in $RESULTS"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Other builds and test runs on the machine make noise; note what is seen at the start of each scenario.
FOREIGN_SAMPLES=0
FOREIGN_SEEN=0
sample_foreign() {
  local n
  n=$(ps -eo pid=,args= | grep -E 'org\.codehaus\.plexus\.classworlds|surefirebooter|maven-wrapper|/mvnw ' \
        | grep -v -e grep -e "$$" | wc -l || true)
  FOREIGN_SAMPLES=$((FOREIGN_SAMPLES + 1))
  if [[ "$n" -gt 0 ]]; then FOREIGN_SEEN=$((FOREIGN_SEEN + 1)); fi
}

# ---------------------------------------------------------------- build
log "building: ./mvnw -B -q -Pbenchmarks -DskipTests package"
B0=$(date +%s)
# shellcheck disable=SC2086
./mvnw -B -q -Pbenchmarks -DskipTests package ${MESH_TARGET:+-Dmesh.target=$MESH_TARGET} ${MVN_FLAGS:-}
BUILD_SECONDS=$(( $(date +%s) - B0 ))
[[ -f "$JAR" ]] || { echo "no $JAR after the build" >&2; exit 1; }

# ---------------------------------------------------------------- HAProxy (the sidecar stand-in)
HAPROXY_STATUS=ok
if ! command -v haproxy >/dev/null 2>&1; then
  log "haproxy missing: installing it with apt-get"
  SUDO=""
  if [[ "$(id -u)" != 0 ]]; then SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 \
      && { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy; } \
         > "$RESULTS/logs/apt-get.log" 2>&1 \
      && command -v haproxy >/dev/null 2>&1; then
    log "installed $(haproxy -v 2>/dev/null | head -1)"
  else
    HAPROXY_STATUS="not run: haproxy is not installed and 'apt-get install haproxy' failed ($(tail -1 "$RESULTS/logs/apt-get.log" 2>/dev/null || echo 'no apt-get'))"
    log "$HAPROXY_STATUS"
  fi
fi
HAPROXY_VERSION=$(haproxy -v 2>/dev/null | head -1 | awk '{print $3}' || true)

# ---------------------------------------------------------------- backend
log "starting the backend"
java -Xms256m -Xmx256m -cp "$JAR" io.proxyless.mesh.benchmarks.Backend "$WORK/backend.properties" 1800 \
  > "$RESULTS/logs/backend.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 1 60); do
  [[ -f "$WORK/backend.properties" ]] && break
  kill -0 "$BACKEND_PID" 2>/dev/null || { cat "$RESULTS/logs/backend.log" >&2; exit 1; }
  sleep 0.5
done
[[ -f "$WORK/backend.properties" ]] || { echo "backend did not start" >&2; exit 1; }
prop() { grep "^$1=" "$WORK/backend.properties" | cut -d= -f2; }
IFS=, read -r -a HTTP_PORTS <<< "$(prop http.ports)"
PROXY_PORT=$(prop proxy.port)

if [[ "$HAPROXY_STATUS" == ok ]]; then
  # Same job as the mesh: jason → v2, everyone else 80/20 over v1/v2, least-connections, keep-alive, retries.
  cat > "$WORK/haproxy.cfg" <<EOF
global
    nbthread 2
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    option http-keep-alive
    retries 2
    option redispatch
frontend mesh_bench
    bind 127.0.0.1:$PROXY_PORT
    use_backend echo_v2 if { req.hdr(end-user) -m str jason }
    default_backend echo_split
backend echo_split
    balance leastconn
    http-reuse always
    retry-on conn-failure empty-response 503
    server v1a 127.0.0.1:${HTTP_PORTS[0]} weight 40
    server v1b 127.0.0.1:${HTTP_PORTS[1]} weight 40
    server v2a 127.0.0.1:${HTTP_PORTS[2]} weight 10
    server v2b 127.0.0.1:${HTTP_PORTS[3]} weight 10
backend echo_v2
    balance leastconn
    http-reuse always
    retry-on conn-failure empty-response 503
    server v2a 127.0.0.1:${HTTP_PORTS[2]}
    server v2b 127.0.0.1:${HTTP_PORTS[3]}
EOF
  if haproxy -c -q -f "$WORK/haproxy.cfg" > "$RESULTS/logs/haproxy-check.log" 2>&1; then
    haproxy -db -f "$WORK/haproxy.cfg" > "$RESULTS/logs/haproxy.log" 2>&1 &
    HAPROXY_PID=$!
    sleep 0.5
    kill -0 "$HAPROXY_PID" 2>/dev/null || { HAPROXY_STATUS="not run: haproxy exited at start ($(tail -1 "$RESULTS/logs/haproxy.log"))"; HAPROXY_PID=""; }
  else
    HAPROXY_STATUS="not run: haproxy rejected its config ($(tail -1 "$RESULTS/logs/haproxy-check.log"))"
  fi
  log "haproxy: $HAPROXY_STATUS"
fi

# ---------------------------------------------------------------- benchmarks
JVM_COMMON="-Dbench.backend=$WORK/backend.properties -Dbench.out=$RESULTS -Dbench.jfr=true -Dbench.clk.tck=$(getconf CLK_TCK)"

# jmh NAME MAX_SECONDS JVM_ARGS JMH_ARGS...: one JMH invocation; its JSON and log kept by name.
jmh() {
  local name=$1 limit=$2 jvm=$3
  shift 3
  log "jmh $name: $*"
  timeout --kill-after=10 "$limit" java -Xmx256m -jar "$JAR" "$@" -f 1 -prof gc \
      -jvmArgsAppend "$jvm $JVM_COMMON -Dbench.proxy.pid=${HAPROXY_PID:-0}" \
      -rf json -rff "$RESULTS/json/${name}__r1.json" > "$RESULTS/logs/${name}__r1.log" 2>&1 \
    || log "jmh $name failed or timed out (exit $?); see the report"
}

# side SCENARIO KIND VARIANTS CONCURRENCIES MAX_SECONDS DRAIN_MS: every variant in one JVM, measured in slices that
# take turns (SideBySide): WARMUP_CYCLES × 1 s per variant of warm-up, then ROUNDS rounds of one SLICE_MS slice per
# variant, per concurrency, each slice measured in PARTS parts with DRAIN_MS of pause after each part; all of that
# FORKS times, in a new JVM each time (MAX_SECONDS is per fork). Many short rounds rather than a few long ones:
# the report takes every ratio per round and summarises the rounds of all forks by median and interquartile range.
# Forks, as JMH has them: what one JVM settles on (its JIT's compilations, where its connections and threads land)
# holds for all of its rounds, so with one JVM per scenario the rounds agreed with each other more than consecutive
# runs did (6–8 points apart on ratios whose ± was 3–5 %); rounds from two JVMs put that spread into the page's ±.
# Two forks of 8 rounds measure about as long as one of 15.
FORKS=${BENCH_FORKS:-2}
ROUNDS=${BENCH_ROUNDS:-8}
# Every fork pays its own warm-up: 4 cycles rather than the 6 one JVM had keep the whole run near 20 minutes. Each
# variant still runs 4 s at concurrency 8 before its first measured slice, thousands of requests through the shared
# OkHttp/gRPC/Netty code and its own, well past the JIT's compile thresholds.
WARMUP_CYCLES=${BENCH_WARMUP_CYCLES:-4}
SLICE_MS=${BENCH_SLICE_MS:-500}
# At concurrency 1 a slice holds the fewest requests (about a third of those at 8), so the rounds' throughput ratios
# spread most there; a slice twice as long keeps that spread within the page's ±10 % rule.
C1_SLICE_MS=${BENCH_C1_SLICE_MS:-1000}
# The mirror scenario's goal is a p99 change: a 500 ms slice at c=1 holds a few thousand requests, so its p99 rests on a
# few dozen of them and the rounds' ratios spread beyond the page's ±10 % rule; longer slices give each p99 more.
MIRROR_SLICE_MS=${BENCH_MIRROR_SLICE_MS:-2000}
# A round measures each variant's slice in PARTS parts, the order reversed from part to part (A B C, C B A, …), and
# sums them: on 2 shared cores the speed wanders over seconds (the scheduler's placement of client and backend threads,
# other work), and variants that take turns closely see the same conditions, so the rounds' ratios spread less.
PARTS=${BENCH_PARTS:-4}
side() {
  local scenario=$1 kind=$2 variants=$3 concurrency=$4 limit=$5 drain=$6 slice=${7:-$SLICE_MS} fork
  for fork in $(seq 1 "$FORKS"); do
    log "side by side $scenario, fork $fork of $FORKS: $variants at concurrency $concurrency"
    # shellcheck disable=SC2086
    timeout --kill-after=10 "$limit" java -Xms512m -Xmx512m $JVM_COMMON -Dbench.proxy.pid="${HAPROXY_PID:-0}" \
        -Dbench.drain.ms="$drain" -Dbench.subslices="$PARTS" -Dbench.fork="$fork" \
        -cp "$JAR" io.proxyless.mesh.benchmarks.SideBySide "$scenario" "$kind" "$variants" "$concurrency" \
        "$WARMUP_CYCLES" "$slice" "$ROUNDS" > "$RESULTS/logs/side-$scenario.f$fork.log" 2>&1 \
      || log "side by side $scenario, fork $fork failed or timed out (exit $?); see the report"
  done
}

# mesh-metrics: the mesh variant with Istio's metrics on (issue #13's overhead, metrics on vs off)
HTTP_VARIANTS=plain,plain-4,mesh,mesh-metrics
[[ "$HAPROXY_STATUS" == ok ]] && HTTP_VARIANTS=plain,plain-4,mesh,mesh-metrics,haproxy

sample_foreign
jmh route 240 "-Xms512m -Xmx512m" RouteDecisionBenchmark -wi 1 -w 1s -i 3 -r 1s
sample_foreign
# time limits per fork: about 1.8 times what a fork of 8 rounds takes on the shared 2 cores
side http http "$HTTP_VARIANTS" 1,8,32 240 50 "$C1_SLICE_MS,$SLICE_MS,$SLICE_MS"
sample_foreign
side grpc-unary grpc-unary plain,plain-rr,mesh,xds 1,8 160 50 "$C1_SLICE_MS,$SLICE_MS"
sample_foreign
side grpc-streaming grpc-streaming plain,plain-rr,mesh,xds 8 100 50
sample_foreign
side mirror http mirror-none,mirror-healthy,mirror-dead 1,8 280 200 "$MIRROR_SLICE_MS"
sample_foreign
# The JMH benchmarks of issues #5 and #6 (plain vs mesh), one fork per variant, as a cross-check.
jmh jmh-http-c8 90 "-Xms512m -Xmx512m" 'HttpBenchmark.request' -p variant=plain,mesh -t 8 -wi 6 -w 1s -i 3 -r 2s
jmh jmh-grpc-c8 90 "-Xms512m -Xmx512m" 'GrpcBenchmark.unary$' -p channel=plain,mesh -t 8 -wi 6 -w 1s -i 3 -r 2s
sample_foreign
# Config at scale (issue #17): 10,000 and 50,000 services by files and by xDS, one fresh JVM per case.
MESH_TARGET=$TARGET "$ROOT/bench/config-scale.sh" "$RESULTS" "$JAR" || log "config at scale failed; see the report"

# ---------------------------------------------------------------- report
stop_pid "$HAPROXY_PID"; HAPROXY_PID=""
stop_pid "$BACKEND_PID"; BACKEND_PID=""

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain 2>/dev/null | head -1)" ]]; then COMMIT="$COMMIT + uncommitted changes"; fi
FOREIGN="Maven builds or test runs of other sessions were running at $FOREIGN_SEEN of $FOREIGN_SAMPLES scenario starts"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M')"
  echo "start.epoch=$START"
  echo "cores=$(nproc)"
  echo "memory=$(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) vCPUs)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "kernel=$(uname -r)"
  echo "commit=$COMMIT"
  echo "mesh.version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"
  echo "haproxy.version=${HAPROXY_VERSION:-not installed}"
  echo "haproxy.status=$HAPROXY_STATUS"
  echo "build.seconds=$BUILD_SECONDS"
  echo "forks=$FORKS"
  echo "rounds=$ROUNDS"
  echo "parts=$PARTS"
  echo "foreign.processes=$( [[ $FOREIGN_SEEN -gt 0 ]] && echo "$FOREIGN" || echo "")"
  echo "timing=side by side: $FORKS forks (JVMs started one after the other) per scenario, each $WARMUP_CYCLES × 1 s warm-up per variant, then $ROUNDS rounds of one $SLICE_MS ms slice per variant, per concurrency ($C1_SLICE_MS ms at concurrency 1, $MIRROR_SLICE_MS ms in the mirror scenario, whose goal is a p99), each slice measured in $PARTS parts taking turns in mirrored order (gRPC streaming: every caller opens a new stream, a new routing draw, before each part, outside the timed part); JMH cross-check: 6 × 1 s warm-up, 3 × 2 s; route decision: 1 × 1 s warm-up, 3 × 1 s; config at scale: one fresh JVM per case, per change kind 5 warm-up one-service changes (at 10,000 services; none at 50,000) then 5 measured"
} > "$RESULTS/meta.properties"
for f in "$ROOT"/bench/findings-*.md; do
  [[ -f "$f" ]] && cp "$f" "$RESULTS/"
done

log "writing docs/benchmarks.md"
mkdir -p docs/benchmarks
java -Xmx1g -cp "$JAR" io.proxyless.mesh.benchmarks.report.Report "$RESULTS" docs/benchmarks.md docs/benchmarks
log "done in $(( ($(date +%s) - START) / 60 )) min $(( ($(date +%s) - START) % 60 )) s"
