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
 * JMH: gRPC on loopback — plain channel, mesh channel, grpc-java's xDS channel (issue #6) and the round-robin
 * control, see {@link GrpcCallers}; {@code unary} is a blocking unary call, {@code streaming} one message round
 * trip on a bidi stream each caller keeps open. Needs a running {@link Backend}, like {@link HttpBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class GrpcBenchmark {
    @Param({"plain", "mesh", "xds"})
    public String channel;

    private Caller unaryCaller;
    private Caller streamingCaller;
    private Accounting accounting;
    private String runKey;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        Properties backend = BenchEnv.backend();
        boolean streaming = params.getBenchmark().endsWith(".streaming");
        Caller c = GrpcCallers.create(channel, backend, streaming);
        if (streaming) {
            streamingCaller = c;
        } else {
            unaryCaller = c;
        }
        runKey = RunKeys.of(params);
        accounting = new Accounting(params, Long.parseLong(backend.getProperty("pid")), false);
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
        (unaryCaller != null ? unaryCaller : streamingCaller).close();
    }

    /** One caller thread. */
    @State(Scope.Thread)
    public static class Worker {
        private LatencyRecorder latencies;
        private int index;
        private int next;

        @Setup(Level.Trial)
        public void setUp(GrpcBenchmark bench, ThreadParams thread) {
            index = thread.getThreadIndex();
            latencies = new LatencyRecorder(bench.runKey, index);
            next = index * 3;
        }

        @TearDown(Level.Iteration)
        public void iterationEnd(IterationParams iteration) {
            latencies.iterationEnd(iteration);
        }
    }

    @Benchmark
    public void unary(Worker w) throws Exception {
        long start = System.nanoTime();
        unaryCaller.call(w.index, w.next++);
        w.latencies.record(System.nanoTime() - start);
    }

    @Benchmark
    public void streaming(Worker w) throws Exception {
        long start = System.nanoTime();
        streamingCaller.call(w.index, w.next++);
        w.latencies.record(System.nanoTime() - start);
    }
}
