package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.dump.MeshDump;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Incremental compile is invisible: over seeded random configs and random edits (one service's endpoints,
 * DestinationRule, VirtualService or ports changed, an endpoint moved or relabelled in place — only endpoints
 * differ, so the decisions of the compilation before stand — a service removed or added back), compiling each version
 * against the snapshot in force gives the same routing decisions and the same {@code mesh dump} as compiling it from
 * scratch — for Istio config and for the route model it is written as (what an xDS source publishes). Routes reach
 * across services (splits and mirrors to other services' clusters), so an edit to one service must also recompile
 * the routes of others that point at it. A third variant hands the model over as an xDS source does, with what did
 * not change as the very objects of the previous model (so host tables are patched, not rebuilt) and with wildcard
 * and unsupported domains coming and going. A failure names its seed, case and step.
 */
class IncrementalCompilePropertyTest {
    private static final long[] SEEDS = {1, 2, 42, 1234, 20261207};
    private static final int CASES = 8;
    private static final int EDITS = 8;
    private static final int SERVICES = 6;
    private static final String[] LB = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"};

    private final FakeClock clock = new FakeClock();

    @Test
    void incrementalCompileDecidesAsAFullCompile() throws TlsConfigException {
        int reused = 0;
        int clusters = 0;
        int patched = 0;
        int registryPatched = 0;
        int routesPatched = 0;
        int editedInPlace = 0;
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int c = 0; c < CASES; c++) {
                List<Service> services = new ArrayList<>();
                for (int i = 0; i < SERVICES; i++) {
                    services.add(Service.random(i, random));
                }
                ClusterHealth health = new ClusterHealth(clock::nanoTime);
                MeshCompiler compiler = compiler(health);
                CompiledMesh istio = publish(compiler.compile(config(services), null), health);
                ClusterHealth modelHealth = new ClusterHealth(clock::nanoTime);
                MeshCompiler modelCompiler = compiler(modelHealth);
                CompiledMesh model = publish(modelCompiler.compile(
                        MeshConfig.ofModel(istio.model(), List.of()), null), modelHealth);
                ClusterHealth sourceHealth = new ClusterHealth(clock::nanoTime);
                MeshCompiler sourceCompiler = compiler(sourceHealth);
                MeshModel sourceModel = withDomains(istio.model(), random.nextInt(3));
                CompiledMesh source = publish(sourceCompiler.compile(MeshConfig.ofModel(sourceModel, List.of()),
                        null), sourceHealth);
                // The same models with clusters and load assignments in another order each time: the compiler's
                // walk alongside the previous model falls out of step and must still find what carries over.
                Random order = new Random(seed * 31 + c);
                ClusterHealth shuffledHealth = new ClusterHealth(clock::nanoTime);
                MeshCompiler shuffledCompiler = compiler(shuffledHealth);
                CompiledMesh shuffled = publish(shuffledCompiler.compile(MeshConfig.ofModel(
                        shuffled(sourceModel, order), List.of()), null), shuffledHealth);
                for (int step = 0; step < EDITS; step++) {
                    String edit = edit(services, random);
                    String where = "seed " + seed + ", case " + c + ", step " + step + " (" + edit + ")";
                    editedInPlace += edit.endsWith("in place") ? 1 : 0;
                    MeshConfig next = config(services);
                    CompiledMesh before = istio;
                    istio = publish(compiler.compile(next, istio), health);
                    Map<Integer, RouteConfiguration> configs = istio.model().routeConfigurations();
                    if (!configs.isEmpty() && configs.entrySet().stream().allMatch(e ->
                            e.getValue() == before.model().routeConfigurations().get(e.getKey()))) {
                        patched++; // only endpoints moved: the route configurations are the very ones in force
                    }
                    java.util.Set<Object> servicesBefore = java.util.Collections.newSetFromMap(
                            new java.util.IdentityHashMap<>());
                    servicesBefore.addAll(before.registry().services());
                    if (istio.registry().services().stream().anyMatch(servicesBefore::contains)) {
                        registryPatched++; // the registry in force, only moved endpoints written again
                    }
                    for (Map.Entry<String, Cluster> e : istio.clusters().entrySet()) {
                        clusters++;
                        reused += before.clusters().get(e.getKey()) == e.getValue() ? 1 : 0;
                    }
                    if (edit.endsWith("in place") && istio.registry() == before.registry()) {
                        routesPatched++; // only the hosts the edited resource touches were decided again
                    }
                    CompiledMesh full = compiler(new ClusterHealth(clock::nanoTime)).compile(next, null).snapshot();
                    assertSame(istio, full, where + ", Istio config");
                    // The registry (patched when only endpoints moved) finds each service under every name as a new one.
                    for (int i = 0; i < SERVICES + 1; i++) {
                        for (String host : List.of("s" + i + ".default.svc.cluster.local", "s" + i + ".default",
                                "s" + i)) {
                            assertThat(istio.registry().lookup(host)).as(where + ": registry lookup of " + host)
                                    .isEqualTo(full.registry().lookup(host));
                        }
                    }

                    MeshConfig nextModel = MeshConfig.ofModel(full.model(), List.of());
                    model = publish(modelCompiler.compile(nextModel, model), modelHealth);
                    CompiledMesh fullModel = compiler(new ClusterHealth(clock::nanoTime)).compile(nextModel, null)
                            .snapshot();
                    assertSame(model, fullModel, where + ", route model");

                    sourceModel = sharing(sourceModel, withDomains(full.model(), random.nextInt(3)));
                    MeshConfig nextSource = MeshConfig.ofModel(sourceModel, List.of());
                    source = publish(sourceCompiler.compile(nextSource, source), sourceHealth);
                    CompiledMesh fullSource = compiler(new ClusterHealth(clock::nanoTime)).compile(nextSource, null)
                            .snapshot();
                    assertSame(source, fullSource, where + ", route model as a source hands it over");

                    MeshConfig nextShuffled = MeshConfig.ofModel(shuffled(sourceModel, order), List.of());
                    shuffled = publish(shuffledCompiler.compile(nextShuffled, shuffled), shuffledHealth);
                    CompiledMesh fullShuffled = compiler(new ClusterHealth(clock::nanoTime))
                            .compile(nextShuffled, null).snapshot();
                    assertSame(shuffled, fullShuffled, where + ", route model with clusters in another order");
                }
            }
        }
        // The property holds trivially if nothing is ever reused: most clusters of a one-service edit carry over.
        assertThat(reused).as("clusters carried over").isGreaterThan(clusters / 2);
        assertThat(patched).as("compilations that only moved endpoints").isGreaterThan(SEEDS.length * CASES / 2);
        assertThat(registryPatched).as("registries patched").isGreaterThan(SEEDS.length * CASES / 2);
        // Most in-place edits of a VirtualService or DestinationRule decide only the hosts they touch again.
        assertThat(routesPatched).as("compilations that decided only the edited hosts again")
                .isGreaterThan(editedInPlace / 2);
    }

    @Test
    void aOneServiceChangeRecompilesItAndWhatRoutesToIt() throws TlsConfigException {
        List<Service> services = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 3; i++) {
            Service s = Service.random(i, random);
            s.twoPorts = false;
            s.destinationRule = null;
            s.virtualService = "  http:\n  - route: [{destination: {host: s" + (i == 2 ? 0 : i) + "}}]\n";
            services.add(s);
        }
        ClusterHealth health = new ClusterHealth(clock::nanoTime);
        MeshCompiler compiler = compiler(health);
        CompiledMesh first = publish(compiler.compile(config(services), null), health);
        services.get(0).endpoints = "  - {address: 10.9.9.9}\n";
        CompiledMesh second = publish(compiler.compile(config(services), first), health);

        String s0 = "outbound|8080||s0.default.svc.cluster.local";
        String s1 = "outbound|8080||s1.default.svc.cluster.local";
        assertThat(second.clusters().get(s0)).isNotSameAs(first.clusters().get(s0));
        assertThat(second.clusters().get(s1)).isSameAs(first.clusters().get(s1));
        RouteRequest toS1 = RouteRequest.builder("GET", "http://s1:8080/").build();
        RouteRequest toS2 = RouteRequest.builder("GET", "http://s2:8080/").build();
        assertThat(second.route(toS1, new Random(1)).route()).as("s1 routes to s1: unchanged")
                .isSameAs(first.route(toS1, new Random(1)).route());
        RouteDecision viaS2 = second.route(toS2, new Random(1));
        assertThat(viaS2.route()).as("s2 routes to s0, which changed").isNotSameAs(first.route(toS2, new Random(1))
                .route());
        assertThat(viaS2.endpoint().address()).isEqualTo("10.9.9.9");
    }

    @Test
    void aClusterThatAppearsResolvesTheRoutesThatNamedIt() throws TlsConfigException {
        List<Service> services = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < 2; i++) {
            Service s = Service.random(i, random);
            s.twoPorts = false;
            s.destinationRule = null;
            s.virtualService = "  http:\n  - route: [{destination: {host: s1}}]\n";
            services.add(s);
        }
        MeshModel whole = compiler(new ClusterHealth(clock::nanoTime)).compile(config(services), null).snapshot()
                .model();
        String s1 = "outbound|8080||s1.default.svc.cluster.local";
        // The same route configurations, with s1's cluster not (yet) there: only a cluster comes, none is replaced.
        MeshModel without = MeshModel.of(List.copyOf(whole.routeConfigurations().values()),
                whole.clusters().values().stream().filter(c -> !c.name().equals(s1)).toList(),
                whole.loadAssignments().values().stream().filter(a -> !a.clusterName().equals(s1)).toList(),
                whole.outboundPolicy(), whole.warnings());
        ClusterHealth health = new ClusterHealth(clock::nanoTime);
        MeshCompiler compiler = compiler(health);
        CompiledMesh first = publish(compiler.compile(MeshConfig.ofModel(without, List.of()), null), health);
        RouteRequest toS0 = RouteRequest.builder("GET", "http://s0:8080/").build();
        assertThat(first.route(toS0, new Random(1)).cluster()).as("no cluster for s1 yet").isNull();

        MeshConfig next = MeshConfig.ofModel(whole, List.of());
        CompiledMesh second = publish(compiler.compile(next, first), health);
        assertSame(second, compiler(new ClusterHealth(clock::nanoTime)).compile(next, null).snapshot(),
                "s1's cluster added");
        assertThat(second.route(toS0, new Random(1)).cluster().key()).as("s0 routes to s1's cluster now")
                .isEqualTo(s1);
    }

    /**
     * {@code model} with, on its first port, a virtual host for {@code *.wild.example} and {@code wild.example}
     * (kind 1) or one whose domain {@code w*} is not supported (kind 2) in front of the others; kind 0 adds none.
     */
    private static MeshModel withDomains(MeshModel model, int kind) {
        if (kind == 0 || model.routeConfigurations().isEmpty()) {
            return model;
        }
        List<RouteConfiguration> configs = new ArrayList<>();
        int first = model.routeConfigurations().keySet().stream().filter(p -> p != RouteConfiguration.ANY_PORT)
                .min(Integer::compare).orElse(RouteConfiguration.ANY_PORT);
        for (RouteConfiguration rc : model.routeConfigurations().values()) {
            if (rc.port() != first || rc.virtualHosts().isEmpty()) {
                configs.add(rc);
                continue;
            }
            List<VirtualHost> vhs = new ArrayList<>();
            VirtualHost template = rc.virtualHosts().get(rc.virtualHosts().size() - 1);
            vhs.add(kind == 1
                    ? VirtualHost.of("wild", List.of(HostName.of("*.wild.example"), HostName.of("wild.example")),
                    template.routes(), template.origin())
                    : VirtualHost.of("w", List.of(HostName.of("w*"), HostName.of("w.example")), template.routes(),
                    template.origin()));
            vhs.addAll(rc.virtualHosts());
            configs.add(RouteConfiguration.of(rc.name(), rc.port(), vhs));
        }
        return MeshModel.of(configs, List.copyOf(model.clusters().values()),
                List.copyOf(model.loadAssignments().values()), model.outboundPolicy(), model.warnings());
    }

    /**
     * {@code next} as a source that keeps what did not change hands it over: every route configuration, virtual
     * host, cluster and load assignment equal to one of {@code previous} is that very object.
     */
    private static MeshModel sharing(MeshModel previous, MeshModel next) {
        List<RouteConfiguration> configs = new ArrayList<>();
        for (RouteConfiguration rc : next.routeConfigurations().values()) {
            RouteConfiguration before = previous.routeConfigurations().get(rc.port());
            if (rc.equals(before)) {
                configs.add(before);
                continue;
            }
            Map<String, VirtualHost> byName = new java.util.HashMap<>();
            if (before != null) {
                before.virtualHosts().forEach(vh -> byName.put(vh.name(), vh));
            }
            List<VirtualHost> vhs = new ArrayList<>();
            for (VirtualHost vh : rc.virtualHosts()) {
                VirtualHost old = byName.get(vh.name());
                vhs.add(vh.equals(old) ? old : vh);
            }
            configs.add(RouteConfiguration.of(rc.name(), rc.port(), vhs));
        }
        List<io.proxyless.mesh.runtime.model.Cluster> clusters = new ArrayList<>();
        for (io.proxyless.mesh.runtime.model.Cluster c : next.clusters().values()) {
            io.proxyless.mesh.runtime.model.Cluster old = previous.clusters().get(c.name());
            clusters.add(c.equals(old) ? old : c);
        }
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (ClusterLoadAssignment a : next.loadAssignments().values()) {
            ClusterLoadAssignment old = previous.loadAssignments().get(a.clusterName());
            assignments.add(a.equals(old) ? old : a);
        }
        return MeshModel.of(configs, clusters, assignments, next.outboundPolicy(), next.warnings());
    }

    /** {@code model} (its very objects) with its clusters and load assignments each in a random order. */
    private static MeshModel shuffled(MeshModel model, Random random) {
        List<io.proxyless.mesh.runtime.model.Cluster> clusters = new ArrayList<>(model.clusters().values());
        List<ClusterLoadAssignment> assignments = new ArrayList<>(model.loadAssignments().values());
        java.util.Collections.shuffle(clusters, random);
        java.util.Collections.shuffle(assignments, random);
        return MeshModel.of(List.copyOf(model.routeConfigurations().values()), clusters, assignments,
                model.outboundPolicy(), model.warnings());
    }

    private MeshCompiler compiler(ClusterHealth health) {
        return new MeshCompiler("default", Map.of(), HostName.DEFAULT_DOMAIN_SUFFIX, "", health, clock,
                ClientTlsContexts.builder().clock(clock).build());
    }

    private static CompiledMesh publish(Compilation compilation, ClusterHealth health) {
        compilation.plan().apply(health);
        return compilation.snapshot();
    }

    private static void assertSame(CompiledMesh incremental, CompiledMesh full, String where) {
        assertThat(MeshDump.of(incremental).toJson()).as(where + ": dump").isEqualTo(MeshDump.of(full).toJson());
        assertThat(incremental.warnings()).as(where + ": warnings").isEqualTo(full.warnings());
        int probe = 0;
        for (int i = 0; i < SERVICES; i++) {
            for (String url : List.of("http://s" + i + ".default.svc.cluster.local:8080/a", "http://s" + i + "/a",
                    "http://s" + i + ":9090/b", "http://a" + i + ".wild.example:8080/a", "http://wild.example:8080/",
                    "http://w.example:8080/")) {
                for (boolean jason : new boolean[] {false, true}) {
                    RouteRequest.Builder b = RouteRequest.builder("GET", url);
                    if (jason) {
                        b.header("end-user", "jason");
                    }
                    RouteRequest request = b.build();
                    probe++;
                    RouteDecision a = incremental.route(request, new Random(probe));
                    RouteDecision e = full.route(request, new Random(probe));
                    assertThat(signature(a)).as(where + ": " + url + (jason ? " as jason" : ""))
                            .isEqualTo(signature(e));
                    if (a.endpoint() != null && !a.cluster().passthrough()) {
                        assertThat(a.cluster().endpoints()).contains(a.endpoint());
                    }
                }
            }
        }
    }

    /** What a decision says, apart from the endpoint a stateful balancer (round robin) picks among equals. */
    private static String signature(RouteDecision d) {
        StringBuilder s = new StringBuilder().append(d.action()).append(' ').append(d.host()).append(':')
                .append(d.port()).append(" status=").append(d.status()).append(" reason=").append(d.reason())
                .append(" match=").append(d.matchIndex());
        if (d.route() != null) {
            s.append(" route=").append(d.route().origin()).append('#').append(d.route().index()).append(' ')
                    .append(d.route().name()).append(" retries=").append(d.route().retries())
                    .append(" timeout=").append(d.route().timeout());
            d.route().mirrors().forEach(m -> s.append(" mirror=").append(m.host()).append('/').append(m.subset())
                    .append('/').append(m.percentage()).append('/')
                    .append(m.cluster() == null ? null : m.cluster().key()));
        }
        if (d.destination() != null) {
            s.append(" destination=").append(d.destination().host()).append('/').append(d.destination().subset())
                    .append('/').append(d.destination().port()).append('/').append(d.destination().weight());
        }
        if (d.cluster() != null) {
            s.append(" cluster=").append(d.cluster().key()).append(" endpoints=").append(d.cluster().endpoints())
                    .append(" lb=").append(d.cluster().loadBalancerName()).append(" policy=")
                    .append(d.cluster().policy());
        }
        return s.toString();
    }

    private static MeshConfig config(List<Service> services) {
        StringBuilder yaml = new StringBuilder();
        for (Service s : services) {
            if (s.present) {
                yaml.append(s.yaml(services.size()));
            }
        }
        LoadedConfig loaded = ConfigLoader.create().loadString("mesh.yaml", yaml.toString());
        assertThat(loaded.problems().stream().filter(p -> p.blocksConfig()).toList()).as(yaml.toString()).isEmpty();
        return MeshConfig.of(loaded);
    }

    /** Changes one random thing of one random service; what changed, for the failure message. */
    private static String edit(List<Service> services, Random random) {
        int i = random.nextInt(services.size());
        Service s = services.get(i);
        switch (random.nextInt(10)) {
            case 0 -> s.endpoints = Service.endpoints(i, random);
            case 6 -> s.endpoints = Service.moved(s.endpoints, i, random);
            case 7 -> s.endpoints = s.endpoints.contains("version: v1") ? s.endpoints.replaceFirst("version: v1",
                    "version: v2") : s.endpoints.replaceFirst("version: v2", "version: v1");
            case 1 -> s.destinationRule = Service.destinationRule(random);
            case 2 -> s.virtualService = Service.virtualService(random, services.size());
            case 3 -> s.twoPorts = !s.twoPorts;
            case 4 -> s.present = !s.present;
            case 8 -> {
                s.virtualService = Service.tweaked(s.virtualService, random);
                return "s" + i + " " + (s.present ? "route edited in place" : "removed");
            }
            case 9 -> {
                s.destinationRule = Service.tweaked(s.destinationRule, random);
                return "s" + i + " " + (s.present ? "rule edited in place" : "removed");
            }
            default -> {
                // No change at all: everything carries over.
            }
        }
        return "s" + i + " " + (s.present ? "edited" : "removed");
    }

    /** One service of the generated config: a ServiceEntry, maybe a DestinationRule and a VirtualService. */
    private static final class Service {
        final int index;
        boolean present = true;
        boolean twoPorts;
        String endpoints;
        String destinationRule;
        String virtualService;

        Service(int index) {
            this.index = index;
        }

        static Service random(int index, Random random) {
            Service s = new Service(index);
            s.twoPorts = random.nextInt(3) == 0;
            s.endpoints = endpoints(index, random);
            s.destinationRule = destinationRule(random);
            s.virtualService = virtualService(random, SERVICES);
            return s;
        }

        static String endpoints(int index, Random random) {
            StringBuilder out = new StringBuilder();
            int n = 1 + random.nextInt(3);
            for (int e = 0; e < n; e++) {
                out.append("  - {address: 10.").append(index).append('.').append(random.nextInt(3)).append('.')
                        .append(e + 1).append(", labels: {version: v").append(1 + random.nextInt(2)).append("}}\n");
            }
            return out.toString();
        }

        /** {@code endpoints} with one address moved: the same lines, only endpoints differ (EndpointMoves). */
        static String moved(String endpoints, int index, Random random) {
            return endpoints.replaceFirst("address: 10\\." + index + "\\.\\d+\\.", "address: 10." + index + "."
                    + (3 + random.nextInt(200)) + ".");
        }

        /**
         * {@code spec} (a VirtualService's or DestinationRule's, or null) with one setting changed on its own line:
         * retry attempts, a timeout, a weight split, a mirror share, the balancer, an ejection threshold or a
         * subset's labels; or a rule's subset v2 added or removed, nothing else of it changed, so that routes to
         * that subset lose or find their cluster while no other cluster is replaced. The resource keeps its hosts.
         */
        static String tweaked(String spec, Random random) {
            if (spec == null) {
                return null;
            }
            String digit = String.valueOf(1 + random.nextInt(5));
            return switch (random.nextInt(7)) {
                case 0 -> spec.replaceFirst("attempts: \\d", "attempts: " + digit);
                case 1 -> spec.replaceFirst("timeout: \\d+s", "timeout: " + digit + "s")
                        .replaceFirst("simple: \\w+", "simple: " + LB[random.nextInt(LB.length)]);
                case 2 -> spec.replaceFirst("weight: \\d+}\n(.*)weight: \\d+}",
                        "weight: " + digit + "0}\n$1weight: " + (100 - 10 * Integer.parseInt(digit)) + "}");
                case 3 -> spec.replaceFirst("value: \\d+}", "value: " + digit + "0}")
                        .replaceFirst("consecutive5xxErrors: \\d", "consecutive5xxErrors: " + digit);
                case 4 -> spec.replaceFirst("labels: \\{version: v\\d}}\n$",
                        "labels: {version: v" + (1 + random.nextInt(2)) + "}}\n");
                case 5 -> spec.contains("- {name: v1") ? (spec.contains("- {name: v2")
                        ? spec.replace("  - {name: v2, labels: {version: v2}}\n", "")
                        : spec + "  - {name: v2, labels: {version: v2}}\n") : spec;
                default -> spec.replaceFirst("subset: v\\d", "subset: v" + (1 + random.nextInt(2)));
            };
        }

        /** A DestinationRule spec body (host filled in later), or null for none. */
        static String destinationRule(Random random) {
            if (random.nextInt(4) == 0) {
                return null;
            }
            StringBuilder out = new StringBuilder("  trafficPolicy:\n    loadBalancer: {simple: ")
                    .append(LB[random.nextInt(LB.length)]).append("}\n");
            if (random.nextBoolean()) {
                out.append("    outlierDetection: {consecutive5xxErrors: ").append(1 + random.nextInt(5))
                        .append(", interval: 10s, baseEjectionTime: 30s}\n");
            }
            out.append("  subsets:\n  - {name: v1, labels: {version: v1}}\n");
            if (random.nextBoolean()) {
                out.append("  - {name: v2, labels: {version: v2}}\n");
            }
            return out.toString();
        }

        /** A VirtualService http list ({@code %s} for the service's own host), or null for none. */
        static String virtualService(Random random, int services) {
            if (random.nextInt(4) == 0) {
                return null;
            }
            StringBuilder out = new StringBuilder("  http:\n");
            if (random.nextBoolean()) {
                out.append("  - match: [{headers: {end-user: {exact: jason}}}]\n")
                        .append("    route: [{destination: {host: %1$s, subset: v2}}]\n");
            }
            out.append("  - route:\n");
            if (random.nextBoolean()) {
                int w = 10 * random.nextInt(11);
                out.append("    - {destination: {host: %1$s, subset: v1}, weight: ").append(w).append("}\n")
                        .append("    - {destination: {host: s").append(random.nextInt(services))
                        .append(", port: {number: 8080}}, weight: ").append(100 - w).append("}\n");
            } else {
                out.append("    - {destination: {host: %1$s}}\n");
            }
            out.append("    retries: {attempts: ").append(1 + random.nextInt(3)).append(", retryOn: 5xx}\n");
            if (random.nextBoolean()) {
                out.append("    timeout: ").append(1 + random.nextInt(5)).append("s\n");
            }
            if (random.nextInt(3) == 0) {
                out.append("    mirror: {host: s").append(random.nextInt(services)).append(", port: {number: 8080}}\n")
                        .append("    mirrorPercentage: {value: ").append(random.nextInt(101)).append("}\n");
            }
            return out.toString();
        }

        String yaml(int services) {
            String name = "s" + index;
            String host = name + ".default.svc.cluster.local";
            StringBuilder out = new StringBuilder("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: %s}
                    spec:
                      hosts: [%s]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports:
                      - {number: 8080, name: http, protocol: HTTP}
                    """.formatted(name, host));
            if (twoPorts) {
                out.append("  - {number: 9090, name: http-b, protocol: HTTP}\n");
            }
            out.append("  endpoints:\n").append(endpoints).append("---\n");
            if (destinationRule != null) {
                out.append("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ")
                        .append(name).append("}\nspec:\n  host: ").append(name).append('\n').append(destinationRule)
                        .append("---\n");
            }
            if (virtualService != null) {
                out.append("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ")
                        .append(name).append("}\nspec:\n  hosts: [").append(name).append("]\n")
                        .append(virtualService.formatted(name)).append("---\n");
            }
            return out.toString();
        }
    }
}
