package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsed xDS → Istio resources → engine decisions, without a server. */
class XdsTranslatorTest {
    private final Map<String, XdsListener> listeners = new LinkedHashMap<>();
    private final Map<String, XdsRouteConfig> routes = new LinkedHashMap<>();
    private final Map<String, XdsCluster> clusters = new LinkedHashMap<>();
    private final Map<String, XdsEndpoints> endpoints = new LinkedHashMap<>();

    private void cluster(Cluster c) {
        clusters.put(c.getName(), ClusterParser.parse(c, ParseContext.sidecar()).value());
    }

    private void endpoints(ClusterLoadAssignment cla) {
        endpoints.put(cla.getClusterName(), EndpointParser.parse(cla, ParseContext.sidecar()).value());
    }

    private void routeConfig(RouteConfiguration rc) {
        Parsed<XdsRouteConfig> p = RouteConfigParser.parse(rc, ParseContext.sidecar());
        assertThat(p.error()).isNull();
        routes.put(rc.getName(), p.value());
    }

    private XdsTranslator.Output translate() {
        return XdsTranslator.translate(new XdsTranslator.Inputs(listeners, routes, clusters, endpoints), false,
                "default");
    }

    private Mesh mesh() {
        XdsTranslator.Output out = translate();
        MeshConfig config = MeshConfig.of(out.resources(), out.warnings());
        return Mesh.builder().configSource(new FixedSource(config)).build();
    }

    private static <S> List<S> specs(XdsTranslator.Output out, ResourceKind kind, Class<S> type) {
        List<S> specs = new ArrayList<>();
        for (Resource<?> r : out.resources()) {
            if (r.kind() == kind) {
                specs.add(type.cast(r.spec()));
            }
        }
        return specs;
    }

    @Test
    void canonicalHostsDropPortsAbsoluteDotsAndKubernetesShortForms() {
        assertThat(XdsTranslator.canonicalHosts(List.of("reviews.default.svc.cluster.local",
                "reviews.default.svc.cluster.local:9080", "reviews.default.svc.cluster.local.", "reviews",
                "reviews:9080", "reviews.default.svc", "reviews.default", "10.96.0.10", "10.96.0.10:9080",
                "[fd00::1]:9080", "*.example.com")))
                .containsExactly("reviews.default.svc.cluster.local", "10.96.0.10", "fd00::1", "*.example.com");
    }

    @Test
    void subsetClustersBecomeLabelledEndpointsAndDestinationRuleSubsets() {
        for (String subset : List.of("", "v1", "v2")) {
            cluster(XdsFixtures.edsCluster(XdsFixtures.cluster("reviews", subset), false));
        }
        endpoints(XdsFixtures.assignment(XdsFixtures.cluster("reviews", ""), List.of("10.0.0.1", "10.0.0.2"), 9080));
        endpoints(XdsFixtures.assignment(XdsFixtures.cluster("reviews", "v1"), List.of("10.0.0.1"), 9080));
        endpoints(XdsFixtures.assignment(XdsFixtures.cluster("reviews", "v2"), List.of("10.0.0.2"), 9080));
        XdsTranslator.Output out = translate();

        ServiceEntry se = specs(out, ResourceKind.SERVICE_ENTRY, ServiceEntry.class).get(0);
        assertThat(se.hosts()).containsExactly("reviews.default.svc.cluster.local");
        assertThat(se.ports()).extracting(p -> p.number()).containsExactly(9080);
        assertThat(se.endpoints()).extracting(e -> e.address() + " " + e.labels())
                .containsExactly("10.0.0.1 {xds.subset/v1=true}", "10.0.0.2 {xds.subset/v2=true}");
        DestinationRule dr = specs(out, ResourceKind.DESTINATION_RULE, DestinationRule.class).get(0);
        assertThat(dr.subsets()).extracting(s -> s.name() + " " + s.labels())
                .containsExactly("v1 {xds.subset/v1=true}", "v2 {xds.subset/v2=true}");
        assertThat(dr.subsets().get(0).trafficPolicy().portLevelSettings()).singleElement()
                .satisfies(p -> assertThat(p.loadBalancer().simple().name()).isEqualTo("LEAST_REQUEST"));
    }

    @Test
    void withoutOutlierDetectionOnlyTheHighestPriorityGetsTraffic() {
        cluster(Cluster.newBuilder().setName("outbound|80||db.example.com").setType(Cluster.DiscoveryType.EDS).build());
        ClusterLoadAssignment two = XdsFixtures.assignment("outbound|80||db.example.com", List.of("10.0.0.1"), 80)
                .toBuilder().addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1).addLbEndpoints(
                        XdsFixtures.assignment("x", List.of("10.9.9.9"), 80).getEndpoints(0).getLbEndpoints(0)))
                .build();
        endpoints(two);
        assertThat(specs(translate(), ResourceKind.SERVICE_ENTRY, ServiceEntry.class).get(0).endpoints())
                .extracting(e -> e.address()).containsExactly("10.0.0.1");

        cluster(Cluster.newBuilder().setName("outbound|80||db.example.com").setType(Cluster.DiscoveryType.EDS)
                .setOutlierDetection(OutlierDetection.getDefaultInstance()).build());
        assertThat(specs(translate(), ResourceKind.SERVICE_ENTRY, ServiceEntry.class).get(0).endpoints())
                .as("with outlier detection the engine fails over by locality").hasSize(2);
    }

    @Test
    void istiosBlockAllVirtualHostMeansRegistryOnly() {
        routeConfig(RouteConfiguration.newBuilder().setName("80").addVirtualHosts(VirtualHost.newBuilder()
                .setName("block_all").addDomains("*").addRoutes(Route.newBuilder().setName("block_all")
                        .setMatch(XdsFixtures.prefix("/")).setDirectResponse(DirectResponseAction.newBuilder()
                                .setStatus(502).setBody(DataSource.newBuilder().setInlineString("blocked"))))).build());
        List<Sidecar> sidecars = specs(translate(), ResourceKind.SIDECAR, Sidecar.class);
        assertThat(sidecars).singleElement().satisfies(s -> assertThat(s.outboundTrafficPolicy().mode())
                .isEqualTo(OutboundTrafficPolicy.Mode.REGISTRY_ONLY));
        try (Mesh mesh = mesh()) {
            RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://unknown.example.com/").build());
            assertThat(d.status()).isEqualTo(502);
        }
    }

    @Test
    void aHostWithDifferentRoutesPerPortGetsPortMatchesAndOneServiceEntryPerPort() {
        for (int port : new int[] {8080, 9090}) {
            String name = "outbound|" + port + "||api.example.com";
            cluster(XdsFixtures.edsCluster(name, false));
            endpoints(XdsFixtures.assignment(name, List.of("10.0.0." + port / 1000), port + 1));
            routeConfig(RouteConfiguration.newBuilder().setName(Integer.toString(port)).addVirtualHosts(VirtualHost
                    .newBuilder().setName("api").addDomains("api.example.com").addDomains("api.example.com:" + port)
                    .addRoutes(Route.newBuilder().setName("r" + port).setMatch(XdsFixtures.prefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(name)))).build());
        }
        XdsTranslator.Output out = translate();
        VirtualService vs = specs(out, ResourceKind.VIRTUAL_SERVICE, VirtualService.class).get(0);
        assertThat(vs.http()).extracting(r -> r.match().get(0).port()).containsExactly(8080, 9090);
        assertThat(specs(out, ResourceKind.SERVICE_ENTRY, ServiceEntry.class)).hasSize(2);
        try (Mesh mesh = mesh()) {
            RouteDecision a = mesh.route(RouteRequest.builder("GET", "http://api.example.com:8080/").build());
            RouteDecision b = mesh.route(RouteRequest.builder("GET", "http://api.example.com:9090/").build());
            assertThat(a.endpoint().authority()).isEqualTo("10.0.0.8:8081");
            assertThat(b.endpoint().authority()).isEqualTo("10.0.0.9:9091");
        }
    }

    @Test
    void aClusterNotNamedLikeIstiosIsTheHostItself() {
        cluster(Cluster.newBuilder().setName("backend").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(XdsFixtures.assignment("backend", List.of("10.2.0.1"), 7000)).build());
        listeners.put("backend:8080", new XdsListener("backend:8080", null,
                RouteConfigParser.parse(RouteConfiguration.newBuilder().setName("inline").addVirtualHosts(
                        VirtualHost.newBuilder().setName("all").addDomains("*").addRoutes(Route.newBuilder()
                                .setMatch(XdsFixtures.prefix("/")).setRoute(RouteAction.newBuilder()
                                        .setCluster("backend")))).build(), new ParseContext(true, Map.of())).value(),
                false, null, null));
        XdsTranslator.Output out = XdsTranslator.translate(new XdsTranslator.Inputs(listeners, routes, clusters,
                endpoints), true, "default");
        MeshConfig config = MeshConfig.of(out.resources(), out.warnings());
        try (Mesh mesh = Mesh.builder().configSource(new FixedSource(config)).build()) {
            RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://backend:8080/x").build());
            assertThat(d.isForward()).as(d.reason()).isTrue();
            assertThat(d.destinationHost()).isEqualTo("backend");
            assertThat(d.destinationSubset()).isNull();
            assertThat(d.endpoint().authority()).isEqualTo("10.2.0.1:7000");
        }
    }

    @Test
    void parseWarningsNameTheResourceAndField() {
        Problem p = XdsTranslator.warning("RDS", "9080", "virtual_hosts[0].routes[0].route.idle_timeout",
                "not supported; ignored");
        assertThat(p.format()).isEqualTo(
                "warning: RDS 9080: virtual_hosts[0].routes[0].route.idle_timeout: not supported; ignored");
    }

    /** A source that never changes. */
    private record FixedSource(MeshConfig config) implements ConfigSource {
        @Override
        public MeshConfig current() {
            return config;
        }

        @Override
        public void addListener(ConfigListener listener) {
            listener.onConfig(config);
        }

        @Override
        public void removeListener(ConfigListener listener) {
        }

        @Override
        public List<Problem> lastProblems() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }
}
