package io.proxyless.mesh.benchmarks;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Every operation's latency on one benchmark thread, kept raw (a long per operation: a few hundred KB per
 * iteration) so that the report can compute exact percentiles per iteration and draw the whole distribution.
 * Written at the end of each measured iteration to
 * {@code <bench.out>/lat/<run key>/r<round>-m<iteration>-t<thread>.bin}
 * (big-endian longs, nanoseconds).
 */
final class LatencyRecorder {
    private final Path dir;
    private final int thread;
    private long[] samples = new long[1 << 15];
    private int count;
    private int measured;

    LatencyRecorder(String runKey, int thread) {
        Path out = BenchEnv.out();
        this.dir = out == null ? null : out.resolve("lat").resolve(runKey);
        this.thread = thread;
    }

    void record(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    /** Keeps a measured iteration's samples, drops a warm-up's. */
    void iterationEnd(IterationParams iteration) {
        if (iteration.getType() == IterationType.MEASUREMENT && dir != null) {
            measured++;
            try {
                Files.createDirectories(dir);
                String name = "r" + Accounting.ROUND + "-m" + measured + "-t" + thread + ".bin";
                try (OutputStream os = Files.newOutputStream(dir.resolve(name));
                     DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
                    for (int i = 0; i < count; i++) {
                        out.writeLong(samples[i]);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        count = 0;
    }
}
