package io.proxyless.mesh.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import jdk.jfr.Recording;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Where the CPU went during each measured iteration: this (client) JVM, the backend process, the HAProxy process,
 * and everything else on the machine (other builds: noise). On a 2-core machine the processes share two cores, so
 * CPU per request is what decides throughput; the report turns these lines into "µs of CPU per request".
 *
 * <p>Appends one line per measured iteration to {@code <bench.out>/cpu/<run key>.tsv} (round, iteration, wall,
 * client user, client system, backend, proxy, machine busy, machine total — all ns — and the load average). With
 * {@code bench.jfr}, also records CPU samples of this JVM (JFR execution samples every 2 ms, nothing else) for the
 * whole trial, and the instant the first measured iteration started (the report ignores earlier samples); dumped to
 * {@code <bench.out>/jfr/<run key>__r<round>.jfr} at the end of the trial.
 */
final class Accounting {
    /** Linux clock ticks per second for /proc times (USER_HZ, 100 on every mainstream kernel). */
    private static final long TICK_NANOS = 1_000_000_000L / Long.getLong("bench.clk.tck", 100L);

    /** Which interleaved round of the script this fork belongs to (the script runs every variant once a round). */
    static final String ROUND = System.getProperty("bench.round", "1");

    private final String key;
    private final Path out;
    private final long backendPid;
    private final long proxyPid;
    private Recording jfr;
    private int measured;
    private long wall0;
    private long[] client0;
    private long backend0;
    private long proxy0;
    private long[] system0;

    Accounting(BenchmarkParams params, long backendPid, boolean usesProxy) {
        this.key = RunKeys.of(params);
        this.out = BenchEnv.out();
        this.backendPid = backendPid;
        this.proxyPid = usesProxy ? BenchEnv.proxyPid() : -1;
        if (out != null && BenchEnv.jfr()) {
            // Started now, not at the first measured iteration: starting JFR costs a second of CPU, which must fall
            // into the warm-up.
            jfr = new Recording();
            jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(Long.getLong("bench.jfr.period.ms", 2)));
            jfr.setToDisk(true);
            jfr.start();
        }
    }

    void iterationStart(IterationParams iteration) {
        if (iteration.getType() != IterationType.MEASUREMENT || out == null) {
            return;
        }
        if (measured == 0 && jfr != null) {
            // Samples before this instant (warm-up) are ignored by the report.
            try {
                Files.writeString(Files.createDirectories(out.resolve("jfr")).resolve(key + "__r" + ROUND + ".start"),
                        Long.toString(System.currentTimeMillis()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        system0 = systemTicks();
        backend0 = processNanos(backendPid);
        proxy0 = processNanos(proxyPid);
        client0 = processUserSys(ProcessHandle.current().pid());
        wall0 = System.nanoTime();
    }

    void iterationEnd(IterationParams iteration) {
        if (iteration.getType() != IterationType.MEASUREMENT || out == null) {
            return;
        }
        long wall = System.nanoTime() - wall0;
        long[] client = processUserSys(ProcessHandle.current().pid());
        long clientUser = client[0] - client0[0];
        long clientSys = client[1] - client0[1];
        long backend = processNanos(backendPid) - backend0;
        long proxy = processNanos(proxyPid) - proxy0;
        long[] system = systemTicks();
        long busy = (system[0] - system0[0]) * TICK_NANOS;
        long total = (system[1] - system0[1]) * TICK_NANOS;
        measured++;
        String line = String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s%n", ROUND, measured, wall,
                clientUser, clientSys, backend, proxy, busy, total, loadAverage());
        try {
            Path dir = Files.createDirectories(out.resolve("cpu"));
            Files.writeString(dir.resolve(key + ".tsv"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void close() {
        if (jfr != null) {
            try {
                jfr.stop();
                jfr.dump(Files.createDirectories(out.resolve("jfr")).resolve(key + "__r" + ROUND + ".jfr"));
                jfr.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {utime, stime} of a process (all its threads), in ns. */
    static long[] processUserSys(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]) * TICK_NANOS, Long.parseLong(f[12]) * TICK_NANOS};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** utime + stime of a process (all its threads), in ns; 0 when there is no such process. */
    static long processNanos(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of proc(5); f[0] is field 3
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {busy, total} clock ticks of the whole machine since boot, from /proc/stat. */
    static long[] systemTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
