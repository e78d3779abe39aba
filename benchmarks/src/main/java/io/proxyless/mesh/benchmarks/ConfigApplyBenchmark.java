package io.proxyless.mesh.benchmarks;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.routing.RouteAction;
import io.proxyless.mesh.xds.XdsBootstrap;
import io.proxyless.mesh.xds.XdsConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
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

/**
 * Config apply at scale: time from "start the mesh" to the first routed request, for N services
 * ({@link MeshConfigs#scale}: a ServiceEntry with three endpoints and a two-route VirtualService each — N clusters,
 * 3N endpoints), and the heap the mesh keeps after a full GC.
 * <ul>
 *   <li>{@code file}: {@code Mesh.builder().configPaths(dir).build()} over one YAML file (read, bind, validate,
 *       compile), then {@code route()};</li>
 *   <li>{@code xds}: an xDS source ({@code XdsConfigSource}, what {@code Mesh.builder().xdsBootstrap(path)}
 *       builds, with a 10 s instead of 30 s wait) against an in-process java-control-plane server holding the same
 *       config as istiod would send it to a sidecar-shaped node ({@link XdsResources#scale}): connect, CDS, RDS,
 *       EDS for every cluster, translate, compile, then {@code route()};</li>
 *   <li>{@code xds-min-routes}: the same clusters and endpoints, each virtual host with only its FQDN domains and
 *       one plain route, so that the route configuration stays under gRPC's default 4 MiB message size.</li>
 * </ul>
 * With {@code bench.jfr}, CPU samples of the whole trial go to {@code <bench.out>/jfr/<run key>.jfr}.
 * Single shot: every iteration builds a new mesh. The warm-up iteration is the cold start (a fresh JVM); it is
 * kept in the side file ({@code <bench.out>/apply/<run key>.tsv}) with each iteration's retained heap.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ConfigApplyBenchmark {
    /** {@code file}; {@code xds}: as istiod sends it; {@code xds-min-routes}: minimal virtual hosts. */
    @Param({"file", "xds", "xds-min-routes"})
    public String source;

    @Param({"10000"})
    public int services;

    private Path dir;
    private ControlPlane controlPlane;
    private Path bootstrap;
    private RouteRequest probe;
    private Mesh mesh;
    private long heapBefore;
    private long started;
    private long elapsed;
    private String runKey;
    private int iteration;
    private XdsConfigSource xds;
    private long compileBefore;
    private long classesBefore;
    private long compileMillis;
    private long classesLoaded;
    private Recording jfr;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        runKey = RunKeys.of(params);
        probe = RouteRequest.builder("GET", "http://svc" + (services - 1) + ".default.svc.cluster.local:9080/items/1")
                .build();
        if (source.equals("file")) {
            dir = Files.createTempDirectory("mesh-bench-apply");
            Files.writeString(dir.resolve("mesh.yaml"), MeshConfigs.scale(services));
            side("size", "yaml_bytes\t" + Files.size(dir.resolve("mesh.yaml")));
        } else {
            controlPlane = new ControlPlane();
            XdsResources.Resources r = XdsResources.scale(services, source.equals("xds-min-routes"));
            controlPlane.serve(r, "1");
            bootstrap = controlPlane.bootstrap(false);
            side("size", "cds_bytes\t" + r.bytes(r.clusters()));
            side("size", "eds_bytes\t" + r.bytes(r.endpoints()));
            side("size", "rds_bytes\t" + r.bytes(r.routes()));
        }
        if (BenchEnv.out() != null && BenchEnv.jfr()) {
            jfr = new Recording();
            jfr.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(5));
            jfr.setToDisk(true);
            jfr.start();
        }
    }

    @Setup(Level.Iteration)
    public void iterationStart() {
        heapBefore = heapAfterGc();
        compileBefore = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        classesBefore = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    }

    @Benchmark
    public RouteDecision apply() {
        started = System.nanoTime();
        if (source.equals("file")) {
            mesh = Mesh.builder().configPaths(dir).namespace("default").build();
        } else {
            // What Mesh.builder().xdsBootstrap(bootstrap).build() does, with a shorter wait than its 30 s.
            xds = XdsConfigSource.builder(XdsBootstrap.read(bootstrap)).namespace("default").start();
            boolean ready;
            try {
                ready = xds.awaitInitialConfig(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ready = false;
            }
            if (!ready) {
                throw new IllegalStateException("no complete xDS config within 10 s (the xDS client's log above says"
                        + " why)");
            }
            mesh = Mesh.builder().configSource(xds).namespace("default").build();
        }
        RouteDecision d = mesh.route(probe);
        elapsed = System.nanoTime() - started;
        // JIT compiler threads' time and classes loaded while applying: what a cold start pays on top.
        compileMillis = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - compileBefore;
        classesLoaded = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classesBefore;
        if (d.action() != RouteAction.FORWARD || d.endpoint() == null) {
            throw new IllegalStateException("first route did not forward: " + d);
        }
        return d;
    }

    @TearDown(Level.Iteration)
    public void iterationEnd(IterationParams params) {
        long heap = heapAfterGc();
        iteration++;
        side("run", String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%d\t%d", params.getType(), iteration, elapsed,
                heap - heapBefore, heap, compileMillis, classesLoaded));
        if (mesh != null) {
            mesh.close();
            mesh = null;
        }
        if (xds != null) {
            xds.close();
            xds = null;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (xds != null) {
            xds.close();
        }
        if (jfr != null) {
            jfr.stop();
            jfr.dump(Files.createDirectories(BenchEnv.out().resolve("jfr")).resolve(runKey + ".jfr"));
            jfr.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("mesh.yaml"));
            Files.deleteIfExists(dir);
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void side(String kind, String line) {
        Path out = BenchEnv.out();
        if (out == null) {
            return;
        }
        try {
            Path d = Files.createDirectories(out.resolve("apply"));
            Files.writeString(d.resolve(runKey + "." + kind + ".tsv"), line + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
