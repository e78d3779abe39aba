package io.proxyless.mesh.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A Bookinfo-style mesh in one JVM, walked through the scenarios of Istio's traffic-management tasks.
 *
 * <pre>
 * java -jar examples/target/demo.jar           # config from files, changed between scenarios (hot reload)
 * java -jar examples/target/demo.jar --xds     # the same scenarios from an embedded xDS server
 * java -jar examples/target/demo.jar --agent   # productpage unchanged, put in the mesh by -javaagent
 * </pre>
 *
 * <p>Every service is a real server on 127.0.0.1 with an ephemeral port: productpage calls details over gRPC
 * ({@code mesh-grpc}) and reviews v1/v2/v3 over OkHttp ({@code mesh-okhttp}), reviews v2/v3 call ratings; httpbin,
 * a {@code sleep} client and stand-ins for external sites and an egress gateway complete Istio's task setups.
 * details, reviews and ratings are served by the mesh's own servers ({@code MeshGrpc.serverBuilder}, Jetty with
 * {@code mesh-servlet}), which enforce PeerAuthentication and AuthorizationPolicy for each pod. They
 * are wired only through the mesh config of {@code examples/config} and {@code examples/scenarios}, rendered with
 * the real ports. Each scenario prints what it applied and what it measured from real requests, and checks the
 * measurement; the exit status is 0 when every check passed, 1 otherwise.
 */
public final class BookinfoDemo {
    private BookinfoDemo() {
    }

    /**
     * How to run the demo.
     *
     * @param xds      take config from an embedded xDS server instead of watched files
     * @param agent    run productpage as an application without mesh code, in a JVM of its own with
     *                 {@code -javaagent:mesh-agent.jar}, instead of with the mesh API in this JVM
     * @param examples the examples directory (with {@code config/} and {@code scenarios/}), or null to look for
     *                 it in the working directory and fall back to the copy inside the jar
     * @param out      where the walk-through is printed
     * @param only     numbers of the scenarios to run (from 1); empty: all
     */
    public record Options(boolean xds, boolean agent, Path examples, PrintStream out, Set<Integer> only) {
        public Options {
            only = Set.copyOf(only);
        }

        public static Options defaults() {
            return new Options(false, false, null, System.out, Set.of());
        }

        public Options withXds(boolean on) {
            return new Options(on, agent, examples, out, only);
        }

        public Options withAgent(boolean on) {
            return new Options(xds, on, examples, out, only);
        }

        public Options withExamples(Path dir) {
            return new Options(xds, agent, dir, out, only);
        }

        public Options withOut(PrintStream stream) {
            return new Options(xds, agent, examples, stream, only);
        }

        public Options withOnly(Set<Integer> scenarios) {
            return new Options(xds, agent, examples, out, scenarios);
        }
    }

    public static void main(String[] args) {
        Options options = Options.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--xds" -> options = options.withXds(true);
                case "--agent" -> options = options.withAgent(true);
                case "--examples" -> {
                    if (i + 1 == args.length) {
                        usage("--examples needs a directory");
                    }
                    options = options.withExamples(Path.of(args[++i]));
                }
                case "--only" -> {
                    if (i + 1 == args.length) {
                        usage("--only needs scenario numbers, e.g. --only 3,8");
                    }
                    options = options.withOnly(scenarioNumbers(args[++i]));
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                default -> usage("unknown argument: " + args[i]);
            }
        }
        DemoReport report = run(options);
        System.exit(report.passed() ? 0 : 1);
    }

    private static final String USAGE = """
            Usage: java -jar examples/target/demo.jar [--agent] [--xds] [--only N,N...] [--examples DIR]

            Runs a Bookinfo-style mesh in this JVM through the scenarios of Istio's traffic-management tasks and
            checks what each one measures. Exit status 0: every check passed; 1: a check failed.

              --agent          run productpage unchanged (plain OkHttp and grpc-java) in a JVM of its own,
                               put in the mesh by -javaagent:mesh-agent.jar instead of the mesh API
              --xds            take the mesh config from an embedded xDS server instead of watched files
                               (with --agent: productpage's agent too, through GRPC_XDS_BOOTSTRAP)
              --only N,N...    run only these scenarios (numbered from 1 as printed)
              --examples DIR   the examples directory (default: ./examples, ./, or the copy inside the jar)""";

    private static Set<Integer> scenarioNumbers(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String n : list.split(",")) {
            try {
                int number = Integer.parseInt(n.trim());
                if (number < 1 || number > Walkthrough.SCENARIOS) {
                    usage("no scenario " + number + "; they are numbered 1 to " + Walkthrough.SCENARIOS);
                }
                out.add(number);
            } catch (NumberFormatException e) {
                usage("not a scenario number: " + n);
            }
        }
        return out;
    }

    private static void usage(String message) {
        System.err.println(message);
        System.err.println(USAGE);
        System.exit(2);
    }

    /** Runs every scenario and prints the walk-through; never throws for a failed scenario. */
    public static DemoReport run(Options options) {
        PrintStream out = options.out();
        long start = System.nanoTime();
        Path scratch;
        try {
            scratch = Files.createTempDirectory("mesh-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<DemoReport.Scenario> scenarios;
        String mode = options.xds() && options.agent() ? "agent+xds"
                : options.xds() ? "xds" : options.agent() ? "agent" : "files";
        try {
            ExampleFiles examples = ExampleFiles.locate(options.examples(), scratch);
            // The servers in the mesh need their meshes to start, and the config needs their ports: the drivers
            // read the ports when they render config, filled in once the workloads listen.
            Map<Integer, Integer> ports = new ConcurrentHashMap<>();
            try (ConfigDriver driver = options.xds()
                         ? new XdsConfigDriver(examples, scratch.resolve("xds"), ports)
                         : new FileConfigDriver(examples, scratch.resolve("mesh"), ports);
                 Bookinfo app = new Bookinfo(scratch.resolve("certs"), options.agent(), driver)) {
                ports.putAll(app.portMapping());
                header(out, options, examples, app, driver);
                try {
                    driver.apply(Walkthrough.initialConfig());
                    app.connect(driver::mesh);
                    Map<String, String> served = new LinkedHashMap<>();
                    if (options.agent()) {
                        AgentProductPage productpage = app.startAgentProductPage(driver, scratch);
                        driver.addAgent(productpage::configDump);
                        served.put("productpage-v1", productpage.metricsUrl());
                        out.printf("productpage: an application without mesh code, in its own JVM with "
                                + "-javaagent:%s%n  (%s, POD_NAMESPACE, MESH_CERTS_DIR set as in a "
                                + "pod; its log: %s)%n", AgentProductPage.agentJar(),
                                options.xds() ? "GRPC_XDS_BOOTSTRAP" : "MESH_CONFIG_PATHS", productpage.log());
                    }
                    boolean ready = app.warmUp(Duration.ofSeconds(60));
                    out.printf("Meshes up for productpage%s, reviews and sleep after %.1f s%s.%n",
                            options.agent() ? " (injected)" : "", (System.nanoTime() - start) / 1e9,
                            ready ? "" : " (productpage served no complete page yet)");
                    try (DemoMetrics metrics = DemoMetrics.start(app.identities(), served)) {
                        out.println("Istio's standard metrics of each client, at its merged-metrics path:");
                        metrics.urls().forEach((workload, url) -> out.printf("  %-15s %s%n", workload, url));
                        scenarios = new Walkthrough(app, driver, out, metrics).run(options.only());
                    }
                } finally {
                    app.closeClients(); // before the config source goes away
                }
            }
        } finally {
            delete(scratch);
        }
        DemoReport report = new DemoReport(mode, scenarios, Duration.ofNanos(System.nanoTime() - start));
        summary(out, report);
        return report;
    }

    private static void header(PrintStream out, Options options, ExampleFiles examples, Bookinfo app,
                               ConfigDriver driver) {
        out.println("Proxyless Mesh for Java: Bookinfo demo, config from "
                + (options.xds() ? "an embedded xDS server" : "files with hot reload")
                + (options.agent() ? "; productpage put in the mesh by the Java agent, not the API" : ""));
        out.println("Example config: " + examples.describe());
        out.println("Workloads on 127.0.0.1; the example endpoint ports are rendered with the real ones:");
        Map<Integer, Integer> ports = app.portMapping();
        Bookinfo.portNames().forEach((port, name) ->
                out.printf("  %5d -> %5d  %s%n", port, ports.get(port), name));
        out.printf("  (edition.cnn.com stand-in on %d, reached only through the egress gateway)%n", app.cnn.port());
        out.println("Mesh config: " + driver.describe());
    }

    private static void summary(PrintStream out, DemoReport report) {
        out.println();
        long passed = report.scenarios().stream().filter(DemoReport.Scenario::passed).count();
        out.printf("%d of %d scenarios passed in %.1f s (%s mode).%n", passed, report.scenarios().size(),
                report.took().toNanos() / 1e9, report.mode());
        for (String failure : report.failures()) {
            out.println("FAILED: " + failure);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
