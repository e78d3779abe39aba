package io.proxyless.mesh.benchmarks;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * What the driver script ({@code bench/run.sh}) hands the benchmarks through system properties:
 * <ul>
 *   <li>{@code bench.out}: the run's result folder (latency samples, CPU accounting, JFR recordings);</li>
 *   <li>{@code bench.backend}: the properties file the {@link Backend} process wrote (its ports and pid);</li>
 *   <li>{@code bench.proxy.pid}: the HAProxy process, when it runs, for its CPU accounting;</li>
 *   <li>{@code bench.jfr}: {@code true} to record CPU samples during the measured iterations.</li>
 * </ul>
 * Without {@code bench.out} the benchmarks still run under plain JMH; they just keep no side files.
 */
final class BenchEnv {
    private BenchEnv() {
    }

    /** The result folder, or null when run without the script. */
    static Path out() {
        String dir = System.getProperty("bench.out");
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    static boolean jfr() {
        return Boolean.getBoolean("bench.jfr");
    }

    static long proxyPid() {
        return Long.getLong("bench.proxy.pid", -1L);
    }

    /** The running backend's ports and pid. */
    static Properties backend() {
        String file = System.getProperty("bench.backend");
        if (file == null) {
            throw new IllegalStateException("no backend: start io.proxyless.mesh.benchmarks.Backend and pass "
                    + "-Dbench.backend=<its properties file> (bench/run.sh does both)");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(file))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static int[] ports(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalStateException("backend properties lack " + key);
        }
        return Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static int port(Properties p, String key) {
        return ports(p, key)[0];
    }
}
