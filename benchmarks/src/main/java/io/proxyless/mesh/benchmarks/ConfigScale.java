package io.proxyless.mesh.benchmarks;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.RouteAction;
import io.proxyless.mesh.runtime.source.file.FileConfigSource;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.xds.XdsBootstrap;
import io.proxyless.mesh.xds.XdsConfigSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.ObjectName;
import jdk.jfr.Recording;

/**
 * Issue #17's scale figures for one source and one size, measured in the fresh JVM this runs in ({@code bench/run.sh}
 * starts one per case, so "first config" is a cold start):
 *
 * <pre>
 * java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar io.proxyless.mesh.benchmarks.ConfigScale \
 *      file|xds SERVICES RESULT_FILE [HISTOGRAM_FILE]
 * </pre>
 *
 * <ol>
 *   <li><b>first config in force</b>: from building the {@code Mesh} to its first routed request, in a JVM that has
 *       routed nothing before (file: read, bind, validate, compile; xDS: connect, CDS, RDS, EDS, parse, assemble,
 *       compile);</li>
 *   <li><b>retained heap</b>: what the compiled snapshot alone keeps alive (after the changes; the mesh and its
 *       source closed): used heap after full GCs while it is reachable, minus the same once it has been dropped,
 *       so that nothing else the JVM happens to hold at that point (the control plane's state after five versions,
 *       the xDS client's buffers) is counted; with {@code HISTOGRAM_FILE}, the live-object class histogram while
 *       it is reachable. {@code heap_delta_bytes} is the used heap then minus the used heap before the mesh was
 *       built, and {@code heap_mesh_bytes} the same with the mesh and its source still alive;</li>
 *   <li><b>one-service change</b>: one of one service's endpoints moves (files: the one file holding its
 *       ServiceEntry is rewritten; xDS: a new snapshot where its endpoint assignment differs); measured from the
 *       source taking the change up (files: the debounce's timer firing after its quiet period; xDS: the control
 *       plane sending the delta response, so that neither hashing the new snapshot's resources nor computing the
 *       delta, the control plane's work, is counted) to the new snapshot in force. As in a JMH benchmark, the
 *       change path is measured warm: a running service applies thousands of changes in its life, and the first
 *       one after start runs interpreted while the JIT compiles it (the first config never runs that path). So
 *       {@code -Dscale.warmups} (5) changes are applied and checked but not counted, then {@code -Dscale.changes}
 *       (5) are measured, median kept ({@code change_ms}; {@code change_cpu_ms} and {@code change_alloc_mb}: the
 *       source's thread's CPU time and allocated bytes per change, median; {@code change_end_to_end_ms}: from the
 *       file write, or from handing the control plane its new snapshot). The very first change after start is
 *       noted beside them ({@code change_first_ms}, {@code change_first_cpu_ms}), so the cold figure stays
 *       known;</li>
 *   <li><b>one-service route change</b>: then the same service's default route gets a new timeout (files: its
 *       file rewritten; xDS: the port's route configuration, all services' virtual hosts, sent again, as istiod
 *       does), with its own warm-ups, timed the same way ({@code route_change_ms}, {@code route_change_first_ms}
 *       the first route change, the first run of its path).</li>
 * </ol>
 *
 * <p>The file config is {@link MeshConfigs#scale} split into files of {@value #SERVICES_PER_FILE} services (as a
 * directory of manifests is); xDS is {@link XdsResources#scale} as istiod sends it, over delta xDS. Results are
 * written as {@code key=value} lines. With {@code -Dscale.jfr=FILE} ({@code -Dscale.jfr.route=FILE}), CPU samples
 * of 5 more endpoint moves (route changes), made after the measured ones and warm-ups again, are recorded to FILE (see
 * {@link Series} for why not of the measured ones); with {@code -Dscale.jfr.first=FILE}, those of the first config
 * (recording them costs the fresh JVM time of its own). With {@code -Dscale.firstOnly=true} (xDS) it stops after the
 * first config, printing its figures.
 */
public final class ConfigScale {
    static final int SERVICES_PER_FILE = 100;
    static final int CHANGES = Integer.getInteger("scale.changes", 5);
    static final int WARMUPS = Integer.getInteger("scale.warmups", 5);

    private ConfigScale() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ConfigScale file|xds SERVICES RESULT_FILE [HISTOGRAM_FILE]");
            System.exit(2);
        }
        String source = args[0];
        int services = Integer.parseInt(args[1]);
        Path result = Path.of(args[2]);
        Path histogram = args.length > 3 ? Path.of(args[3]) : null;
        List<String> lines = new ArrayList<>();
        lines.add("source=" + source);
        lines.add("services=" + services);
        Built built;
        switch (source) {
            case "file" -> {
                Path dir = Files.createTempDirectory("mesh-scale");
                try {
                    built = file(services, lines, dir);
                    snapshotHeap(built, lines, histogram);
                } finally {
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
            case "xds" -> {
                // The control plane outlives the measurement: its snapshot is in the heap before and after.
                try (ControlPlane controlPlane = new ControlPlane()) {
                    built = xds(services, lines, controlPlane);
                    snapshotHeap(built, lines, histogram);
                }
            }
            default -> throw new IllegalArgumentException("source must be file or xds: " + source);
        }
        Files.createDirectories(result.toAbsolutePath().getParent());
        Files.write(result, lines);
        lines.forEach(System.out::println);
        System.exit(0); // the xDS client's and the control plane's threads are not daemons
    }

    /**
     * The snapshot in force when the mesh was closed (the one reference to it, dropped to measure what it
     * retained), and the used heap before the mesh was built.
     */
    private static final class Built {
        private CompiledMesh snapshot;
        private final long heapBefore;

        Built(CompiledMesh snapshot, long heapBefore) {
            this.snapshot = snapshot;
            this.heapBefore = heapBefore;
        }
    }

    private static Built file(int services, List<String> lines, Path dir) throws Exception {
        long bytes = 0;
        for (int from = 0; from < services; from += SERVICES_PER_FILE) {
            Path f = dir.resolve(fileName(from));
            Files.writeString(f, MeshConfigs.scale(from, Math.min(services, from + SERVICES_PER_FILE), -1, 0));
            bytes += Files.size(f);
        }
        lines.add("files=" + (services + SERVICES_PER_FILE - 1) / SERVICES_PER_FILE);
        lines.add("yaml_bytes=" + bytes);
        TimerClock clock = new TimerClock();
        long heapBefore = heapAfterGc();
        Recording first = startChangeRecording("scale.jfr.first");
        CpuTimes firstCpu = CpuTimes.now();
        long started = System.nanoTime();
        Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").clock(clock).build();
        firstRoute(mesh, services, started, lines);
        firstCpu.note(lines);
        stopChangeRecording(first, "scale.jfr.first");

        // One service changes: the file holding the last service is rewritten with one of its endpoints moved.
        int changed = services - 1;
        int from = changed / SERVICES_PER_FILE * SERVICES_PER_FILE;
        int to = Math.min(services, from + SERVICES_PER_FILE);
        Path f = dir.resolve(fileName(from));
        Series moves = new Series("scale.jfr", FileConfigSource.RELOAD_THREAD_NAME);
        moves.run(k -> {
            CompiledMesh before = mesh.snapshot();
            long written = System.nanoTime();
            Files.writeString(f, MeshConfigs.scale(from, to, changed, k));
            long inForce = awaitNewSnapshot(mesh, before, 30);
            checkEndpoint(mesh, changed, MeshConfigs.changedAddress(k));
            return new long[] {inForce - clock.lastFired(written), inForce - written};
        });
        moves.note("change", lines);
        lines.add("quiet_period_ms=150");

        // The same service's default route changes (its timeout): the route tables are compiled again.
        int moved = moves.made();
        Series routes = new Series("scale.jfr.route", FileConfigSource.RELOAD_THREAD_NAME);
        routes.run(k -> {
            CompiledMesh before = mesh.snapshot();
            long written = System.nanoTime();
            Files.writeString(f, MeshConfigs.scale(from, to, changed, moved, k));
            long inForce = awaitNewSnapshot(mesh, before, 30);
            checkTimeout(mesh, changed, k);
            return new long[] {inForce - clock.lastFired(written), inForce - written};
        });
        routes.note("route_change", lines);
        return closeKeepingSnapshot(heapBefore, mesh, null, lines);
    }

    private static Built xds(int services, List<String> lines, ControlPlane controlPlane) throws Exception {
        XdsResources.Resources r = XdsResources.scale(services, false);
        controlPlane.serve(r, "1");
        lines.add("cds_bytes=" + r.bytes(r.clusters()));
        lines.add("eds_bytes=" + r.bytes(r.endpoints()));
        lines.add("rds_bytes=" + r.bytes(r.routes()));
        Path bootstrap = controlPlane.bootstrap(false);
        long heapBefore = heapAfterGc();
        Recording first = startChangeRecording("scale.jfr.first");
        CpuTimes firstCpu = CpuTimes.now();
        long started = System.nanoTime();
        // What Mesh.builder().xdsBootstrap(bootstrap).build() does, over delta xDS.
        XdsConfigSource xds = XdsConfigSource.builder(XdsBootstrap.read(bootstrap)).namespace("default")
                .delta(true).start();
        if (!xds.awaitInitialConfig(Duration.ofSeconds(60))) {
            throw new IllegalStateException("no complete xDS config within 60 s (the xDS client's log says why)");
        }
        Mesh mesh = Mesh.builder().configSource(xds).namespace("default").build();
        firstRoute(mesh, services, started, lines);
        firstCpu.note(lines);
        stopChangeRecording(first, "scale.jfr.first");
        if (Boolean.getBoolean("scale.firstOnly")) {
            lines.forEach(System.out::println);
            System.exit(0); // the first config alone, for comparing builds back to back
        }

        int changed = services - 1;
        Series moves = new Series("scale.jfr", XdsConfigSource.THREAD_NAME);
        moves.run(k -> {
            var next = ControlPlane.snapshot(XdsResources.scale(services, false, changed, k), Integer.toString(k + 1));
            CompiledMesh before = mesh.snapshot();
            long served = System.nanoTime();
            controlPlane.serve(next);
            long inForce = awaitNewSnapshot(mesh, before, 30);
            checkEndpoint(mesh, changed, MeshConfigs.changedAddress(k));
            return new long[] {inForce - controlPlane.deltaSent(), inForce - served};
        });
        moves.note("change", lines);

        // The same service's default route changes (its timeout): istiod sends the port's whole route
        // configuration again, and the route tables are compiled again.
        int moved = moves.made();
        Series routes = new Series("scale.jfr.route", XdsConfigSource.THREAD_NAME);
        routes.run(k -> {
            var next = ControlPlane.snapshot(XdsResources.scale(services, false, changed, moved, k),
                    Integer.toString(moved + k + 1));
            CompiledMesh before = mesh.snapshot();
            long served = System.nanoTime();
            controlPlane.serve(next);
            long inForce = awaitNewSnapshot(mesh, before, 30);
            checkTimeout(mesh, changed, k);
            return new long[] {inForce - controlPlane.deltaSent(), inForce - served};
        });
        routes.note("route_change", lines);
        return closeKeepingSnapshot(heapBefore, mesh, xds, lines);
    }

    /** One one-service change, the {@code k}-th of its kind (from 1), made and checked. */
    @FunctionalInterface
    private interface Change {
        /**
         * Makes the change and waits for it to be in force; the nanoseconds from the source taking it up and from
         * the write (files) or the control plane being handed its new snapshot (xDS).
         */
        long[] make(int k) throws Exception;
    }

    /**
     * One kind of one-service change applied {@link #WARMUPS} + {@link #CHANGES} times in a row: the warm-ups are
     * applied and checked but not counted (a running service sees thousands of changes, so its change path is
     * compiled by the JIT; the first change after start runs it interpreted), the rest are measured, their median
     * kept. The very first one is noted on its own ({@code _first_ms}), so the cold figure stays on the page. Per
     * change: the wall times, and the CPU time and allocated bytes of the source's thread.
     *
     * <p>With {@code jfrProperty} set, CPU samples are recorded of {@link #CHANGES} more changes made after the
     * measured ones, not of those: JFR's first start instruments the JDK's file and socket classes, which throws
     * away the JIT's compiled code of every path reading files or sockets, so a recording started before the measured
     * changes would have them run cold again (an endpoint move's reload thread CPU went from about 65 ms back to
     * 400 ms), and one started before the first change would charge that change with it. After JFR's first start
     * the warm-ups are made again before the recorded changes.
     */
    private static final class Series {
        private static boolean recorderStarted;
        private final String jfrProperty;
        private final String thread;
        private final List<Long> applies = new ArrayList<>();
        private final List<Long> endToEnd = new ArrayList<>();
        private final List<Long> cpu = new ArrayList<>();
        private final List<Long> allocated = new ArrayList<>();
        private long firstApply = -1;
        private long firstCpu = -1;
        private long firstEndToEnd = -1;
        private int made;

        Series(String jfrProperty, String thread) {
            this.jfrProperty = jfrProperty;
            this.thread = thread;
        }

        void run(Change change) throws Exception {
            for (int i = 1; i <= WARMUPS + CHANGES; i++) {
                long cpuBefore = threadCpu(thread);
                long allocatedBefore = threadAllocated(thread);
                long[] times = change.make(++made);
                long spent = threadCpu(thread) - cpuBefore;
                long bytes = threadAllocated(thread) - allocatedBefore;
                if (made == 1) {
                    firstApply = times[0];
                    firstEndToEnd = times[1];
                    firstCpu = spent;
                }
                if (i > WARMUPS) {
                    applies.add(times[0]);
                    endToEnd.add(times[1]);
                    cpu.add(spent);
                    allocated.add(bytes);
                }
            }
            if (System.getProperty(jfrProperty) == null) {
                return;
            }
            if (!recorderStarted) {
                recorderStarted = true;
                try (Recording none = new Recording()) {
                    none.start();
                    none.stop();
                }
                for (int i = 0; i < WARMUPS; i++) {
                    change.make(++made);
                }
            }
            Recording jfr = startChangeRecording(jfrProperty);
            for (int i = 0; i < CHANGES; i++) {
                change.make(++made);
            }
            stopChangeRecording(jfr, jfrProperty);
        }

        /** How many changes of this kind were made. */
        int made() {
            return made;
        }

        void note(String key, List<String> lines) {
            lines.add(key + "_ms=" + millis(median(applies)));
            lines.add(key + "_all_ms=" + applies.stream().map(ConfigScale::millis).toList());
            lines.add(key + "_cpu_ms=" + millis(median(cpu)));
            lines.add(key + "_cpu_all_ms=" + cpu.stream().map(ConfigScale::millis).toList());
            lines.add(key + "_alloc_mb=" + Math.round(median(allocated) / 1048576.0));
            lines.add(key + "_end_to_end_ms=" + millis(median(endToEnd)));
            lines.add(key + "_first_ms=" + millis(firstApply));
            lines.add(key + "_first_cpu_ms=" + millis(firstCpu));
            lines.add(key + "_first_end_to_end_ms=" + millis(firstEndToEnd));
            lines.add(key + "_warmups=" + WARMUPS);
        }
    }

    /**
     * The CPU time the thread named {@code name} has used, in nanoseconds: what applying a change cost the source's
     * thread, which a busy machine stretches in wall time but not in CPU time.
     */
    private static long threadCpu(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return Math.max(ManagementFactory.getThreadMXBean().getThreadCpuTime(t.getId()), 0);
            }
        }
        return 0; // the file source's reload thread starts with its first reload
    }

    /** The bytes the thread named {@code name} has allocated, or 0 before it exists. */
    private static long threadAllocated(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                return Math.max(mx.getThreadAllocatedBytes(t.getId()), 0);
            }
        }
        return 0;
    }

    /**
     * CPU time spent during the first config: the whole process's (the JIT compiler and GC threads included, which a
     * fresh JVM keeps busy on the same two cores), the main thread's (for files it reads, binds, validates and
     * compiles; for xDS it compiles) and each other Java thread's that worked at least 10 ms (for xDS, the client's
     * threads parse), beside the GC's and the JIT's elapsed time ({@code first_gc_ms}, {@code first_jit_ms}: the
     * JVM reports no CPU time for them, and on a busy machine their elapsed time overstates it). CPU time is steadier
     * than wall time on a shared machine.
     */
    private static final class CpuTimes {
        private final long process;
        private final long main;
        private final long mainAllocated;
        private final long gc;
        private final long jit;
        private final java.util.Map<Long, Long> threads = new java.util.HashMap<>();
        private final java.util.Map<Long, Long> allocated = new java.util.HashMap<>();

        private CpuTimes() {
            process = processCpu();
            main = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            mainAllocated = ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                    .getCurrentThreadAllocatedBytes();
            gc = gcMillis();
            jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            var mx = ManagementFactory.getThreadMXBean();
            for (long id : mx.getAllThreadIds()) {
                threads.put(id, mx.getThreadCpuTime(id));
                allocated.put(id, ((com.sun.management.ThreadMXBean) mx).getThreadAllocatedBytes(id));
            }
        }

        static CpuTimes now() {
            return new CpuTimes();
        }

        void note(List<String> lines) {
            var mx = ManagementFactory.getThreadMXBean();
            lines.add("first_process_cpu_ms=" + millis(processCpu() - process));
            lines.add("first_main_cpu_ms=" + millis(mx.getCurrentThreadCpuTime() - main));
            lines.add("first_main_alloc_mb=" + Math.round((((com.sun.management.ThreadMXBean) mx)
                    .getCurrentThreadAllocatedBytes() - mainAllocated) / 1048576.0));
            lines.add("first_gc_ms=" + (gcMillis() - gc));
            lines.add("first_jit_ms=" + (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit));
            List<String> others = new ArrayList<>();
            List<String> bytes = new ArrayList<>();
            long self = Thread.currentThread().getId();
            for (long id : mx.getAllThreadIds()) {
                var info = mx.getThreadInfo(id);
                long cpu = mx.getThreadCpuTime(id);
                if (id == self || info == null || cpu < 0) {
                    continue;
                }
                long spent = cpu - threads.getOrDefault(id, 0L);
                if (spent >= 10_000_000L) {
                    others.add(info.getThreadName().replace(' ', '_') + ":" + millis(spent));
                    long alloc = ((com.sun.management.ThreadMXBean) mx).getThreadAllocatedBytes(id)
                            - allocated.getOrDefault(id, 0L);
                    bytes.add(info.getThreadName().replace(' ', '_') + ":" + Math.round(alloc / 1048576.0));
                }
            }
            lines.add("first_threads_cpu_ms=" + others);
            lines.add("first_threads_alloc_mb=" + bytes);
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        private static long gcMillis() {
            long sum = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                sum += Math.max(0, gc.getCollectionTime());
            }
            return sum;
        }
    }

    /**
     * With {@code -Dscale.jfr=FILE} ({@code -Dscale.jfr.route=FILE}), CPU samples of one-service changes (route
     * changes) go to FILE, see {@link Series}.
     */
    private static Recording startChangeRecording(String property) {
        if (System.getProperty(property) == null) {
            return null;
        }
        Recording jfr = new Recording();
        jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(5));
        if (property.equals("scale.jfr.first")) {
            jfr.enable("jdk.Compilation").withThreshold(Duration.ZERO); // what the JIT compiled, and how long each took
        }
        jfr.setToDisk(true);
        jfr.start();
        return jfr;
    }

    private static void stopChangeRecording(Recording jfr, String property) throws IOException {
        if (jfr != null) {
            jfr.stop();
            jfr.dump(Path.of(System.getProperty(property)));
            jfr.close();
        }
    }

    private static String fileName(int from) {
        return String.format(Locale.ROOT, "services-%06d.yaml", from);
    }

    private static void firstRoute(Mesh mesh, int services, long started, List<String> lines) {
        RouteDecision d = mesh.route(probe(services - 1));
        long elapsed = System.nanoTime() - started;
        if (d.action() != RouteAction.FORWARD || d.endpoint() == null) {
            throw new IllegalStateException("first route did not forward: " + d);
        }
        lines.add("first_ms=" + millis(elapsed));
        lines.add("jit_ms=" + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        lines.add("classes_loaded=" + ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        lines.add("clusters=" + mesh.snapshot().clusters().size());
    }

    private static RouteRequest probe(int service) {
        return RouteRequest.builder("GET", "http://svc" + service + ".default.svc.cluster.local:9080/items/1").build();
    }

    /**
     * Notes the heap the mesh retains with its source, then closes both and hands back the snapshot in force, so
     * that the caller — whose frame holds nothing else of the mesh — measures the snapshot alone.
     */
    private static Built closeKeepingSnapshot(long before, Mesh mesh, AutoCloseable source, List<String> lines)
            throws Exception {
        lines.add("heap_mesh_bytes=" + (heapAfterGc() - before));
        CompiledMesh snapshot = mesh.snapshot();
        mesh.close();
        if (source != null) {
            source.close();
        }
        return new Built(snapshot, before);
    }

    /** The heap the compiled snapshot alone retains, and the class histogram while it is reachable. */
    private static void snapshotHeap(Built built, List<String> lines, Path histogram) throws Exception {
        long withSnapshot = settledHeap();
        if (histogram != null) {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Files.writeString(histogram, text.toString());
        }
        // Reachable until here; then dropped: what the next full GC frees is what the snapshot alone retained.
        if (built.snapshot.clusters().isEmpty()) {
            throw new IllegalStateException("no clusters");
        }
        built.snapshot = null;
        long withoutSnapshot = settledHeap();
        lines.add("heap_bytes=" + (withSnapshot - withoutSnapshot));
        lines.add("heap_delta_bytes=" + (withSnapshot - built.heapBefore));
    }

    /** Waits until {@code mesh} holds a snapshot other than {@code before}; the time it was seen. */
    private static long awaitNewSnapshot(Mesh mesh, CompiledMesh before, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (mesh.snapshot() == before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the change was not in force within " + seconds + " s");
            }
            Thread.sleep(0, 200_000);
        }
        return System.nanoTime();
    }

    private static void checkTimeout(Mesh mesh, int service, int seconds) {
        RouteDecision d = mesh.route(probe(service));
        if (!Duration.ofSeconds(seconds).equals(d.timeout())) {
            throw new IllegalStateException("svc" + service + " has no " + seconds + " s route timeout after the "
                    + "route change: " + d);
        }
    }

    private static void checkEndpoint(Mesh mesh, int service, String address) {
        RouteDecision d = mesh.route(probe(service));
        if (d.cluster() == null || d.cluster().endpoints().stream().noneMatch(e -> e.address().equals(address))) {
            throw new IllegalStateException("svc" + service + " has no endpoint " + address + " after the change: "
                    + d);
        }
    }

    /**
     * The used heap after full GCs once it stops falling: a closed xDS client lets go of its last messages and
     * buffers on its own threads, some seconds after {@code close()} returned (55 MB at 10,000 services), and
     * counting them would charge the snapshot for them.
     */
    private static long settledHeap() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        long used = heapAfterGc();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long again = heapAfterGc();
            if (used - again < 1 << 20) {
                return Math.min(used, again);
            }
            used = again;
        }
        return used;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    /**
     * The system clock, noting when the last scheduled task ran: the file source's debounce fires on the mesh
     * clock, so the apply of a change is timed from the end of its quiet period.
     */
    private static final class TimerClock implements MeshClock {
        private final MeshClock system = MeshClock.system();
        private final AtomicLong lastFired = new AtomicLong();

        @Override
        public long nanoTime() {
            return system.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return system.currentTimeMillis();
        }

        @Override
        public Timer schedule(Runnable task, long delay, TimeUnit unit) {
            return system.schedule(() -> {
                lastFired.set(System.nanoTime());
                task.run();
            }, delay, unit);
        }

        /** When the last task ran after {@code since}. */
        long lastFired(long since) {
            long t = lastFired.get();
            if (t < since) {
                throw new IllegalStateException("no timer fired since the change");
            }
            return t;
        }
    }
}
