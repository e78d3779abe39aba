package io.proxyless.mesh.benchmarks;

import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * JMH: HTTP/1.1 on loopback, plain OkHttp against OkHttp + {@code MeshInterceptor} (issue #5), and the other
 * variants of {@link HttpCallers}, one closed-loop caller per JMH thread ({@code -t}). Each operation is one request
 * whose body is read to the end; its latency is recorded raw ({@link LatencyRecorder}) and the CPU of client,
 * backend and proxy per iteration ({@link Accounting}).
 *
 * <p>Needs a running {@link Backend}: {@code bench/run.sh} starts one (and HAProxy). Alone:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.proxyless.mesh.benchmarks.Backend /tmp/backend.properties &amp;
 * java -jar benchmarks/target/benchmarks.jar HttpBenchmark -p variant=plain,mesh -t 8 \
 *     -jvmArgsAppend -Dbench.backend=/tmp/backend.properties
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class HttpBenchmark {
    @Param({"plain", "mesh"})
    public String variant;

    private Caller caller;
    private Accounting accounting;
    private String runKey;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        Properties backend = BenchEnv.backend();
        caller = HttpCallers.create(variant, backend);
        runKey = RunKeys.of(params);
        accounting = new Accounting(params, Long.parseLong(backend.getProperty("pid")), variant.equals("haproxy"));
    }

    @Setup(Level.Iteration)
    public void iterationStart(IterationParams iteration) {
        accounting.iterationStart(iteration);
    }

    @TearDown(Level.Iteration)
    public void iterationEnd(IterationParams iteration) {
        accounting.iterationEnd(iteration);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        accounting.close();
        String stats = caller.stats();
        if (stats != null) {
            System.out.println("mirror stats: " + stats);
        }
        caller.close();
    }

    /** One caller thread: its position in the request mix and its latencies. */
    @State(Scope.Thread)
    public static class Worker {
        private LatencyRecorder latencies;
        private int index;
        private int next;

        @Setup(Level.Trial)
        public void setUp(HttpBenchmark bench, ThreadParams thread) {
            index = thread.getThreadIndex();
            latencies = new LatencyRecorder(bench.runKey, index);
            next = index * 7;
        }

        @TearDown(Level.Iteration)
        public void iterationEnd(IterationParams iteration) {
            latencies.iterationEnd(iteration);
        }
    }

    @Benchmark
    public void request(Worker w) throws Exception {
        long start = System.nanoTime();
        caller.call(w.index, w.next++);
        w.latencies.record(System.nanoTime() - start);
    }
}
