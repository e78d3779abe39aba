package io.proxyless.mesh.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proxyless.mesh.benchmarks.RunKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns one run of {@code bench/run.sh} (JMH JSON results plus the benchmarks' side files) into
 * {@code docs/benchmarks.md} and the latency CDF plots under {@code docs/benchmarks/}.
 *
 * <pre>java -cp benchmarks.jar io.proxyless.mesh.benchmarks.report.Report RESULTS_DIR DOC_FILE SVG_DIR</pre>
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One measured iteration of one run. */
    record Iter(String round, int index, double score, double alloc, long[] latencies, double[] cpu, long errors,
                List<long[]> windows) {
        // cpu: wall, client user, client sys, backend, proxy, busy, total (ns); null when not recorded
        double ops() {
            return cpu == null ? Double.NaN : score * cpu[0] / 1e9;
        }

        /** µs of CPU per operation of column {@code col} of the CPU line. */
        double perOp(int col) {
            return cpu == null ? Double.NaN : cpu[col] / ops() / 1000.0;
        }

        /** Share of the machine used by processes outside the benchmark. */
        double foreign() {
            if (cpu == null || cpu[6] <= 0) {
                return Double.NaN;
            }
            return Math.max(0, cpu[5] - cpu[1] - cpu[2] - cpu[3] - cpu[4]) / cpu[6];
        }

        double busy() {
            return cpu == null || cpu[6] <= 0 ? Double.NaN : cpu[5] / cpu[6];
        }

        double p(double q) {
            return latencies.length == 0 ? Double.NaN : percentile(latencies, q) / 1000.0;
        }

        /** The fork (JVM) the round ran in: "F" of a side-by-side round written as "F.R", else "1". */
        String fork() {
            int dot = round.indexOf('.');
            return dot < 0 ? "1" : round.substring(0, dot);
        }
    }

    /** All iterations of one benchmark × parameters × threads. */
    static final class Run {
        final String key;
        final String benchmark;
        final Map<String, String> params;
        final int threads;
        final String unit;
        final List<Iter> iters = new ArrayList<>();

        Run(String key, String benchmark, Map<String, String> params, int threads, String unit) {
            this.key = key;
            this.benchmark = benchmark;
            this.params = params;
            this.threads = threads;
            this.unit = unit;
        }

        Stats stat(ToDoubleFunction<Iter> f) {
            return Stats.of(iters.stream().map(i -> f.applyAsDouble(i)).toList());
        }

        Stats throughput() {
            return stat(Iter::score);
        }

        long[] allLatencies() {
            return iters.stream().flatMapToLong(i -> Arrays.stream(i.latencies())).sorted().toArray();
        }
    }

    private final Path results;
    private final Path doc;
    private final Path svgDir;
    private final Properties meta = new Properties();
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final List<String[]> goals = new ArrayList<>();
    private final StringBuilder out = new StringBuilder();
    /** Other processes' share of the machine in every measured slice or iteration, before any is left out. */
    private final List<Double> foreignAll = new ArrayList<>();
    /** JVMs each side-by-side scenario was run in (bench/run.sh's forks), one when the run did not say. */
    private int forks = 1;

    private Report(Path results, Path doc, Path svgDir) {
        this.results = results;
        this.doc = doc;
        this.svgDir = svgDir;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Report RESULTS_DIR DOC_FILE SVG_DIR");
            System.exit(2);
        }
        Report r = new Report(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        r.load();
        r.write();
        System.out.println("wrote " + r.doc + " and " + r.svgDir);
    }

    // ------------------------------------------------------------------ loading

    private void load() throws IOException {
        Path metaFile = results.resolve("meta.properties");
        if (Files.exists(metaFile)) {
            try (Reader r = Files.newBufferedReader(metaFile)) {
                meta.load(r);
            }
        }
        loadSide();
        // as many forks as the run asked for, or as its rounds' labels show if the run did not say
        forks = Math.max(Integer.parseInt(meta.getProperty("forks", "1").trim()), runs.values().stream()
                .flatMap(r -> r.iters.stream()).mapToInt(i -> Integer.parseInt(i.fork())).max().orElse(1));
        dropNoisyRounds();
        Path jsonDir = results.resolve("json");
        if (!Files.isDirectory(jsonDir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(jsonDir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        Pattern roundOf = Pattern.compile("__r(\\d+)\\.json$");
        for (Path f : files) {
            Matcher m = roundOf.matcher(f.getFileName().toString());
            String round = m.find() ? m.group(1) : "1";
            JsonNode root;
            try {
                root = JSON.readTree(f.toFile());
            } catch (IOException e) {
                continue; // a run that died before JMH wrote its result
            }
            for (JsonNode entry : root) {
                addEntry(entry, round);
            }
        }
    }

    /** The {@code SideBySide} driver's slices: one run per scenario × variant × concurrency. */
    private void loadSide() throws IOException {
        Path dir = results.resolve("side");
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".tsv")).sorted().toList();
        }
        Pattern name = Pattern.compile("^(side-[a-z0-9-]+)__variant=([a-z0-9-]+)__t(\\d+)\\.tsv$");
        for (Path f : files) {
            Matcher m = name.matcher(f.getFileName().toString());
            if (!m.matches()) {
                continue;
            }
            String key = f.getFileName().toString().replace(".tsv", "");
            Run run = new Run(key, m.group(1), Map.of("variant", m.group(2)), Integer.parseInt(m.group(3)), "ops/s");
            for (String line : Files.readAllLines(f)) {
                String[] c = line.split("\t");
                if (c.length < 6) {
                    continue;
                }
                String round = c[0];
                double[] cpu = readCpu(key, round).get(1);
                long ops = Long.parseLong(c[1]);
                double wall = cpu == null ? Double.NaN : cpu[0];
                run.iters.add(new Iter(round, 1, ops / (wall / 1e9), ops == 0 ? Double.NaN : Double.parseDouble(c[3]) / ops,
                        readLatencies(key, round, 1), cpu, Long.parseLong(c[2]), windows(c)));
            }
            if (!run.iters.isEmpty()) {
                runs.put(key, run);
                run.iters.forEach(i -> foreignAll.add(i.foreign()));
            }
        }
    }

    /**
     * The time windows (ms) of a side-by-side round of one variant: its parts ("start-end,start-end,…" in the
     * seventh column), or, from a driver that measured one slice per round, the start and end columns.
     */
    private static List<long[]> windows(String[] c) {
        if (c.length < 7) {
            return List.of(new long[] {Long.parseLong(c[4]), Long.parseLong(c[5])});
        }
        List<long[]> windows = new ArrayList<>();
        for (String w : c[6].split(",")) {
            int dash = w.indexOf('-');
            windows.add(new long[] {Long.parseLong(w.substring(0, dash)), Long.parseLong(w.substring(dash + 1))});
        }
        return windows;
    }

    /** Rounds left out per scenario and concurrency and fork ("side-http@8" → fork → rounds). */
    private final Map<String, Map<String, List<String>>> excludedRounds = new LinkedHashMap<>();
    /** Rounds measured per scenario and concurrency and fork, before any is left out. */
    private final Map<String, Map<String, Integer>> measuredRounds = new LinkedHashMap<>();
    /** Share of the machine other processes may take during a slice before its round is left out. */
    private static final double NOISE_LIMIT = 0.15;
    /** Forks ("1", "2", …, "10") in their numeric order. */
    private static final java.util.Comparator<String> BY_FORK = java.util.Comparator.comparingInt(Integer::parseInt);

    /**
     * Leaves out the rounds of a side-by-side scenario (at one concurrency) in which other processes took more than
     * {@value #NOISE_LIMIT} of the machine during any variant's slice — all variants of such a round, so the
     * comparison stays paired — as long as at least three rounds of its fork remain. The rule is applied to each fork
     * (JVM) alone, so that a fork which met a busy machine still keeps rounds of its own.
     */
    private void dropNoisyRounds() {
        Map<String, List<Run>> groups = new LinkedHashMap<>();
        for (Run r : runs.values()) {
            if (r.benchmark.startsWith("side-")) {
                groups.computeIfAbsent(r.benchmark + "@" + r.threads, k -> new ArrayList<>()).add(r);
            }
        }
        groups.forEach((group, list) -> {
            Map<String, java.util.Set<String>> all = new TreeMap<>(BY_FORK);
            Map<String, java.util.Set<String>> noisy = new TreeMap<>(BY_FORK);
            for (Run r : list) {
                for (Iter i : r.iters) {
                    all.computeIfAbsent(i.fork(), f -> new java.util.TreeSet<>()).add(i.round());
                    if (i.foreign() > NOISE_LIMIT) {
                        noisy.computeIfAbsent(i.fork(), f -> new java.util.TreeSet<>()).add(i.round());
                    }
                }
            }
            Map<String, Integer> measured = new TreeMap<>(BY_FORK);
            all.forEach((fork, rounds) -> measured.put(fork, rounds.size()));
            measuredRounds.put(group, measured);
            Map<String, List<String>> left = new TreeMap<>(BY_FORK);
            noisy.forEach((fork, rounds) -> {
                if (all.get(fork).size() - rounds.size() >= 3) {
                    left.put(fork, List.copyOf(rounds));
                }
            });
            if (left.isEmpty()) {
                return;
            }
            java.util.Set<String> dropped = new java.util.HashSet<>();
            left.values().forEach(dropped::addAll);
            for (Run r : list) {
                r.iters.removeIf(i -> dropped.contains(i.round()));
            }
            excludedRounds.put(group, left);
        });
    }

    /**
     * What a reader must know about a scenario's rounds at one concurrency: forks that left no rounds or fewer than
     * asked (failed or timed out) and rounds left out as noisy; or "".
     */
    private String exclusionNote(String scenario, int threads) {
        String group = "side-" + scenario + "@" + threads;
        Map<String, Integer> measured = measuredRounds.getOrDefault(group, Map.of());
        StringBuilder s = new StringBuilder();
        if (forks > 1) {
            int asked = Integer.parseInt(meta.getProperty("rounds", "0").trim());
            List<String> missing = new ArrayList<>();
            List<String> partial = new ArrayList<>();
            for (int f = 1; f <= forks; f++) {
                Integer n = measured.get(Integer.toString(f));
                if (n == null) {
                    missing.add(Integer.toString(f));
                } else if (n < asked) {
                    partial.add(String.format(Locale.ROOT, "fork %d measured %d of %d rounds (its JVM failed or timed "
                            + "out: see `logs/side-%s.f%d.log`)", f, n, asked, scenario, f));
                }
            }
            if (!missing.isEmpty()) {
                s.append(String.format(Locale.ROOT, "**Fork %s of %d left no rounds at this concurrency** (its JVM "
                        + "failed or timed out: see %s); the figures are those of the other %s alone.",
                        String.join(" and ", missing), forks, String.join(", ", missing.stream().map(f -> "`logs/side-"
                                + scenario + ".f" + f + ".log`").toList()),
                        forks - missing.size() == 1 ? "fork" : "forks"));
            }
            if (!partial.isEmpty()) {
                s.append(s.length() == 0 ? "" : " ").append(String.join("; ", partial)).append('.');
            }
        }
        Map<String, List<String>> ex = excludedRounds.get(group);
        if (ex != null) {
            int left = ex.values().stream().mapToInt(List::size).sum();
            int total = measured.values().stream().mapToInt(Integer::intValue).sum();
            s.append(s.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%d of %d rounds left out", left,
                    total));
            if (measured.size() > 1) {
                s.append(" (").append(String.join(", ", measured.keySet().stream().map(f -> String.format(Locale.ROOT,
                        "fork %s: %d of %d", f, ex.getOrDefault(f, List.of()).size(), measured.get(f))).toList()))
                        .append(')');
            }
            s.append(String.format(Locale.ROOT, ": in them other processes took more than %.0f%% of the CPU during a "
                    + "slice.", NOISE_LIMIT * 100));
        }
        return s.toString();
    }

    /** A side-by-side run: {@code side("http", "mesh", 8)}. */
    private Run side(String scenario, String variant, int threads) {
        Run r = runs.get("side-" + scenario + "__variant=" + variant + "__t" + threads);
        return r == null || r.iters.isEmpty() ? null : r;
    }

    /** The JFR samples that belong to a run: its own recordings (JMH), or its slices of the driver's recording. */
    private Profiles.Source source(Run r) {
        if (r.benchmark.startsWith("side-")) {
            List<long[]> windows = r.iters.stream().flatMap(i -> i.windows().stream()).toList();
            return new Profiles.Source(forkFiles("jfr", r.benchmark, ".jfr"), windows);
        }
        return Profiles.Source.jmh(results.resolve("jfr"), r.key);
    }

    /**
     * A side-by-side scenario's files of one kind in {@code dir}: the single driver's ({@code side-http.jfr}) and every
     * fork's ({@code side-http.f2.jfr}), in fork order.
     */
    private List<Path> forkFiles(String dir, String benchmark, String suffix) {
        Path d = results.resolve(dir);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        Pattern name = Pattern.compile(Pattern.quote(benchmark) + "(\\.f(\\d+))?" + Pattern.quote(suffix));
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> name.matcher(p.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.comparingInt(p -> {
                        Matcher m = name.matcher(p.getFileName().toString());
                        return m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : 0;
                    })).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The lines of a side-by-side scenario's callers' counters, of every fork. */
    private List<String> statsLines(String benchmark) {
        List<String> lines = new ArrayList<>();
        for (Path f : forkFiles("side", benchmark, ".stats")) {
            try {
                lines.addAll(Files.readAllLines(f));
            } catch (IOException ignored) {
                // a fork that died while writing its counters: the others' remain
            }
        }
        return lines;
    }

    private void addEntry(JsonNode entry, String round) throws IOException {
        String benchmark = entry.path("benchmark").asText();
        Map<String, String> params = new TreeMap<>();
        entry.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        int threads = entry.path("threads").asInt(1);
        String key = RunKeys.of(benchmark, params, threads);
        JsonNode primary = entry.path("primaryMetric");
        Run run = runs.computeIfAbsent(key, k -> new Run(k, simpleName(benchmark), params, threads,
                primary.path("scoreUnit").asText()));
        List<Double> scores = new ArrayList<>();
        primary.path("rawData").forEach(fork -> fork.forEach(v -> scores.add(v.asDouble())));
        List<Double> allocs = new ArrayList<>();
        entry.path("secondaryMetrics").fields().forEachRemaining(e -> {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                e.getValue().path("rawData").forEach(fork -> fork.forEach(v -> allocs.add(v.asDouble())));
            }
        });
        Map<Integer, double[]> cpu = readCpu(key, round);
        for (int i = 0; i < scores.size(); i++) {
            Iter it = new Iter(round, i + 1, scores.get(i), i < allocs.size() ? allocs.get(i) : Double.NaN,
                    readLatencies(key, round, i + 1), cpu.get(i + 1), 0, List.of(new long[] {0, Long.MAX_VALUE}));
            run.iters.add(it);
            foreignAll.add(it.foreign());
        }
    }

    private Map<Integer, double[]> readCpu(String key, String round) throws IOException {
        Map<Integer, double[]> map = new TreeMap<>();
        Path f = results.resolve("cpu").resolve(key + ".tsv");
        if (!Files.exists(f)) {
            return map;
        }
        for (String line : Files.readAllLines(f)) {
            String[] c = line.split("\t");
            if (c.length < 9 || !c[0].equals(round)) {
                continue;
            }
            double[] v = new double[7];
            for (int i = 0; i < 7; i++) {
                v[i] = Double.parseDouble(c[i + 2]);
            }
            map.put(Integer.parseInt(c[1]), v);
        }
        return map;
    }

    private long[] readLatencies(String key, String round, int iteration) throws IOException {
        Path dir = results.resolve("lat").resolve(key);
        if (!Files.isDirectory(dir)) {
            return new long[0];
        }
        String prefix = "r" + round + "-m" + iteration + "-t";
        List<long[]> parts = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                byte[] bytes = Files.readAllBytes(p);
                long[] v = new long[bytes.length / 8];
                ByteBuffer.wrap(bytes).asLongBuffer().get(v);
                parts.add(v);
            }
        }
        return parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    }

    private static String simpleName(String benchmark) {
        int method = benchmark.lastIndexOf('.');
        int cls = benchmark.lastIndexOf('.', method - 1);
        return benchmark.substring(cls + 1);
    }

    private Run run(String benchmark, int threads, String... params) {
        Map<String, String> p = new TreeMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        Run r = runs.get(RunKeys.of("io.proxyless.mesh.benchmarks." + benchmark, p, threads));
        return r == null || r.iters.isEmpty() ? null : r;
    }

    // ------------------------------------------------------------------ writing

    private void write() throws IOException {
        Files.createDirectories(svgDir);
        StringBuilder body = new StringBuilder();
        StringBuilder saved = new StringBuilder();
        // sections first (they add goals), then the head with the goals table
        out.setLength(0);
        httpSection();
        grpcSection();
        jmhSection();
        routeSection();
        applySection();
        mirrorSection();
        methodSection();
        body.append(out);
        out.setLength(0);
        head();
        goalsTable();
        saved.append(out).append(body);
        Files.createDirectories(doc.toAbsolutePath().getParent());
        Files.writeString(doc, saved.toString());
    }

    private void head() {
        out.append("# Benchmarks\n\n");
        out.append("""
                Everything here is measured by one command, side by side in one run on one machine, and this page is
                written by it (`bench/run.sh` rewrites it; edit the generator in
                `benchmarks/src/main/java/io/proxyless/mesh/benchmarks/report/` rather than this file):

                ```
                ./bench/run.sh
                ```

                It builds with `./mvnw -B -q -Pbenchmarks -DskipTests package` (`./mvnw -B verify` compiles the
                `benchmarks` module but never runs it; the profile packages the runnable JMH jar), starts a backend JVM and HAProxy on 127.0.0.1, runs the JMH benchmarks of the `benchmarks`
                module and its side-by-side driver, stops everything it started, and
                writes this page and the latency plots in `docs/benchmarks/`. The JMH benchmarks can also be run alone,
                e.g. `java -jar benchmarks/target/benchmarks.jar RouteDecisionBenchmark -prof gc`.

                """);
        out.append("## Machine and versions\n\n| | |\n|---|---|\n");
        row("date (UTC)", meta.getProperty("date", "?"));
        row("machine", meta.getProperty("cores", "?") + " vCPUs, " + meta.getProperty("memory", "?") + " RAM, "
                + meta.getProperty("os", "?") + " (kernel " + meta.getProperty("kernel", "?") + ")");
        row("CPU", meta.getProperty("cpu", "?"));
        row("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (benchmarks run with `-Xms512m -Xmx512m`, config at scale with 2 GB)");
        row("versions", "Proxyless Mesh " + meta.getProperty("mesh.version", "?") + " (commit "
                + meta.getProperty("commit", "?") + "), OkHttp " + constant("okhttp3.OkHttp", "VERSION")
                + ", grpc-java " + constant("io.grpc.internal.GrpcUtil", "IMPLEMENTATION_VERSION")
                + " (grpc-netty-shaded, grpc-xds), java-control-plane " + version("io.envoyproxy.controlplane", "server")
                + ", Netty (backend) " + nettyVersion() + ", JMH " + version("org.openjdk.jmh", "jmh-core")
                + ", HAProxy " + meta.getProperty("haproxy.version", "not installed"));
        row("run", "build " + meta.getProperty("build.seconds", "?") + " s; whole run (build, all benchmarks, "
                + "this report) " + totalRuntime());
        row("noise", noise());
        out.append('\n');
    }

    private String totalRuntime() {
        String start = meta.getProperty("start.epoch");
        if (start == null) {
            return "?";
        }
        long s = Instant.now().getEpochSecond() - Long.parseLong(start);
        return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }

    private String noise() {
        Stats f = Stats.of(foreignAll);
        String others = meta.getProperty("foreign.processes", "").trim();
        if (!f.present()) {
            return "not measured";
        }
        String s = String.format(Locale.ROOT, "processes outside the benchmark used on average %.0f%% (at most %.0f%%) "
                + "of the machine's CPU during the measured iterations", f.mean() * 100, f.max() * 100);
        if (f.max() > 0.05) {
            s += "; other builds were running on the machine at the same time (" + (others.isEmpty()
                    ? "see the \"other processes\" columns" : others) + "), so absolute numbers are lower and "
                    + "spreads wider than on a quiet machine. The side-by-side slices take turns so that the noise "
                    + "falls on all variants alike, and rounds in which other processes took more than 15% of the "
                    + "CPU are left out where at least three rounds of their fork remain (noted under each table)";
        }
        return s;
    }

    private void goalsTable() {
        out.append("## Goals\n\n| goal | target | measured | | why |\n|---|---|---|---|---|\n");
        for (String[] g : goals) {
            out.append("| ").append(String.join(" | ", g)).append(" |\n");
        }
        out.append('\n');
        out.append(Tried.load().section(goals.stream().filter(g -> g[3].contains("missed")).map(g -> g[0]).toList()));
    }

    private void goal(String name, String target, String measured, String status, String why) {
        goals.add(new String[] {name, target, measured, status, why.replace("\n", " ").replace("|", "\\|")});
    }

    // ------------------------------------------------------------------ HTTP

    private static final String[] HTTP = {"plain", "plain-4", "mesh", "mesh-metrics", "haproxy"};
    private static final Map<String, String> HTTP_NAMES = Map.of("plain", "(a) plain OkHttp", "plain-4",
            "(a′) plain OkHttp over the 4 ports (control)", "mesh", "(b) OkHttp + MeshInterceptor", "mesh-metrics",
            "(b′) OkHttp + MeshInterceptor, Istio metrics on", "haproxy",
            "(c) OkHttp → HAProxy → backend", "mirror-none", "no mirror", "mirror-healthy", "healthy mirror",
            "mirror-dead", "dead mirror");
    /** Variants that only appear when they ran (controls). */
    private static final java.util.Set<String> CONTROLS = java.util.Set.of("plain-4", "plain-rr", "mesh-metrics");

    private void httpSection() throws IOException {
        out.append("## HTTP on loopback: plain OkHttp, OkHttp + mesh, OkHttp through HAProxy (issues #5, #9)\n\n");
        out.append("""
                The same backend (a Netty HTTP/1.1 server in its own JVM, four ports = the four endpoints of service
                `echo`, keep-alive), the same request mix (of every ten requests, one carries `end-user: jason`, two are
                POSTs of 512 bytes, seven are GETs of a 256-byte document), closed loop: each of *c* threads sends its next
                request as soon as the previous response body has been read.

                * **(a) plain**: OkHttp to one backend port. **(a′)**, a control where it ran: plain OkHttp whose caller
                  takes the four ports in turn, so its requests spread over four connections like the mesh's.
                * **(b) mesh**: OkHttp + `MeshInterceptor` to `http://echo:8080`: a VirtualService with a header route (jason →
                  v2) and an 80/20 split (v1/v2), retries (`attempts: 2, retryOn: connect-failure,refused-stream,5xx`),
                  a DestinationRule with LEAST_REQUEST over two endpoints per subset and outlier detection.
                * **(b′) metrics on**, where it ran: (b) with Istio's standard metrics and Envoy's cluster stats recorded
                  for every request (`MeshMetrics.bindTo(mesh, PrometheusMeterRegistry)`), the same client otherwise.
                * **(c) HAProxy**: OkHttp to a local HAProxy (the stand-in for a sidecar hop, `nbthread 2` like Istio's
                  two sidecar worker threads) that balances over the same four ports with the same 80/20 weights
                  (`leastconn`), keep-alive on both sides and retries (`retries 2`, `retry-on conn-failure 503`).

                All variants run in one JVM (the side-by-side driver%s), warmed up together and then measured in
                short slices that take turns, round after round, so that other work on the machine falls on all of them
                alike. Latencies are every request's, recorded raw. CPU columns are µs of CPU per request (user +
                kernel; on loopback the kernel's TCP work is charged to the sending process), from `/proc`, per slice.
                Table values are the median over the rounds%s, ± half their interquartile range; ratios are taken per
                round and summarised the same way (see [How it is measured](#how-it-is-measured)).

                """.formatted(forks > 1 ? "; the scenario runs " + forks + " times, in a new JVM each time: forks" : "",
                forks > 1 ? " of all forks pooled" : ""));
        String haproxy = meta.getProperty("haproxy.status", "ok");
        if (!haproxy.equals("ok")) {
            out.append("**HAProxy rows: ").append(haproxy).append(".**\n\n");
        }
        for (int c : new int[] {1, 8, 32}) {
            Run a = side("http", "plain", c);
            Run b = side("http", "mesh", c);
            Run h = side("http", "haproxy", c);
            if (a == null && b == null && h == null) {
                continue;
            }
            out.append("### Concurrency ").append(c).append("\n\n");
            latencyTable(List.of(HTTP), v -> side("http", v, c), HTTP_NAMES, true);
            note(exclusionNote("http", c));
            String ratioBA = ratio(b, a);
            String ratioBC = ratio(b, h);
            out.append("\nRatios (throughput): **b/a = ").append(ratioBA).append("**, **b/c = ").append(ratioBC)
                    .append("**. p99: b/a ").append(pRatio(b, a, 0.99)).append(", b/c ").append(pRatio(b, h, 0.99))
                    .append(". Client CPU per request: b/a ").append(cpuRatio(b, a)).append(", b/c ")
                    .append(cpuRatio(b, h)).append(".\n\n");
            String svg = "http-c" + c + ".svg";
            plot(svg, "HTTP, concurrency " + c + ": latency CDF", List.of(HTTP),
                    v -> side("http", v, c), HTTP_NAMES);
            out.append("![HTTP latency CDF, concurrency ").append(c).append("](benchmarks/").append(svg)
                    .append(")\n\n");
            httpGoals(c, a, b, h);
        }
        metricsSection();
        httpFindings();
    }

    private void httpGoals(int c, Run a, Run b, Run h) {
        if (a != null && b != null) {
            double r = throughputRatio(b, a).median();
            goal("HTTP mesh vs plain, c=" + c, "≥ 0.95×", ratio(b, a), verdict(b, a, 0.95),
                    r >= 0.95 ? costNote(a, b, "the mesh") : whyBehind(a, b, "the mesh", "plain OkHttp")
                            + control(a, b, side("http", "plain-4", c),
                            "plain OkHttp taking the same four ports in turn"));
        } else {
            goal("HTTP mesh vs plain, c=" + c, "≥ 0.95×", "—", "not run", "see the run's logs");
        }
        // Issue #17's second bar: against plain OkHttp spreading its calls over the same endpoints, what is left is
        // the mesh's own cost.
        Run ctl = side("http", "plain-4", c);
        if (ctl != null && b != null) {
            double r = throughputRatio(b, ctl).median();
            goal("HTTP mesh vs plain over the same endpoints (control), c=" + c, "≥ 0.98×", ratio(b, ctl),
                    verdict(b, ctl, 0.98), r >= 0.98 ? costNote(ctl, b, "the mesh")
                            : whyBehind(ctl, b, "the mesh", "plain OkHttp over the four ports"));
        } else {
            goal("HTTP mesh vs plain over the same endpoints (control), c=" + c, "≥ 0.98×", "—", "not run",
                    "see the run's logs");
        }
        if (h != null && b != null) {
            double r = throughputRatio(b, h).median();
            goal("HTTP mesh vs HAProxy hop, c=" + c, "≥ 1.5×", ratio(b, h), verdict(b, h, 1.5),
                    r >= 1.5 ? hopNote(h, b) : whyHop(h, b, a, c));
        } else {
            goal("HTTP mesh vs HAProxy hop, c=" + c, "≥ 1.5×", "—", "not run",
                    meta.getProperty("haproxy.status", "HAProxy did not run"));
        }
    }

    /** Issue #13's overhead goal: the same mesh client with Istio's metrics on and off, in the same rounds. */
    private void metricsSection() {
        List<int[]> present = new ArrayList<>();
        for (int c : new int[] {1, 8, 32}) {
            if (side("http", "mesh", c) != null && side("http", "mesh-metrics", c) != null) {
                present.add(new int[] {c});
            }
        }
        if (present.isEmpty()) {
            goal("HTTP metrics on vs off, c=8", "≥ 0.97× (≤ 3% overhead)", "—", "not run", "see the run's logs");
            return;
        }
        out.append("### Metrics on vs off (issue #13)\n\n");
        out.append("""
                (b′) over (b): the same OkHttp client and mesh config, measured in the same rounds, with and without
                `MeshMetrics` bound to a Prometheus registry (`istio_requests_total`, the duration and size histograms
                and Envoy's cluster stats recorded for every request).

                | c | throughput on/off | client CPU µs/request off | on | B/request off | on |
                |---:|---:|---:|---:|---:|---:|
                """);
        for (int[] cs : present) {
            int c = cs[0];
            Run off = side("http", "mesh", c);
            Run on = side("http", "mesh-metrics", c);
            out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s |%n", c, ratio(on, off),
                    num(off.stat(i -> i.perOp(1) + i.perOp(2)), 0), num(on.stat(i -> i.perOp(1) + i.perOp(2)), 0),
                    num(off.stat(Iter::alloc), 0), num(on.stat(Iter::alloc), 0)));
        }
        out.append('\n');
        Run off = side("http", "mesh", 8);
        Run on = side("http", "mesh-metrics", 8);
        if (off == null || on == null) {
            goal("HTTP metrics on vs off, c=8", "≥ 0.97× (≤ 3% overhead)", "—", "not run", "see the run's logs");
            return;
        }
        Ratio r = throughputRatio(on, off);
        goal("HTTP metrics on vs off, c=8", "≥ 0.97× (≤ 3% overhead)", r.toString(), verdict(r, 0.97, true),
                costNote(off, on, "recording the metrics") + metricsProfile(on));
    }

    /** Where recording the metrics shows in the metrics-on variant's CPU samples, wherever it is called from. */
    private String metricsProfile(Run on) {
        Profiles.Profile p = Profiles.within(source(on), List.of("io.proxyless.mesh.micrometer.", "io.micrometer.",
                "io.prometheus."));
        if (p.samples() == 0) {
            return "";
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "; JFR: %.1f%% of the client's Java samples "
                + "(%d samples) have `MeshMetrics`, Micrometer or the Prometheus client on the stack",
                p.routingShare() * 100, p.samples()));
        int n = 0;
        for (Map.Entry<String, Integer> e : p.hot().entrySet()) {
            if (n++ == 3) {
                break;
            }
            s.append(n == 1 ? ", hottest: " : "; ").append('`').append(e.getKey()).append('`')
                    .append(String.format(Locale.ROOT, " %.1f%%", 100.0 * e.getValue() / p.samples()));
        }
        return s.toString();
    }

    private String hopNote(Run h, Run b) {
        return String.format(Locale.ROOT, "the hop costs %.0f µs of HAProxy CPU per request and a second loopback "
                        + "connection (total %.0f µs CPU/request vs %.0f µs with the mesh)",
                h.stat(i -> i.perOp(4)).mean(), totalCpu(h).mean(), totalCpu(b).mean());
    }

    private String whyHop(Run h, Run b, Run a, int c) {
        String s = hopNote(h, b);
        boolean saturated = b.stat(Iter::busy).mean() > 0.85 && c > 1;
        if (saturated) {
            s += String.format(Locale.ROOT, "; on the saturated 2 cores CPU per request decides, and it predicts "
                    + "%.2f×", totalCpu(h).mean() / totalCpu(b).mean());
            if (a != null) {
                s += String.format(Locale.ROOT, "; even plain OkHttp, with no routing at all, reaches only %.2f× the "
                        + "HAProxy hop here (%.0f vs %.0f µs CPU per request): a loopback HAProxy doing plain HTTP/1.1 "
                        + "costs too little for 1.5× on this machine (a sidecar adding mTLS, telemetry and Envoy's "
                        + "filter chain costs more)", a.throughput().mean() / h.throughput().mean(),
                        totalCpu(a).mean(), totalCpu(h).mean());
            }
        } else {
            s += String.format(Locale.ROOT, "; at this concurrency latency decides: the hop adds %.0f µs at p50, the "
                            + "mesh %.0f µs, over plain OkHttp",
                    h.stat(i -> i.p(0.5)).mean() - plainP50(c), b.stat(i -> i.p(0.5)).mean() - plainP50(c));
        }
        return s;
    }

    private double plainP50(int c) {
        Run a = side("http", "plain", c);
        return a == null ? Double.NaN : a.stat(i -> i.p(0.5)).mean();
    }

    /** CPU per operation of client + backend + proxy. */
    private static Stats totalCpu(Run r) {
        return r.stat(i -> i.perOp(1) + i.perOp(2) + i.perOp(3) + i.perOp(4));
    }

    /** What a no-routing control that spreads over the same endpoints says about the gap between base and x. */
    private static String control(Run base, Run x, Run ctl, String what) {
        if (ctl == null) {
            return "";
        }
        double b = base.throughput().mean();
        double m = x.throughput().mean();
        double c = ctl.throughput().mean();
        String s = String.format(Locale.ROOT, "; control — %s: %,.0f/s (%.2f× plain, p50 %,.0f µs)", what, c, c / b,
                ctl.stat(i -> i.p(0.5)).mean());
        if (c < b && m < b) {
            double share = Math.min(1, (b - c) / (b - m));
            s += String.format(Locale.ROOT, ", so about %.0f%% of the gap comes from spreading the calls over four "
                    + "connections rather than from the mesh's code", share * 100);
        }
        return s;
    }

    private String costNote(Run base, Run x, String what) {
        return String.format(Locale.ROOT, "%s adds %+.0f µs client CPU and %+.0f B allocated per request", what,
                x.stat(i -> i.perOp(1) + i.perOp(2)).mean() - base.stat(i -> i.perOp(1) + i.perOp(2)).mean(),
                x.stat(Iter::alloc).mean() - base.stat(Iter::alloc).mean());
    }

    /** Why {@code x} is slower than {@code base}: CPU accounting, allocation and the JFR profile. */
    private String whyBehind(Run base, Run x, String what, String baseName) {
        double cpuBase = base.stat(i -> i.perOp(1) + i.perOp(2)).mean();
        double cpuX = x.stat(i -> i.perOp(1) + i.perOp(2)).mean();
        double userBase = base.stat(i -> i.perOp(1)).mean();
        double userX = x.stat(i -> i.perOp(1)).mean();
        double totalBase = totalCpu(base).mean();
        double totalX = totalCpu(x).mean();
        boolean saturated = x.stat(Iter::busy).mean() > 0.85;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "client CPU per request %.0f µs vs %.0f µs for %s (user %.0f vs %.0f, kernel "
                        + "%.0f vs %.0f); %+.0f B allocated per request",
                cpuX, cpuBase, baseName, userX, userBase, cpuX - userX, cpuBase - userBase,
                x.stat(Iter::alloc).mean() - base.stat(Iter::alloc).mean()));
        if (saturated && x.threads > 1) {
            s.append(String.format(Locale.ROOT, "; the 2 cores were saturated (%.0f%% busy), so throughput follows "
                            + "total CPU per request (client + backend + proxy: %.0f vs %.0f µs, predicting %.2f×)",
                    x.stat(Iter::busy).mean() * 100, totalX, totalBase, totalBase / totalX));
        } else {
            s.append(String.format(Locale.ROOT, "; latency-bound at this concurrency: p50 %+.0f µs",
                    x.stat(i -> i.p(0.5)).mean() - base.stat(i -> i.p(0.5)).mean()));
        }
        Profiles.Profile p = Profiles.read(source(x));
        if (p.samples() > 0) {
            s.append(String.format(Locale.ROOT, "; JFR: %.0f%% of the client's Java samples are in %s (own code and "
                    + "library calls it makes for itself; %d samples)", p.routingShare() * 100, what, p.samples()));
            if (!p.hot().isEmpty()) {
                s.append(", hottest: ");
                int n = 0;
                for (Map.Entry<String, Integer> e : p.hot().entrySet()) {
                    if (n++ == 3) {
                        break;
                    }
                    s.append(n > 1 ? "; " : "").append('`').append(e.getKey()).append('`')
                            .append(String.format(Locale.ROOT, " %.1f%%", 100.0 * e.getValue() / p.samples()));
                }
            }
        }
        return s.toString();
    }

    private void httpFindings() {
        out.append("### Where the time goes (HTTP)\n\n");
        out.append("""
                CPU per request by process, bytes allocated per request (all threads of the client JVM) and the share of
                the client's JFR CPU samples spent in the routing layer (the mesh's interceptor and engine, counting
                library calls the mesh makes for itself such as copying a request, but not the HTTP exchange it starts
                below itself).

                | c | variant | client user µs | client kernel µs | backend µs | HAProxy µs | total µs | B/request | mesh share of client samples | machine busy | other processes |
                |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """);
        for (int c : new int[] {1, 8, 32}) {
            for (String v : HTTP) {
                Run r = side("http", v, c);
                if (r == null) {
                    continue;
                }
                Profiles.Profile p = Profiles.read(source(r));
                out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c,
                        HTTP_NAMES.get(v), num(r.stat(i -> i.perOp(1)), 0), num(r.stat(i -> i.perOp(2)), 0),
                        num(r.stat(i -> i.perOp(3)), 0), v.equals("haproxy") ? num(r.stat(i -> i.perOp(4)), 0) : "–",
                        num(totalCpu(r), 0), num(r.stat(Iter::alloc), 0),
                        v.equals("mesh") && p.samples() > 0 ? String.format(Locale.ROOT, "%.0f%%",
                                p.routingShare() * 100) : "–",
                        pct(r.stat(Iter::busy)), pct(r.stat(Iter::foreign))));
            }
        }
        out.append('\n');
        Run worst = null;
        for (int c : new int[] {32, 8, 1}) {
            Run r = side("http", "mesh", c);
            if (r != null) {
                worst = r;
                break;
            }
        }
        if (worst != null) {
            Profiles.Profile p = Profiles.read(source(worst));
            if (!p.hot().isEmpty()) {
                out.append("Hottest routing-layer spots in the mesh client at concurrency ").append(worst.threads)
                        .append(" (JFR samples; `library frame ← mesh frame that called it`):\n\n");
                out.append("| spot | share of client samples |\n|---|---:|\n");
                p.hot().entrySet().stream().limit(10).forEach(en -> out.append("| `").append(en.getKey()).append("` | ")
                        .append(String.format(Locale.ROOT, "%.1f%%", 100.0 * en.getValue() / p.samples())).append(" |\n"));
                out.append('\n');
                out.append(knownCauses(p));
            }
        }
        String notes = meta.getProperty("notes.http", "");
        if (!notes.isBlank()) {
            out.append(notes).append("\n\n");
        }
        Path findings = results.resolve("findings-http.md");
        if (Files.exists(findings)) {
            try {
                out.append(Files.readString(findings)).append("\n");
            } catch (IOException ignored) {
                // optional
            }
        }
    }

    /** Causes known from reading the code behind hot spots, for the spots this run's profile shows. */
    private static String knownCauses(Profiles.Profile p) {
        Map<String, String> causes = new LinkedHashMap<>();
        causes.put("Endpoint.hashCode", "`registry.Endpoint` is a record (address, port, labels map, locality, …) "
                + "used as a hash key on every attempt — `OutlierDetector.report` and the balancers look it up in "
                + "hash maps — and its hash is recomputed each time, walking the labels map; caching the hash or "
                + "keying the per-endpoint state by index would remove it.");
        causes.put("MeshCall.urlHost", "`MeshCall.urlHost` parses `http://<authority>/` with `HttpUrl.get` on every "
                + "call to canonicalise the host name (IDN mapping, percent-decoding), although it is the same for "
                + "every call with the same authority; a small cache per authority would remove it.");
        causes.put("MeshCall.upstream", "`MeshCall.upstream` rebuilds the `HttpUrl` and the `Request` of every attempt "
                + "(OkHttp canonicalises the host again), after `forward` has already built a template request.");
        causes.put("Backoff.envoy", "`Backoff.of` prepares the retry backoff before the first attempt, even though "
                + "almost no call retries.");
        causes.put("CompiledRoute.toString", "`MeshCall` builds the route's description (`decision.route().toString()`) "
                + "on every call, for error messages that are almost never needed.");
        causes.put("EndpointDns$Key", "`EndpointDns.of` finds the attempt's DNS object in a cache keyed by a record "
                + "(host, address, client DNS), hashing and comparing the record's fields on every attempt.");
        causes.put("← MeshCall.configure", "`MeshCall.configure` derives the attempt's chain with three or four "
                + "`chain.with…` calls (DNS, connect/read/write timeouts), and OkHttp copies the whole chain on each.");
        causes.put("SynchronizationContext", "the mesh channel moves every message and flow-control request of a "
                + "call through its `SynchronizationContext` (a queue hand-off and drain per `sendMessage` and "
                + "`request`), on top of the endpoint call's own serialization.");
        causes.put("ClientTlsContexts.forCluster", "every call asks `ClientTlsContexts.forCluster` for the cluster's TLS "
                + "policy — a Guava cache lookup keyed by the `Cluster` — even for clusters without TLS.");
        causes.put("IndexedEndpoints.indexOf", "the balancer finds the endpoint's slot for its in-flight counter at "
                + "every attempt start and end (`IndexedEndpoints.indexOf`: a short scan, then a map lookup).");
        causes.put("MetadataHeaders.get", "a header match reads gRPC `Metadata` through `MetadataHeaders.get`, "
                + "which scans all metadata entries (`Metadata.getAll`) and joins the values into a new string.");
        causes.put("OkHttpRequests.routeRequest", "building the `RouteRequest` (URL parts, header view) from the "
                + "OkHttp request.");
        causes.put("OkHttpRequests.hostHeader", "reading the `Host` header to find the logical authority.");
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> c : causes.entrySet()) {
            int n = 0;
            for (Map.Entry<String, Integer> h : p.hot().entrySet()) {
                if (h.getKey().contains(c.getKey())) {
                    n += h.getValue();
                }
            }
            if (n > 0) {
                sb.append(String.format(Locale.ROOT, "* %.1f%%: %s%n", 100.0 * n / p.samples(), c.getValue()));
            }
        }
        return sb.isEmpty() ? "" : "What the code behind these spots does (from reading it):\n\n" + sb + "\n";
    }

    // ------------------------------------------------------------------ gRPC

    private static final String[] GRPC = {"plain", "plain-rr", "mesh", "xds"};
    private static final Map<String, String> GRPC_NAMES = Map.of("plain", "plain channel", "plain-rr",
            "plain channel, round_robin over the 4 ports (control)", "mesh", "mesh channel (`MeshGrpc`)", "xds",
            "grpc-xds channel (`xds:///`)");

    private void grpcSection() {
        out.append("## gRPC: plain channel, mesh channel, grpc-java's xDS channel (issues #6, #9)\n\n");
        out.append("""
                The backend JVM's `bench.Echo` service on four ports (grpc-netty-shaded, direct executor). The mesh channel
                routes `grpc-echo:9090` with the same rules as the HTTP scenario (jason → v2, others 80/20 v1/v2, retries on
                `unavailable,cancelled`, ROUND_ROBIN over two endpoints per subset); the grpc-xds channel gets the same
                routing as istiod would serve a proxyless client (listener `grpc-echo.default.svc.cluster.local:9090`,
                RDS with a header route and weighted clusters, retry policy, EDS) from an in-process java-control-plane
                server. The plain channel talks to one port (one HTTP/2 connection); where it ran, a control plain
                channel balances `round_robin` over the four ports (four connections, like the routed channels). **unary**: blocking unary calls (100-byte request, 128-byte
                response, one call in ten with `end-user: jason`). **streaming**: each caller opens a new bidi stream before
                every measured part of a round (outside the timed part, with one message round trip so that it is
                routed and connected) and keeps it for that part; an operation is one message round trip on it
                (ping-pong). All channels use a direct executor.

                """);
        String[][] scenarios = {{"unary", "1"}, {"unary", "8"}, {"streaming", "8"}};
        for (String[] sc : scenarios) {
            String method = "grpc-" + sc[0];
            int c = Integer.parseInt(sc[1]);
            Run p = side(method, "plain", c);
            Run m = side(method, "mesh", c);
            Run x = side(method, "xds", c);
            if (p == null && m == null && x == null) {
                continue;
            }
            out.append("### ").append(sc[0]).append(", concurrency ").append(c).append("\n\n");
            latencyTable(List.of(GRPC), v -> side(method, v, c), GRPC_NAMES, false);
            note(exclusionNote(method, c));
            out.append("\nRatios (throughput): **mesh/plain = ").append(ratio(m, p)).append("**, **mesh/grpc-xds = ")
                    .append(ratio(m, x)).append("**; grpc-xds/plain = ").append(ratio(x, p))
                    .append(". Client CPU per call: mesh/plain ").append(cpuRatio(m, p)).append(", mesh/grpc-xds ")
                    .append(cpuRatio(m, x)).append(".\n\n");
            Map<String, String> placement = sc[0].equals("streaming") ? streamPlacement() : Map.of();
            if (!placement.isEmpty()) {
                out.append("Streams opened per backend port over the run, warm-up included (v1, v1, v2, v2): ")
                        .append(placementText(placement))
                        .append(". A stream stays on the connection it was first routed to, and where the eight ")
                        .append("streams sit moves throughput, so every caller opens a new stream before each ")
                        .append("measured part: each part is a new draw of the routing for every channel alike, ")
                        .append("and the median over rounds averages the placement out.\n\n");
            }
            String svg = "grpc-" + sc[0] + "-c" + c + ".svg";
            plot(svg, "gRPC " + sc[0] + ", concurrency " + c + ": latency CDF", List.of(GRPC),
                    v -> side(method, v, c), GRPC_NAMES);
            out.append("![gRPC ").append(sc[0]).append(" latency CDF](benchmarks/").append(svg).append(")\n\n");
            String label = "gRPC " + sc[0] + " c=" + c;
            if (m != null && x != null) {
                double r = throughputRatio(m, x).median();
                goal(label + ": mesh vs grpc-xds", "≥ 1.0×", ratio(m, x), verdict(m, x, 1.0),
                        (r >= 1.0 ? costNote(x, m, "the mesh channel") + " compared with grpc-xds"
                                : whyBehind(x, m, "the routing layer", "grpc-xds"))
                        + (placement.containsKey("mesh") && placement.containsKey("xds")
                                ? "; streams re-opened (a new routing draw) before every measured part, opened per "
                                + "backend port over the run (v1, v1, v2, v2): mesh " + placement.get("mesh")
                                + ", grpc-xds " + placement.get("xds") : ""));
            } else {
                goal(label + ": mesh vs grpc-xds", "≥ 1.0×", "—", "not run", "see the run's logs");
            }
            if (m != null && p != null) {
                double r = throughputRatio(m, p).median();
                goal(label + ": mesh vs plain", "≥ 0.95×", ratio(m, p), verdict(m, p, 0.95),
                        r >= 0.95 ? costNote(p, m, "the mesh channel") : whyBehind(p, m, "the mesh", "the plain channel")
                        + control(p, m, side(method, "plain-rr", c),
                        "a plain channel with round_robin over the same four ports"));
            }
        }
        out.append("### Where the time goes (gRPC)\n\n");
        out.append("| scenario | channel | client user µs | client kernel µs | backend µs | total µs | B/call | routing-layer share of client samples | machine busy | other processes |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String[] sc : scenarios) {
            for (String v : GRPC) {
                Run r = side("grpc-" + sc[0], v, Integer.parseInt(sc[1]));
                if (r == null) {
                    continue;
                }
                Profiles.Profile p = Profiles.read(source(r));
                out.append(String.format(Locale.ROOT, "| %s c=%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        sc[0], sc[1], GRPC_NAMES.get(v), num(r.stat(i -> i.perOp(1)), 0),
                        num(r.stat(i -> i.perOp(2)), 0), num(r.stat(i -> i.perOp(3)), 0), num(totalCpu(r), 0),
                        num(r.stat(Iter::alloc), 0),
                        !v.startsWith("plain") && p.samples() > 0 ? String.format(Locale.ROOT, "%.0f%%",
                                p.routingShare() * 100) : "–", pct(r.stat(Iter::busy)), pct(r.stat(Iter::foreign))));
            }
        }
        out.append('\n');
        for (String[] sc : new String[][] {{"unary", "8"}, {"streaming", "8"}}) {
            Run r = side("grpc-" + sc[0], "mesh", Integer.parseInt(sc[1]));
            if (r == null) {
                continue;
            }
            Profiles.Profile p = Profiles.read(source(r));
            if (p.hot().isEmpty()) {
                continue;
            }
            out.append("Hottest routing-layer spots of the mesh channel, ").append(sc[0]).append(" c=").append(sc[1])
                    .append(":\n\n| spot | share of client samples |\n|---|---:|\n");
            p.hot().entrySet().stream().limit(10).forEach(en -> out.append("| `").append(en.getKey()).append("` | ")
                    .append(String.format(Locale.ROOT, "%.1f%%", 100.0 * en.getValue() / p.samples())).append(" |\n"));
            out.append('\n');
            out.append(knownCauses(p));
        }
        Path findings = results.resolve("findings-grpc.md");
        if (Files.exists(findings)) {
            try {
                out.append(Files.readString(findings)).append("\n");
            } catch (IOException ignored) {
                // optional
            }
        }
    }

    // ------------------------------------------------------------------ JMH cross-check

    private void jmhSection() {
        List<String[]> rows = new ArrayList<>();
        for (String[] b : new String[][] {{"HttpBenchmark.request", "variant", "HTTP (OkHttp)"},
                {"GrpcBenchmark.unary", "channel", "gRPC unary"}}) {
            for (int c : new int[] {1, 8, 32}) {
                Run plain = run(b[0], c, b[1], "plain");
                Run mesh = run(b[0], c, b[1], "mesh");
                if (plain == null || mesh == null) {
                    continue;
                }
                rows.add(new String[] {b[2], Integer.toString(c),
                        String.format(Locale.ROOT, "%,.0f ± %.1f%%", plain.throughput().mean(),
                                plain.throughput().spreadPercent()),
                        String.format(Locale.ROOT, "%,.0f ± %.1f%%", mesh.throughput().mean(),
                                mesh.throughput().spreadPercent()),
                        ratio(mesh, plain), num(plain.stat(Iter::alloc), 0), num(mesh.stat(Iter::alloc), 0)});
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        out.append("## JMH cross-check: plain vs mesh, one fork each (issues #5, #6)\n\n");
        out.append("""
                The opt-in JMH benchmarks `HttpBenchmark` and `GrpcBenchmark` measure the same callers as the
                side-by-side driver, but the JMH way: one fork per variant, one after the other (6 × 1 s warm-up,
                3 × 2 s measured, `-prof gc`): a second, independent measurement of the ratio. Forks run one after the
                other, so on a busy machine whichever fork meets the other builds loses; the side-by-side numbers
                above are the ones the goals are judged on.

                | | c | plain (ops/s) | mesh (ops/s) | mesh/plain | plain B/op | mesh B/op |
                |---|---:|---:|---:|---:|---:|---:|
                """);
        for (String[] r : rows) {
            out.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        out.append('\n');
    }

    // ------------------------------------------------------------------ route decision

    private void routeSection() {
        out.append("## Route decision (issue #4)\n\n");
        out.append("""
                What an adapter pays per call to decide: building the `RouteRequest` inside the timed code, as the
                adapters do (from the parts of the URL their HTTP client already parsed, with a header view over the
                client's own headers), and one `Mesh.route(request)`: host lookup, first-match routing, weighted destination, cluster, outlier
                filter and load-balancer pick (LEAST_REQUEST among the 3 endpoints of the chosen subset). Each of the N
                services has a ServiceEntry with 9 endpoints (3 per version), a DestinationRule with LEAST_REQUEST and 3
                subsets and a VirtualService with a header match
                (`end-user: jason` → v2) and an 80/20 weighted fallback. `headerMatchRoute` sends jason's request;
                `weightedRoute` falls through to the weighted route. `baselineHashLookup` is one `HashMap.get` of the host:
                the least any client-side router must do, run side by side as the baseline. Average time, `-prof gc`.

                | benchmark | services | ns/op | ± | B/op | × baseline |
                |---|---:|---:|---:|---:|---:|
                """);
        boolean any = false;
        double worstNs = 0;
        double worstB = 0;
        for (String b : List.of("headerMatchRoute", "weightedRoute", "baselineHashLookup")) {
            for (String n : List.of("1", "100", "10000")) {
                Run r = run("RouteDecisionBenchmark." + b, 1, "services", n);
                Run base = run("RouteDecisionBenchmark.baselineHashLookup", 1, "services", n);
                if (r == null) {
                    continue;
                }
                any = true;
                Stats s = r.throughput();
                if (!b.startsWith("baseline")) {
                    worstNs = Math.max(worstNs, s.mean());
                    worstB = Math.max(worstB, r.stat(Iter::alloc).mean());
                }
                out.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.0f | %s |%n", b,
                        Integer.parseInt(n), s.mean(), (s.max() - s.min()) / 2, r.stat(Iter::alloc).mean(),
                        base == null ? "–" : String.format(Locale.ROOT, "%.1f", s.mean() / base.throughput().mean())));
            }
        }
        out.append('\n');
        if (any) {
            boolean met = worstNs < 300 && worstB < 100;
            goal("route decision (1 / 100 / 10,000 services)", "< 300 ns/op, < 100 B/op",
                    String.format(Locale.ROOT, "≤ %.0f ns/op, ≤ %.0f B/op", worstNs, worstB), status(met),
                    met ? "hosts and every short-name alias are precomputed into one hash table per snapshot, so the "
                            + "cost does not grow with the mesh; the bytes are the RouteRequest, the "
                            + "RouteDecision and the balancer's pick context" : "see the route decision section");
            out.append("""
                    The cost does not grow with the number of services: hosts (with every short-name alias) are
                    precomputed into one hash table when the config is compiled, so a request does one lookup whatever
                    the mesh size. The bytes per decision are the `RouteRequest` and its header view, the
                    `RouteDecision` record and the `PickContext` handed to the load balancer; everything else a decision refers to already exists in the compiled snapshot.

                    """);
        } else {
            out.append("Not run in this run.\n\n");
        }
    }

    // ------------------------------------------------------------------ config at scale

    private static final List<Integer> SCALE_SIZES = List.of(10_000, 50_000);
    private static final Map<String, String> SCALE_NAMES = Map.of("file", "files", "xds", "xDS");
    private static final double FIRST_GOAL_MS = 2000;
    private static final double HEAP_GOAL_MB = 50;
    private static final double CHANGE_GOAL_MS = 100;
    /** Linear growth: 5× the services may cost at most this much more than 5× (time and heap). */
    private static final double LINEAR_SLACK = 1.2;

    /** One {@code ConfigScale} run's figures ({@code scale/SOURCE-N.properties}), or null when it did not finish. */
    private Properties scale(String source, int services) throws IOException {
        Path f = results.resolve("scale").resolve(source + "-" + services + ".properties");
        if (!Files.exists(f)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        return p;
    }

    private static double num(Properties p, String key) {
        String v = p == null ? null : p.getProperty(key);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    /** Retained heap per 10,000 services, MB. */
    private static double heapPer10k(Properties p) {
        return num(p, "heap_bytes") / 1048576.0 / (num(p, "services") / 10_000);
    }

    private void applySection() throws IOException {
        out.append("## Config at scale: 10,000 and 50,000 services by files and by xDS (issue #17)\n\n");
        out.append("""
                Each case runs `ConfigScale` in a fresh JVM (`-Xms2g -Xmx2g`), so the first config is a cold start. N
                services, each a ServiceEntry with three endpoints, a DestinationRule (LEAST_REQUEST) and a
                VirtualService with a header route and a default route with retries: N clusters, 3N endpoints.
                **files**: a directory of YAML files of 100 services each, `Mesh.builder().configPaths(dir).build()`
                (read, bind, validate, analyse, compile). **xDS**: the xDS source over delta xDS against an in-process
                java-control-plane server holding the same config as istiod sends a sidecar-shaped node (N EDS
                clusters, N endpoint assignments, the route configuration of port 9080 with a virtual host per
                service: connect, CDS, RDS, EDS, parse, assemble, compile).

                * **first config in force**: from building the `Mesh` to its first routed request.
                * **retained heap**: what the compiled snapshot in force alone keeps alive (after the changes, the
                  mesh and its source closed): used heap after full GCs while it is reachable minus the same once it
                  has been dropped, each taken when the heap stops falling (a closed xDS client lets go of its last
                  messages and buffers on its own threads, seconds later), per 10,000 services; beside it, used heap
                  with the mesh and its source alive minus the same before the mesh was built (adding the source's
                  own copy of what it received: the xDS client's messages, the file loader's parses).
                * **one-service change**: one endpoint of one service moves (files: the one file holding its
                  ServiceEntry is rewritten; xDS: a new snapshot where its endpoint assignment differs, sent by delta
                  xDS as that one resource); from the source taking the change up (files: the end of the debounce's
                  150 ms quiet period; xDS: the control plane sending its delta response, having hashed the new
                  snapshot's resources and found what changed, its own work) to the new snapshot in force.
                  Measured warm, as a JMH benchmark is: a running service applies thousands of changes in its life,
                  while the first change after start runs a path the first config never ran, interpreted until the
                  JIT has compiled it. So at 10,000 services 5 warm-up changes are applied and checked but not
                  counted, then 5 are measured and their median kept (at 50,000, which has no goal of its own and
                  shows the growth, the 5 are measured without warm-up); the very first change after start is shown
                  beside them ("first"). An unchanged cluster, and routes whose routes and clusters are unchanged,
                  carry over from the snapshot in force (incremental compile, see [architecture](architecture.md)).
                * **route change**: then the same service's default route gets a new timeout (files: its file is
                  rewritten; xDS: the route configuration of port 9080, every service's virtual host, is sent again,
                  as istiod sends it), with warm-ups of its own and timed the same way ("first": the first route
                  change, the first run of its path).

                | source | services | first config in force | JIT during it | retained heap: snapshot | per 10,000 | with mesh and source | one-service change | route change | config size |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---|
                """);
        Map<String, Properties> runs = new LinkedHashMap<>();
        for (String source : List.of("file", "xds")) {
            for (int n : SCALE_SIZES) {
                Properties p = scale(source, n);
                runs.put(source + "-" + n, p);
                if (p == null) {
                    out.append(String.format(Locale.ROOT, "| %s | %,d | **failed** (see `logs/scale-%s-%d.log`) | | | | | | | |%n",
                            SCALE_NAMES.get(source), n, source, n));
                    continue;
                }
                String size = source.equals("file")
                        ? String.format(Locale.ROOT, "YAML %.1f MB in %s files", num(p, "yaml_bytes") / 1e6,
                                p.getProperty("files"))
                        : String.format(Locale.ROOT, "CDS %.1f MB, EDS %.1f MB, RDS %.1f MB", num(p, "cds_bytes") / 1e6,
                                num(p, "eds_bytes") / 1e6, num(p, "rds_bytes") / 1e6);
                out.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f ms | %,.0f ms, %,.0f classes | %.0f MB | %.0f MB | %.0f MB | %s | %s | %s |%n",
                        SCALE_NAMES.get(source), n, num(p, "first_ms"), num(p, "jit_ms"), num(p, "classes_loaded"),
                        num(p, "heap_bytes") / 1048576.0, heapPer10k(p), num(p, "heap_mesh_bytes") / 1048576.0,
                        changeCell(p, "change"), changeCell(p, "route_change"), size));
            }
        }
        out.append('\n');
        for (String source : List.of("file", "xds")) {
            scaleGoals(source, runs.get(source + "-10000"), runs.get(source + "-50000"));
        }
        for (String source : List.of("file", "xds")) {
            for (String kind : List.of("change", "route")) {
                Map<String, Double> p = changeProfile(source, kind, 12);
                if (p.isEmpty()) {
                    continue;
                }
                out.append("Where a one-service ").append(kind.equals("change") ? "change (an endpoint moves)"
                                : "route change").append(" at 10,000 services spends its time, ")
                        .append(SCALE_NAMES.get(source)).append(" (JFR of 5 warm changes made after the measured ones, share of samples in mesh code "
                                + "that have the method on the stack):\n\n")
                        .append("| method | share |\n|---|---:|\n");
                p.forEach((m, v) -> out.append("| `").append(m).append("` | ")
                        .append(String.format(Locale.ROOT, "%.0f%%", v * 100)).append(" |\n"));
                out.append('\n');
            }
        }
        for (String source : List.of("file", "xds")) {
            String histogram = histogramTop(source + "-10000", 8);
            if (!histogram.isEmpty()) {
                out.append("Largest classes of the live heap with the snapshot of 10,000 services alone alive, ")
                        .append(SCALE_NAMES.get(source)).append(" (`GC.class_histogram`, the whole JVM, the control "
                                + "plane's snapshot included for xDS):\n\n")
                        .append("| class | instances | MB |\n|---|---:|---:|\n").append(histogram).append('\n');
            }
        }
    }

    /**
     * A one-service change's cell of the scale table: the median of the measured changes, each of them, the warm-ups
     * before them and the very first change after start.
     */
    private static String changeCell(Properties p, String key) {
        if (p.getProperty(key + "_ms") == null) {
            return "–";
        }
        String warmups = p.getProperty(key + "_warmups", "0");
        return p.getProperty(key + "_ms") + " ms (measured: " + p.getProperty(key + "_all_ms")
                + (warmups.equals("0") ? ", no warm-up" : ", after " + warmups + " warm-ups")
                + (p.getProperty(key + "_first_ms") == null ? "" : "; first " + p.getProperty(key + "_first_ms")
                        + " ms") + ")";
    }

    private void scaleGoals(String source, Properties at10k, Properties at50k) throws IOException {
        String name = SCALE_NAMES.get(source);
        String log = "see `logs/scale-" + source + "-10000.log`";
        if (at10k == null) {
            goal("10,000 services by " + name + ": first config in force (fresh JVM)", "≤ 2 s", "failed",
                    "**missed**", log);
            return;
        }
        double first = num(at10k, "first_ms");
        String firstWhy = String.format(Locale.ROOT, "in a fresh JVM the JIT compiler threads worked %,.0f ms beside "
                + "the apply (2 cores) and %,.0f classes were loaded", num(at10k, "jit_ms"), num(at10k, "classes_loaded"));
        goal("10,000 services by " + name + ": first config in force (fresh JVM)", "≤ 2 s",
                String.format(Locale.ROOT, "%,.0f ms", first), first <= FIRST_GOAL_MS ? "**met**" : "**missed**",
                firstWhy);
        double heap = heapPer10k(at10k);
        String heapWhy = String.format(Locale.ROOT, "the compiled snapshot of 10,000 services alone keeps %.0f MB "
                + "(with the mesh and its source alive %.0f MB)", heap, num(at10k, "heap_mesh_bytes") / 1048576.0);
        String top = histogramTop(source + "-10000", 4).lines().map(l -> l.split("\\|"))
                .filter(c -> c.length > 3).map(c -> c[1].trim() + " " + c[3].trim() + " MB")
                .reduce((a, b) -> a + ", " + b).orElse("");
        if (!top.isEmpty()) {
            heapWhy += "; largest classes of the live heap: " + top;
        }
        if (at50k != null) {
            heapWhy += String.format(Locale.ROOT, "; at 50,000 services %.0f MB per 10,000", heapPer10k(at50k));
        }
        goal("retained heap per 10,000 services, " + name, "≤ 50 MB", String.format(Locale.ROOT, "%.0f MB", heap),
                heap <= HEAP_GOAL_MB ? "**met**" : "**missed**", heapWhy);
        if (at50k != null) {
            double timeGrowth = num(at50k, "first_ms") / first;
            double heapGrowth = num(at50k, "heap_bytes") / num(at10k, "heap_bytes");
            boolean linear = timeGrowth <= 5 * LINEAR_SLACK && heapGrowth <= 5 * LINEAR_SLACK;
            goal("growth 10,000 → 50,000 services, " + name, String.format(Locale.ROOT, "linear (≤ %.0f× for 5× "
                    + "the services)", 5 * LINEAR_SLACK), String.format(Locale.ROOT, "first config %.1f×, heap %.1f×",
                    timeGrowth, heapGrowth), linear ? "**met**" : "**missed**", String.format(Locale.ROOT,
                    "first config in force %,.0f ms at 50,000 services", num(at50k, "first_ms")));
        } else {
            goal("growth 10,000 → 50,000 services, " + name, "linear", "failed", "**missed**",
                    "see `logs/scale-" + source + "-50000.log`");
        }
        String changeWhy = warmed(at10k, "change") + "from the source taking the change up to the new snapshot in force";
        String routeWhy = warmed(at10k, "route_change") + "timed the same way";
        if (source.equals("file")) {
            changeWhy += String.format(Locale.ROOT, " (after the 150 ms quiet period; %s ms from the file write)",
                    at10k.getProperty("change_end_to_end_ms"));
        }
        changeGoal(source, name + " (an endpoint moves)", "change", num(at10k, "change_ms"),
                changeWhy + threadCpu(source, at10k, "change_cpu_ms") + firstChange(at10k, "change",
                        "the first change after start"));
        changeGoal(source, name + " (a route's timeout)", "route", num(at10k, "route_change_ms"),
                routeWhy + threadCpu(source, at10k, "route_change_cpu_ms") + firstChange(at10k, "route_change",
                        "the first route change after start"));
    }

    /** How the changes were measured: the median of 5 after the warm-ups, which were applied and not counted. */
    private static String warmed(Properties p, String key) {
        String warmups = p.getProperty(key + "_warmups");
        return warmups == null ? "" : "median of 5 changes after " + warmups + " warm-up changes, ";
    }

    /**
     * The very first change of its kind after start, cold, as a clause: the goal is about the change path of a
     * running service, which the JIT has compiled, but the cold figure is not left out.
     */
    private static String firstChange(Properties p, String key, String first) {
        String cold = p.getProperty(key + "_first_ms");
        if (cold == null) {
            return "";
        }
        return String.format(Locale.ROOT, "; %s, before the JIT compiled its path: %s ms (the source's thread's CPU "
                + "%s ms)", first, cold, p.getProperty(key + "_first_cpu_ms"));
    }

    /** The CPU time of the source's thread per change (reload thread, xDS thread), where measured, as a clause. */
    private static String threadCpu(String source, Properties p, String key) {
        String cpu = p.getProperty(key);
        if (cpu == null) {
            return "";
        }
        String each = p.getProperty(key.replace("_ms", "_all_ms"));
        String allocated = p.getProperty(key.replace("_cpu_ms", "_alloc_mb"));
        return "; CPU time of the source's thread per change " + cpu + " ms" + (each == null ? "" : " (each: " + each
                + ")") + (allocated == null ? "" : ", " + allocated + " MB allocated by it") + (source.equals("xds")
                ? "; the wall time adds the control plane sending the response, gRPC's threads receiving it (the source's"
                        + " thread decodes it) and waiting for one of the shared cores"
                : "; the wall time adds the other threads (the JIT's, the GC's) taking turns with it on the two cores");
    }

    private void changeGoal(String source, String name, String kind, double millis, String why) {
        if (millis > CHANGE_GOAL_MS) {
            Map<String, Double> p = changeProfile(source, kind, 6);
            if (!p.isEmpty()) {
                why += "; JFR of 5 warm changes like them: " + p.entrySet().stream().map(e -> String.format(Locale.ROOT,
                        "`%s` %.0f%%", e.getKey(), e.getValue() * 100)).reduce((a, b) -> a + ", " + b).orElse("");
            }
        }
        goal("one-service change at 10,000 services, " + name, "≤ 100 ms", Double.isNaN(millis) ? "failed"
                : String.format(Locale.ROOT, "%,.0f ms", millis), millis <= CHANGE_GOAL_MS ? "**met**" : "**missed**",
                why);
    }

    /** The change profile's informative methods: no lambdas and no entry points nearly every sample passes. */
    private Map<String, Double> changeProfile(String source, String kind, int limit) {
        Map<String, Double> out = new LinkedHashMap<>();
        Profiles.inclusive(results.resolve("jfr"), "scale-" + source + "-10000-" + kind, 60).forEach((m, v) -> {
            if (out.size() < limit && v < 0.9 && !m.contains("lambda$") && !m.contains("$$Lambda")) {
                out.put(m, v);
            }
        });
        return out;
    }

    /** The largest classes of a case's live-heap histogram, as table rows. */
    private String histogramTop(String run, int rows) throws IOException {
        Path f = results.resolve("scale").resolve(run + ".histo");
        if (!Files.exists(f)) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        int n = 0;
        for (String line : Files.readAllLines(f)) {
            String[] c = line.trim().split("\\s+");
            if (c.length < 4 || !c[0].endsWith(":")) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "| `%s` | %,d | %.1f |%n", c[3], Long.parseLong(c[1]),
                    Long.parseLong(c[2]) / 1048576.0));
            if (++n == rows) {
                break;
            }
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ mirroring

    private static final String[] MIRROR = {"mirror-none", "mirror-healthy", "mirror-dead"};

    private void mirrorSection() throws IOException {
        out.append("## Mirroring: primary latency with no mirror, a healthy mirror, a dead mirror (issues #5, #9)\n\n");
        out.append("""
                The mesh HTTP variant (same routes) with the default route mirroring 100% of requests to service
                `echo-mirror`: **healthy** — another port of the backend, which answers every copy; **dead** — a port
                where nothing listens (a copy's connection is refused; the engine then backs the endpoint off and drops
                its copies, one probe per backoff). The copies go out through the interceptor's bounded mirror sender
                (8 threads of its own, queue 64, its own connection pool; a copy that does not fit is dropped and
                counted). Only the primary requests are timed.

                """);
        Map<String, String> stats = mirrorStats();
        if (!stats.isEmpty()) {
            out.append("Mirror sender counters over the whole mirror run: ");
            out.append(String.join("; ", stats.entrySet().stream().map(e -> HTTP_NAMES.get(e.getKey()) + " "
                    + e.getValue()).toList())).append(".\n\n");
        }
        boolean any = false;
        for (int threads : new int[] {1, 8}) {
            Run none = side("mirror", "mirror-none", threads);
            if (none == null) {
                continue;
            }
            any = true;
            out.append("### Concurrency ").append(threads).append("\n\n");
            latencyTable(List.of(MIRROR), v -> side("mirror", v, threads), HTTP_NAMES, true);
            note(exclusionNote("mirror", threads));
            out.append('\n');
            String svg = "mirror-c" + threads + ".svg";
            plot(svg, "Mirroring, concurrency " + threads + ": primary latency CDF", List.of(MIRROR),
                    v -> side("mirror", v, threads), HTTP_NAMES);
            out.append("![Mirroring latency CDF, concurrency ").append(threads).append("](benchmarks/").append(svg)
                    .append(")\n\n");
            out.append("| | p99 change vs no mirror | p50 change | throughput change | client CPU µs/request | "
                    + "backend CPU µs/request | machine busy |\n|---|---:|---:|---:|---:|---:|---:|\n");
            for (String v : MIRROR) {
                Run r = side("mirror", v, threads);
                if (r == null) {
                    continue;
                }
                Ratio p99 = Ratio.of(r, none, i -> i.p(0.99), forks);
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n",
                        HTTP_NAMES.get(v), p99.change(), Ratio.of(r, none, i -> i.p(0.5), forks).change(),
                        throughputRatio(r, none).change(),
                        num(r.stat(i -> i.perOp(1) + i.perOp(2)), 0), num(r.stat(i -> i.perOp(3)), 0),
                        pct(r.stat(Iter::busy))));
                if (v.equals("mirror-dead")) {
                    String st = verdict(p99, 1.10, false);
                    goal("mirror: primary p99, dead mirror (c=" + threads + ")", "change ≤ +10%", p99.change(), st,
                            mirrorWhy(v, r, none, st.equals("**met**")));
                } else if (v.equals("mirror-healthy")) {
                    String st = verdict(p99, 1.05, false);
                    goal("mirror: primary p99, healthy mirror (c=" + threads + ")", "change < 5%", p99.change(), st,
                            mirrorWhy(v, r, none, st.equals("**met**")));
                    // the client's own CPU per copy (100% mirrored: one copy per primary request), paired per round
                    Ratio copy = Ratio.paired(r, none, (i, b) -> i.perOp(1) + i.perOp(2) - b.perOp(1) - b.perOp(2),
                            forks);
                    double target = threads == 1 ? 20 : 17.5;
                    goal("mirror: client CPU per copy, healthy mirror (c=" + threads + ")",
                            String.format(Locale.ROOT, "≤ %.1f µs (half of commit 2b53cf4's)", target),
                            copy.present() ? String.format(Locale.ROOT, "%.0f µs (IQR %.0f–%.0f%s)", copy.median(),
                                    copy.q1(), copy.q3(), copy.forkMedians(m -> String.format(Locale.ROOT, "%.0f µs",
                                            m))) : "—",
                            !copy.present() ? "not run" : status(copy.median() <= target),
                            String.format(Locale.ROOT, "the backend serving the copies spends %+.0f µs per primary "
                                    + "request (real work, reported apart)", r.stat(i -> i.perOp(3)).median()
                                    - none.stat(i -> i.perOp(3)).median()));
                }
            }
            out.append('\n');
        }
        if (!any) {
            out.append("Not run in this run.\n\n");
            goal("mirror: primary p99 change", "< 5%", "—", "not run", "see the run's logs");
            return;
        }
        Path findings = results.resolve("findings-mirror.md");
        if (Files.exists(findings)) {
            out.append(Files.readString(findings)).append("\n");
        }
    }

    private String mirrorWhy(String variant, Run r, Run none, boolean met) {
        Map<String, Double> threads = Profiles.threads(source(r));
        double mirrorThreads = threads.entrySet().stream().filter(e -> e.getKey().contains("mirror")
                || e.getKey().contains("TaskRunner")).mapToDouble(Map.Entry::getValue).sum();
        String jfr = threads.isEmpty() ? "" : String.format(Locale.ROOT, "; JFR: %.0f%% of the client's Java samples "
                + "are on the mirror sender's threads and OkHttp's connect threads (TaskRunner)", mirrorThreads * 100);
        return mirrorWhyText(variant, r, none, met) + jfr;
    }

    private String mirrorWhyText(String variant, Run r, Run none, boolean met) {
        double clientDelta = r.stat(i -> i.perOp(1) + i.perOp(2)).mean() - none.stat(i -> i.perOp(1) + i.perOp(2)).mean();
        double backendDelta = r.stat(i -> i.perOp(3)).mean() - none.stat(i -> i.perOp(3)).mean();
        String s = String.format(Locale.ROOT, "per primary request the client spends %+.0f µs CPU and the backend %+.0f "
                + "µs on the copies", clientDelta, backendDelta);
        if (met) {
            return s + "; the copies run on the sender's own threads and connections, off the primary's path";
        }
        double busy = r.stat(Iter::busy).mean();
        if (busy < 0.9) {
            return s + String.format(Locale.ROOT, "; the machine was %.0f%% busy: the copies' work (sender threads, "
                    + "their connections%s) runs beside the primary on the same 2 cores and delays it when they meet",
                    busy * 100, variant.equals("mirror-healthy") ? ", the mirror service answering them"
                            : "; a refused endpoint is backed off, so only a probe per backoff connects");
        }
        if (variant.equals("mirror-healthy")) {
            s += String.format(Locale.ROOT, "; every request is served twice on the same 2 cores (%.0f%% busy), so the "
                    + "primaries queue behind the copies for CPU — the sender never blocks the primary, but the "
                    + "machine has no spare core; a sidecar's mirror costs the same backend work", busy * 100);
        } else {
            s += String.format(Locale.ROOT, "; the engine backs a mirror endpoint that refused a copy or timed out "
                    + "off (1 s doubling to 30 s on the mesh clock, one probe copy after each), dropping its copies "
                    + "before any request copy or connect attempt, so what is left is deciding and counting the drop; "
                    + "the 2 cores were %.0f%% busy", busy * 100);
        }
        return s;
    }

    /**
     * The gRPC streaming callers' streams per backend port, per variant, as the driver wrote them, summed over the
     * forks; none if absent.
     */
    private Map<String, String> streamPlacement() {
        Map<String, String> placement = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^([a-z-]+)\tstreams per port ([0-9/]+)$");
        for (String l : statsLines("side-grpc-streaming")) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                placement.merge(m.group(1), m.group(2), Report::sumCounts);
            }
        }
        return placement;
    }

    /** "3/5/0/0" plus "1/1/2/4" is "4/6/2/4"; counts of different shapes are kept side by side. */
    static String sumCounts(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        if (x.length != y.length) {
            return a + ", " + b;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            sb.append(i == 0 ? "" : "/").append(Long.parseLong(x[i]) + Long.parseLong(y[i]));
        }
        return sb.toString();
    }

    private static String placementText(Map<String, String> placement) {
        StringBuilder sb = new StringBuilder();
        for (String v : GRPC) {
            if (placement.containsKey(v)) {
                sb.append(sb.length() == 0 ? "" : "; ").append(GRPC_NAMES.get(v)).append(' ').append(placement.get(v));
            }
        }
        return sb.toString();
    }

    /** The mirror sender's counters per mirror variant at the end of the driver's run, summed over the forks. */
    private Map<String, String> mirrorStats() {
        Map<String, String> stats = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^(mirror-[a-z]+)\tMirrorStats\\[(.*)]$");
        for (String l : statsLines("side-mirror")) {
            Matcher m = line.matcher(l);
            if (m.matches() && !m.group(1).equals("mirror-none")) {
                stats.merge(m.group(1), m.group(2), Report::sumCounters);
            }
        }
        return stats;
    }

    /** "queued=3, dropped=1" plus "queued=2, dropped=0" is "queued=5, dropped=1"; others are kept side by side. */
    static String sumCounters(String a, String b) {
        String[] x = a.split(", ");
        String[] y = b.split(", ");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            String[] kx = x[i].split("=", 2);
            String[] ky = i < y.length ? y[i].split("=", 2) : new String[0];
            if (x.length != y.length || kx.length != 2 || ky.length != 2 || !kx[0].equals(ky[0])
                    || !kx[1].matches("\\d+") || !ky[1].matches("\\d+")) {
                return a + "; " + b;
            }
            sb.append(i == 0 ? "" : ", ").append(kx[0]).append('=')
                    .append(Long.parseLong(kx[1]) + Long.parseLong(ky[1]));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ method

    private void methodSection() {
        out.append("## How it is measured\n\n");
        out.append("""
                * **Side by side** (HTTP, gRPC, mirroring): `SideBySide` sets up every variant of a scenario in one JVM
                  (`-Xms512m -Xmx512m`), warms them up together, then measures short closed-loop slices, the variants
                  taking turns in an order that rotates, %s (a round is one slice of every
                  variant; at concurrency 1, where a slice holds the fewest requests, slices are longer). A round
                  measures each variant's slice in %s parts, the variants' order reversed from part to part (A B C,
                  C B A, …), and sums the parts: the machine's speed wanders over seconds on 2 shared cores, and
                  variants that take turns closely meet the same conditions, so a drift within the round cancels in
                  its ratios. Between parts it pauses briefly (longer in the mirror scenario, so mirror copies
                  drain). The JIT warm-up of the shared OkHttp/gRPC/Netty code is paid once per JVM, and noise from
                  other processes is spread over all variants. Allocation per request: bytes allocated by all threads of the
                  JVM during the slice (`ThreadMXBean`), divided by the requests.
                %s
                * **Ratios and the spread rule**: a ratio (mesh/plain, metrics on/off, a p99 change) is taken per round,
                  between slices that ran back to back in the same JVM, and reported as the median of the rounds'
                  ratios with ± half their interquartile range, in percent of the median%s A ratio decides its goal
                  only when at least five rounds remain and its ± is at most %.0f%%: then the goal is met or missed by
                  the median; otherwise the goal is **not decided** in this run and the page says so, whatever the
                  median.
                * **JMH** (route decision and the plain-vs-mesh cross-check): one fork per benchmark and
                  parameter set, `-prof gc`. Reported: mean ± half the range of the measured iterations.
                * **Latency**: every request's time from `execute()` to the last byte of the body (gRPC: the whole call, or
                  one message round trip), recorded raw per thread; p50/p99 are computed per iteration, the plots merge
                  all measured iterations.
                * **CPU**: `/proc/<pid>/stat` user and system time of the client JVM, the backend JVM and HAProxy, and
                  `/proc/stat` for the whole machine, per measured slice or iteration; "other processes" is the machine's busy time
                  not accounted to those three (other builds: noise).
                * **Profile**: JFR execution samples (every 2 ms, nothing else recorded) of the client JVM; a variant's
                  samples are those taken during its measured slices — the same small overhead for every variant.
                * **Plots**: latency CDFs of all measured slices pooled, x on a log scale, y = the fraction of requests at
                  or below the latency on a scale that gives 0.9, 0.99, 0.999 and 0.9999 equal room (the tail is where
                  the variants differ); the dots mark p50 and p99.
                * **Closed loop on 2 cores**: client, backend and (for c) HAProxy share the two cores, as an application,
                  its sidecar and a co-located service would. At concurrency 8 and 32 the machine is saturated, so
                  throughput is set by the CPU every request costs in all processes together; at concurrency 1 it is set
                  by latency.
                """.formatted(meta.getProperty("rounds", "3") + " rounds per concurrency"
                        + (forks > 1 ? " in each fork" : ""), meta.getProperty("parts", "1"), forksMethod(),
                forks > 1 ? String.format(Locale.ROOT, ". The rounds of the %d forks are pooled (each round paired "
                        + "within its own JVM), so the ± covers rounds from %d JVMs: the spread between JVMs is part "
                        + "of it, not only the spread between the rounds of one JVM. Beside each ratio the median of "
                        + "each fork's own rounds is printed (\"forks: 0.91× / 0.95×\"): the between-JVM spread at a "
                        + "glance.", forks, forks)
                        : "; all rounds of a scenario ran in one JVM, so the ± does not cover the spread between "
                        + "JVMs.", SPREAD_LIMIT));
        out.append("* **Times**: ").append(meta.getProperty("timing", "see bench/run.sh")).append("\n\n");
    }

    /** The method's bullet on forks, or, for a run of one JVM per scenario, a line saying so. */
    private String forksMethod() {
        if (forks < 2) {
            return "* **One JVM per scenario**: every round of a scenario ran in the same JVM.";
        }
        return String.format(Locale.ROOT, """
                * **Forks**: like JMH's forks, each side-by-side scenario runs in %d JVMs started one after the other,
                  each with new connections to the backend, its own warm-up and %s rounds per concurrency. What a JVM
                  settles on — which code its JIT compiles and how, where its connections and threads land — holds for
                  all of its rounds, so the rounds of one JVM agree with each other more than with another JVM's: with
                  one JVM per scenario, consecutive runs differed by 6–8 points on ratios whose ± was 3–5 %%. A fork
                  that failed or timed out leaves its rounds out, and the page says so under the scenario's table.
                  Rounds in which other processes took more than %.0f%% of the CPU are left out per fork, where at
                  least three rounds of that fork remain.""", forks, meta.getProperty("rounds", "?"),
                NOISE_LIMIT * 100).strip();
    }

    // ------------------------------------------------------------------ table and plot helpers

    private void latencyTable(List<String> variants, Function<String, Run> runOf, Map<String, String> names,
                              boolean http) {
        out.append("| variant | throughput (").append(http ? "req/s" : "calls/s").append(") | ± | client CPU µs/")
                .append(http ? "request" : "call").append(" | all processes CPU µs/").append(http ? "request" : "call")
                .append(" | p50 (µs) | ± | p99 (µs) | ± | rounds |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String v : variants) {
            Run r = runOf.apply(v);
            if (r == null && CONTROLS.contains(v)) {
                continue;
            }
            if (r == null) {
                String status = v.equals("haproxy") ? meta.getProperty("haproxy.status", "not run") : "not run";
                out.append("| ").append(names.get(v)).append(" | ").append(status.equals("ok") ? "not run" : status)
                        .append(" | | | | | | | | |\n");
                continue;
            }
            Stats t = r.throughput();
            Stats p50 = r.stat(i -> i.p(0.5));
            Stats p99 = r.stat(i -> i.p(0.99));
            long errors = r.iters.stream().mapToLong(Iter::errors).sum();
            out.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f%% | %s | %s | %,.0f | %.1f%% | %,.0f | %.1f%% | %d%s |%n",
                    names.get(v), t.median(), t.iqrPercent(), num(r.stat(i -> i.perOp(1) + i.perOp(2)), 0),
                    num(totalCpu(r), 0), p50.median(), p50.iqrPercent(), p99.median(), p99.iqrPercent(), t.n(),
                    errors > 0 ? " (" + errors + " failed calls)" : ""));
        }
    }

    private void plot(String file, String title, List<String> variants, Function<String, Run> runOf,
                      Map<String, String> names) {
        List<Cdf.Series> series = new ArrayList<>();
        for (String v : variants) {
            Run r = runOf.apply(v);
            if (r != null) {
                series.add(new Cdf.Series(names.get(v), r.allLatencies()));
            }
        }
        try {
            Files.writeString(svgDir.resolve(file), Cdf.svg(title, series));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The spread above which a ratio decides no goal: ± (half the interquartile range) in % of the median. */
    static final double SPREAD_LIMIT = 10;

    /**
     * Ratios of x over base taken per round and summarised by their median and quartiles. Side by side, the two
     * slices of one round ran back to back, so whatever the machine was doing then falls on both and cancels in their
     * ratio; JMH iterations are paired by their number. Rounds are paired within their fork (a round's label names
     * its fork), and the rounds of all forks are pooled for the median and quartiles, so the spread covers what
     * differs from JVM to JVM as well as from round to round; {@code forks} holds each fork's own median (NaN for a
     * fork that left no rounds), for the reader to see the between-JVM spread.
     */
    record Ratio(double median, double q1, double q3, int n, List<Double> forks) {
        static final Ratio NONE = new Ratio(Double.NaN, Double.NaN, Double.NaN, 0, List.of());

        static Ratio of(Run x, Run base, ToDoubleFunction<Iter> f, int forks) {
            return paired(x, base, (i, b) -> f.applyAsDouble(i) / f.applyAsDouble(b), forks);
        }

        /**
         * A per-round figure of x against base (a ratio, a difference), over the rounds both have, pooled over the
         * forks, with each of {@code forks} forks' median beside it.
         */
        static Ratio paired(Run x, Run base, java.util.function.ToDoubleBiFunction<Iter, Iter> g, int forks) {
            if (x == null || base == null) {
                return NONE;
            }
            Map<String, Iter> byRound = new LinkedHashMap<>();
            base.iters.forEach(i -> byRound.put(i.round() + "/" + i.index(), i));
            List<Double> values = new ArrayList<>();
            Map<String, List<Double>> byFork = new LinkedHashMap<>();
            for (Iter i : x.iters) {
                Iter b = byRound.get(i.round() + "/" + i.index());
                if (b != null) {
                    double r = g.applyAsDouble(i, b);
                    if (!Double.isNaN(r) && !Double.isInfinite(r)) {
                        values.add(r);
                        byFork.computeIfAbsent(i.fork(), k -> new ArrayList<>()).add(r);
                    }
                }
            }
            if (values.isEmpty()) {
                return NONE;
            }
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            List<Double> medians = new ArrayList<>();
            int shown = Math.max(forks, byFork.keySet().stream().mapToInt(Integer::parseInt).max().orElse(1));
            for (int fork = 1; fork <= shown; fork++) {
                List<Double> own = byFork.get(Integer.toString(fork));
                medians.add(own == null ? Double.NaN : Stats.of(own).median());
            }
            return new Ratio(Stats.quantile(v, 0.5), Stats.quantile(v, 0.25), Stats.quantile(v, 0.75), v.length,
                    List.copyOf(medians));
        }

        /** Half the interquartile range in % of the median. */
        double spreadPercent() {
            return (q3 - q1) / 2 / Math.abs(median) * 100;
        }

        boolean present() {
            return n > 0;
        }

        /** Enough rounds and a spread within {@link #SPREAD_LIMIT}: the ratio can decide a goal. */
        boolean decisive() {
            return n >= 5 && spreadPercent() <= SPREAD_LIMIT;
        }

        @Override
        public String toString() {
            return present() ? String.format(Locale.ROOT, "%.2f× (±%s%%%s)", median, percent(spreadPercent()),
                    forkMedians(m -> String.format(Locale.ROOT, "%.2f×", m))) : "—";
        }

        /** A spread in percent: whole numbers, but one decimal near the limit, where rounding would hide the verdict. */
        static String percent(double p) {
            return String.format(Locale.ROOT, Math.abs(p - SPREAD_LIMIT) < 0.5 ? "%.1f" : "%.0f", p);
        }

        /**
         * The change in percent with the ratio's spread, as the spread rule judges it ({@code +12.0% (±3%)}: ± is
         * relative to the ratio, like every other ± on the page), for latencies.
         */
        String change() {
            return present() ? String.format(Locale.ROOT, "%+.1f%% (±%s%%%s)", (median - 1) * 100,
                    percent(spreadPercent()), forkMedians(m -> String.format(Locale.ROOT, "%+.1f%%", (m - 1) * 100)))
                    : "—";
        }

        /** "; forks: 0.91× / 0.95×" when the rounds came from more than one fork ("—" for a fork without rounds). */
        String forkMedians(java.util.function.DoubleFunction<String> format) {
            if (forks.size() < 2) {
                return "";
            }
            return "; forks: " + String.join(" / ", forks.stream().map(m -> m.isNaN() ? "—" : format.apply(m))
                    .toList());
        }
    }

    private Ratio throughputRatio(Run x, Run base) {
        return Ratio.of(x, base, Iter::score, forks);
    }

    private String ratio(Run x, Run base) {
        return throughputRatio(x, base).toString();
    }

    private String pRatio(Run x, Run base, double q) {
        return Ratio.of(x, base, i -> i.p(q), forks).toString();
    }

    /** Client CPU per request (user + kernel, from /proc), x over base per round. */
    private String cpuRatio(Run x, Run base) {
        return Ratio.of(x, base, i -> i.perOp(1) + i.perOp(2), forks).toString();
    }

    private static String status(boolean met) {
        return met ? "**met**" : "**missed**";
    }

    /** Met or missed by the median ratio, or not decided when the ratio's spread is above the limit. */
    private String verdict(Run x, Run base, double target) {
        return verdict(throughputRatio(x, base), target, true);
    }

    private static String verdict(Ratio r, double target, boolean atLeast) {
        if (!r.present()) {
            return "not run";
        }
        if (!r.decisive()) {
            return r.spreadPercent() <= SPREAD_LIMIT
                    ? String.format(Locale.ROOT, "**not decided** (%d rounds < 5)", r.n())
                    : String.format(Locale.ROOT, "**not decided** (± %s%% > %.0f%%)", Ratio.percent(r.spreadPercent()),
                            SPREAD_LIMIT);
        }
        boolean met = atLeast ? r.median() >= target : r.median() <= target;
        if (!met && String.format(Locale.ROOT, "%.2f", r.median()).equals(String.format(Locale.ROOT, "%.2f", target))) {
            // Printed to two places the median would read as the target it misses.
            return String.format(Locale.ROOT, "**missed** (%.3f %s %.2f)", r.median(), atLeast ? "<" : ">", target);
        }
        return status(met);
    }

    private static String num(Stats s, int decimals) {
        if (!s.present()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", s.mean());
    }

    private static String pct(Stats s) {
        return s.present() ? String.format(Locale.ROOT, "%.0f%%", s.mean() * 100) : "–";
    }

    private void note(String text) {
        if (!text.isEmpty()) {
            out.append('\n').append(text).append('\n');
        }
    }

    private void row(String k, String v) {
        out.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String micros(long nanos) {
        double us = nanos / 1000.0;
        return us >= 10_000 ? String.format(Locale.ROOT, "%,.1f ms", us / 1000)
                : String.format(Locale.ROOT, "%,.0f µs", us);
    }

    private static String version(String group, String artifact) {
        String res = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Report.class.getClassLoader().getResourceAsStream(res)) {
            if (in == null) {
                return "?";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String constant(String cls, String field) {
        try {
            return String.valueOf(Class.forName(cls).getField(field).get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "?";
        }
    }

    private static String nettyVersion() {
        try {
            Class<?> v = Class.forName("io.grpc.netty.shaded.io.netty.util.Version");
            Map<?, ?> all = (Map<?, ?>) v.getMethod("identify").invoke(null);
            Object common = all.get("netty-common");
            if (common != null) {
                return String.valueOf(v.getMethod("artifactVersion").invoke(common)) + " (shaded in grpc-netty-shaded)";
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // fall through
        }
        return "shaded in grpc-netty-shaded";
    }
}
