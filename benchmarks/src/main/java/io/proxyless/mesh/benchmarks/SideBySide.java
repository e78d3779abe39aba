package io.proxyless.mesh.benchmarks;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;

/**
 * Side-by-side driver: every variant of a scenario set up in one JVM, warmed up together, then measured in short
 * closed-loop slices that take turns — variant after variant, round after round — so that whatever else happens on
 * the machine (other builds) falls on all variants alike, and so that the JIT warm-up of the shared OkHttp, gRPC and
 * Netty code is paid once, not once per variant. The JMH benchmarks ({@link HttpBenchmark}, {@link GrpcBenchmark})
 * measure the same callers one fork per variant.
 *
 * <pre>
 * java -Dbench.backend=FILE -Dbench.out=DIR [-Dbench.proxy.pid=PID] [-Dbench.jfr=true] [-Dbench.subslices=N] \
 *     [-Dbench.fork=F] \
 *     -cp benchmarks.jar io.proxyless.mesh.benchmarks.SideBySide \
 *     SCENARIO KIND VARIANTS CONCURRENCIES WARMUP_CYCLES SLICE_MS ROUNDS
 * e.g. http http plain,mesh,haproxy 1,8,32 4 1000,500,500 15
 * </pre>
 * SLICE_MS is one length for every concurrency or one per concurrency, in the same order. KIND is {@code http},
 * {@code grpc-unary} or {@code grpc-streaming}. Each slice is measured in {@code bench.subslices} parts (default 1).
 * Per round and variant it writes, under {@code DIR}: the latencies
 * ({@code lat/side-SCENARIO__variant=V__tC/r<round>-m1-t0.bin}), the CPU line as {@link Accounting} does
 * ({@code cpu/…tsv}) and operations, errors, allocated bytes and the time windows of the parts ({@code side/…tsv});
 * the JFR recording of the whole run goes to {@code jfr/side-SCENARIO.jfr}. Before each slice (each part of a round)
 * the variant's caller is told to prepare outside the timed part ({@link Caller#beforeSlice}); the gRPC streaming
 * callers open new streams there, so each part is a new draw of where the streams are routed.
 * <p>
 * {@code bench/run.sh} runs a scenario in several JVMs one after the other (forks, as JMH does), because what one JVM
 * settles on — its JIT's compilations, where its connections and threads land — stays for all of its rounds and
 * moves the ratios from one JVM to the next by more than the rounds of one JVM spread. With {@code bench.fork=F} the
 * rounds are written as {@code F.R} (round R of fork F) and the JFR recording and the callers' counters as
 * {@code side-SCENARIO.fF.jfr} and {@code side-SCENARIO.fF.stats}, so the forks' files sit side by side in DIR.
 */
public final class SideBySide {
    private static final long TICK_NANOS = 1_000_000_000L / Long.getLong("bench.clk.tck", 100L);
    /** Pause after each slice: background work of the slice (mirror copies) finishes before the next one starts. */
    private static final long DRAIN_MILLIS = Long.getLong("bench.drain.ms", 200L);
    /**
     * Parts of a round: each variant's slice is measured in this many parts, the variants' order reversed from one
     * part to the next, and the parts summed per variant. Where the machine's speed wanders over seconds (other work,
     * the scheduler's placement of client and backend threads on the 2 cores), parts that take turns closely sample
     * the same conditions for every variant, so the round's ratios spread less than with one slice per variant.
     */
    private static final int SUBSLICES = Integer.getInteger("bench.subslices", 1);
    /** This JVM's number among the forks of its scenario, or 0 when it runs alone (rounds are written unlabelled). */
    private static final int FORK = Integer.getInteger("bench.fork", 0);

    private final String scenario;
    private final Map<String, Caller> callers;
    private final Map<String, int[]> next = new LinkedHashMap<>();
    private final ExecutorService pool;
    private final Path out;
    private final long backendPid;
    private final long proxyPid;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private SideBySide(String scenario, Map<String, Caller> callers, int maxThreads, Path out, long backendPid,
                       long proxyPid) {
        this.scenario = scenario;
        this.callers = callers;
        this.pool = Executors.newFixedThreadPool(maxThreads, r -> {
            Thread t = new Thread(r, "bench-worker");
            t.setDaemon(true);
            return t;
        });
        this.out = out;
        this.backendPid = backendPid;
        this.proxyPid = proxyPid;
        for (String v : callers.keySet()) {
            int[] n = new int[maxThreads];
            for (int w = 0; w < maxThreads; w++) {
                n[w] = w * 7;
            }
            next.put(v, n);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: SideBySide SCENARIO KIND VARIANTS CONCURRENCIES WARMUP_CYCLES SLICE_MS ROUNDS");
            System.exit(2);
        }
        String scenario = args[0];
        String kind = args[1];
        List<String> variants = List.of(args[2].split(","));
        int[] concurrency = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        int warmupCycles = Integer.parseInt(args[4]);
        long[] sliceMillis = sliceMillis(args[5], concurrency.length);
        int rounds = Integer.parseInt(args[6]);
        Path out = BenchEnv.out();
        if (out == null) {
            throw new IllegalStateException("set -Dbench.out=DIR");
        }
        Properties backend = BenchEnv.backend();

        Recording jfr = null;
        if (BenchEnv.jfr()) {
            jfr = new Recording();
            jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(Long.getLong("bench.jfr.period.ms", 2)));
            jfr.setToDisk(true);
            jfr.start();
        }
        Map<String, Caller> callers = new LinkedHashMap<>();
        for (String v : variants) {
            callers.put(v, switch (kind) {
                case "http" -> HttpCallers.create(v, backend);
                case "grpc-unary" -> GrpcCallers.create(v, backend, false);
                case "grpc-streaming" -> GrpcCallers.create(v, backend, true);
                default -> throw new IllegalArgumentException("unknown kind " + kind);
            });
        }
        int maxThreads = Arrays.stream(concurrency).max().orElse(1);
        SideBySide run = new SideBySide(scenario, callers, maxThreads, out,
                Long.parseLong(backend.getProperty("pid")), BenchEnv.proxyPid());
        try {
            int warmThreads = Math.min(8, maxThreads);
            for (int cycle = 0; cycle < warmupCycles; cycle++) {
                for (String v : variants) {
                    Slice warm = run.slice(v, warmThreads, 1000);
                    if (warm.errors() > 0) {
                        System.out.println("warm-up " + scenario + " " + v + ": " + warm.errors() + " errors: "
                                + warm.firstError());
                    }
                }
            }
            for (int k = 0; k < concurrency.length; k++) {
                int c = concurrency[k];
                long part = Math.max(1, sliceMillis[k] / SUBSLICES);
                for (int round = 1; round <= rounds; round++) {
                    Map<String, Slice> measured = new LinkedHashMap<>();
                    for (int s = 0; s < SUBSLICES; s++) {
                        for (int i = 0; i < variants.size(); i++) {
                            // the order rotates from round to round, so that no variant always follows the same one,
                            // and runs backwards in every second part of a round (A B C, C B A, …): a drift of the
                            // machine within the round then falls on every variant alike and cancels in the ratios
                            int at = s % 2 == 0 ? i : variants.size() - 1 - i;
                            String v = variants.get((at + k + round) % variants.size());
                            measured.merge(v, run.slice(v, c, part), Slice::plus);
                        }
                    }
                    for (Map.Entry<String, Slice> e : measured.entrySet()) {
                        run.record(e.getKey(), c, round, e.getValue());
                    }
                }
            }
            for (Map.Entry<String, Caller> e : callers.entrySet()) {
                String stats = e.getValue().stats();
                if (stats != null) {
                    run.append("side", "side-" + scenario + forkSuffix() + ".stats", e.getKey() + "\t" + stats);
                }
            }
        } finally {
            for (Caller c : callers.values()) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing a caller failed: " + e);
                }
            }
            run.pool.shutdownNow();
            if (jfr != null) {
                jfr.stop();
                jfr.dump(Files.createDirectories(out.resolve("jfr")).resolve("side-" + scenario + forkSuffix() + ".jfr"));
                jfr.close();
            }
        }
        System.out.println("side by side " + scenario + ": done");
        System.exit(0);
    }

    /** ".fF" in the names of this fork's files, or "" when the driver runs alone. */
    private static String forkSuffix() {
        return FORK > 0 ? ".f" + FORK : "";
    }

    /** Round R as written: "F.R" in fork F, so that rounds of different forks never share a label. */
    private static String roundLabel(int round) {
        return FORK > 0 ? FORK + "." + round : Integer.toString(round);
    }

    /**
     * The slice length per concurrency: one value for all, or one per concurrency. A slice at concurrency 1 holds the
     * fewest requests, so its throughput varies most from round to round; a longer slice there narrows the spread of
     * the rounds' ratios without lengthening the saturated runs, whose slices hold many times more requests.
     */
    private static long[] sliceMillis(String arg, int concurrencies) {
        long[] given = Arrays.stream(arg.split(",")).mapToLong(Long::parseLong).toArray();
        if (given.length == 1) {
            long[] all = new long[concurrencies];
            Arrays.fill(all, given[0]);
            return all;
        }
        if (given.length != concurrencies) {
            throw new IllegalArgumentException("SLICE_MS " + arg + ": give one length, or one per concurrency ("
                    + concurrencies + ")");
        }
        return given;
    }

    /**
     * What one slice measured: operations, errors, latencies, CPU (wall, client user, client kernel, backend, proxy,
     * machine busy, machine total; ns), allocated bytes, the highest load average seen and the slice's time windows.
     */
    private record Slice(long ops, int errors, Throwable firstError, long[] latencies, long[] cpu, long alloc,
                         String load, List<long[]> windows) {
        Slice plus(Slice o) {
            long[] lat = Arrays.copyOf(latencies, latencies.length + o.latencies.length);
            System.arraycopy(o.latencies, 0, lat, latencies.length, o.latencies.length);
            long[] sum = cpu.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += o.cpu[i];
            }
            List<long[]> w = new ArrayList<>(windows);
            w.addAll(o.windows);
            return new Slice(ops + o.ops, errors + o.errors, firstError != null ? firstError : o.firstError, lat, sum,
                    alloc + o.alloc, maxLoad(load, o.load), w);
        }

        private static String maxLoad(String a, String b) {
            try {
                return Double.parseDouble(a) >= Double.parseDouble(b) ? a : b;
            } catch (NumberFormatException e) {
                return a.isEmpty() ? b : a;
            }
        }
    }

    /** One slice: {@code c} closed-loop workers on variant {@code v} for {@code millis}. */
    private Slice slice(String v, int c, long millis) throws Exception {
        Caller caller = callers.get(v);
        // before the workers start and the counters are read: whatever the caller prepares is not measured
        caller.beforeSlice(c);
        int[] counters = next.get(v);
        long[][] latencies = new long[c][];
        int[] counts = new int[c];
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(c);
        long[] deadline = new long[1];
        for (int w = 0; w < c; w++) {
            int worker = w;
            latencies[w] = new long[1 << 14];
            pool.execute(() -> {
                try {
                    start.await();
                    long[] lat = latencies[worker];
                    int n = 0;
                    int i = counters[worker];
                    long end = deadline[0];
                    long t0 = System.nanoTime();
                    while (t0 < end) {
                        try {
                            caller.call(worker, i++);
                            long t1 = System.nanoTime();
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = t1 - t0;
                            t0 = t1;
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e);
                            t0 = System.nanoTime();
                        }
                    }
                    counters[worker] = i;
                    latencies[worker] = lat;
                    counts[worker] = n;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        long[] system0 = Accounting.systemTicks();
        long backend0 = Accounting.processNanos(backendPid);
        long proxy0 = Accounting.processNanos(proxyPid);
        long[] client0 = Accounting.processUserSys(ProcessHandle.current().pid());
        long alloc0 = allocated();
        long startMs = System.currentTimeMillis();
        long wall0 = System.nanoTime();
        deadline[0] = wall0 + TimeUnit.MILLISECONDS.toNanos(millis);
        start.countDown();
        done.await();
        long wall = System.nanoTime() - wall0;
        long endMs = System.currentTimeMillis();
        long alloc = allocated() - alloc0;
        long[] client = Accounting.processUserSys(ProcessHandle.current().pid());
        long backend = Accounting.processNanos(backendPid) - backend0;
        long proxy = Accounting.processNanos(proxyPid) - proxy0;
        long[] system = Accounting.systemTicks();
        long ops = 0;
        for (int n : counts) {
            ops += n;
        }
        long[] all = new long[(int) ops];
        int at = 0;
        for (int w = 0; w < c; w++) {
            System.arraycopy(latencies[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        long[] cpu = {wall, client[0] - client0[0], client[1] - client0[1], backend, proxy,
                (system[0] - system0[0]) * TICK_NANOS, (system[1] - system0[1]) * TICK_NANOS};
        Thread.sleep(DRAIN_MILLIS);
        return new Slice(ops, errors.get(), firstError.get(), all, cpu, alloc, load(),
                List.of(new long[] {startMs, endMs}));
    }

    /**
     * Writes one round of variant {@code v}: its latencies, the CPU line as {@link Accounting} does, and operations,
     * errors, allocated bytes and the time windows of its parts (start and end, ms) for the report.
     */
    private void record(String v, int c, int round, Slice s) throws IOException {
        String key = "side-" + scenario + "__variant=" + v + "__t" + c;
        String label = roundLabel(round);
        writeLatencies(key, label, s.latencies());
        long[] cpu = s.cpu();
        append("cpu", key + ".tsv", String.format(Locale.ROOT, "%s\t1\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s", label, cpu[0],
                cpu[1], cpu[2], cpu[3], cpu[4], cpu[5], cpu[6], s.load()));
        StringBuilder windows = new StringBuilder();
        for (long[] w : s.windows()) {
            windows.append(windows.length() == 0 ? "" : ",").append(w[0]).append('-').append(w[1]);
        }
        long first = s.windows().get(0)[0];
        long last = s.windows().get(s.windows().size() - 1)[1];
        append("side", key + ".tsv", String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%d\t%s", label, s.ops(),
                s.errors(), s.alloc(), first, last, windows));
        System.out.printf(Locale.ROOT, "%s c=%d round %s %s: %,.0f ops/s%s%n", scenario, c, label, v,
                s.ops() / (cpu[0] / 1e9), s.errors() > 0 ? ", " + s.errors() + " errors: " + s.firstError() : "");
    }

    /** Bytes allocated so far by all live threads of this JVM. */
    private long allocated() {
        long[] ids = threads.getAllThreadIds();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(ids)) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }

    private void writeLatencies(String key, String round, long[] values) throws IOException {
        Path dir = Files.createDirectories(out.resolve("lat").resolve(key));
        try (OutputStream os = Files.newOutputStream(dir.resolve("r" + round + "-m1-t0.bin"));
             DataOutputStream o = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
            for (long v : values) {
                o.writeLong(v);
            }
        }
    }

    private void append(String dir, String file, String line) throws IOException {
        Path d = Files.createDirectories(out.resolve(dir));
        Files.writeString(d.resolve(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
