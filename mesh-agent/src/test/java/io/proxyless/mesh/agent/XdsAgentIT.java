package io.proxyless.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test application (plain OkHttp and grpc-java of its own, no mesh module) with the agent and
 * {@code GRPC_XDS_BOOTSTRAP} naming a real xDS control plane in this JVM (java-control-plane's ADS server on
 * 127.0.0.1), which serves what istiod sends a sidecar: {@code outbound|9080|SUBSET|HOST} clusters, their
 * endpoints, and the route configuration {@code "9080"}. The agent's xDS source runs its own relocated grpc-java
 * and protobuf next to the application's.
 */
class XdsAgentIT {
    static final String HOST = "reviews.default.svc.cluster.local";
    static final String REVIEWS = "http://reviews:9080/reviews/1";

    @TempDir
    static Path dir;
    static HttpUpstream v1;
    static HttpUpstream v2;
    static HttpUpstream outside;
    static GrpcUpstream grpcOutside;
    static Server controlPlane;
    static Path bootstrap;

    @BeforeAll
    static void start() throws IOException {
        v1 = HttpUpstream.start("v1");
        v2 = HttpUpstream.start("v2");
        outside = HttpUpstream.start("outside");
        grpcOutside = GrpcUpstream.start("grpc-outside");
        SimpleCache<String> cache = new SimpleCache<>(node -> "mesh");
        cache.setSnapshot("mesh", Snapshot.create(
                List.of(edsCluster(cluster("")), edsCluster(cluster("v1")), edsCluster(cluster("v2"))),
                List.of(assignment(cluster(""), v1.port(), v2.port()), assignment(cluster("v1"), v1.port()),
                        assignment(cluster("v2"), v2.port())),
                List.of(), List.of(routes()), List.of(), "1"));
        controlPlane = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl()).build().start();
        // istiod's bootstrap for a sidecar-shaped client (no GENERATOR: grpc), as its injector writes it
        bootstrap = Files.writeString(dir.resolve("grpc-bootstrap.json"), """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "sidecar~10.0.9.9~productpage-1.default~default.svc.cluster.local",
                          "metadata": {"NAMESPACE": "default"}}}
                """.formatted(controlPlane.getPort()));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        controlPlane.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        for (HttpUpstream u : List.of(v1, v2, outside)) {
            u.close();
        }
        grpcOutside.close();
    }

    @Test
    void theApplicationRoutesByTheControlPlanesConfig() {
        int v2Before = v2.count();
        int outsideBefore = outside.count();
        AgentProcess.Run run = AgentProcess.run("", Map.of("GRPC_XDS_BOOTSTRAP", bootstrap.toString(),
                        "MESH_METRICS_PORT", "off"),
                "http|builder|5|" + REVIEWS + "|end-user=jason",
                "http|new|5|" + REVIEWS,
                "http|builder|3|http://localhost:" + outside.port() + "/",
                "grpc|forTarget|3|localhost:" + grpcOutside.port());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stderr()).as(run.toString()).contains("mesh agent installed").contains("xDS bootstrap");

        // header routing from the control plane's route configuration: jason's calls reached v2, others v1
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("v2", 5));
        assertThat(v2.count() - v2Before).isEqualTo(5);
        assertThat(v2.recorded).allSatisfy(r -> assertThat(r.header("end-user")).isEqualTo("jason"));
        assertThat(run.step(1)).as(run.toString()).isEqualTo(Map.of("v1", 5));

        // a host the control plane does not know: untouched (ALLOW_ANY), straight to it
        assertThat(run.step(2)).as(run.toString()).isEqualTo(Map.of("outside", 3));
        assertThat(outside.count() - outsideBefore).isEqualTo(3);

        // the application's own grpc-java still works beside the agent's relocated one
        assertThat(run.step(3)).as(run.toString()).isEqualTo(Map.of("grpc-outside", 3));
        assertThat(grpcOutside.count()).isEqualTo(3);
    }

    @Test
    void theBootstrapJsonCanBeTheEnvironmentVariableItself() throws IOException {
        AgentProcess.Run run = AgentProcess.run("", Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", Files.readString(bootstrap),
                        "MESH_METRICS_PORT", "off"),
                "http|builder|3|" + REVIEWS + "|end-user=jason");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("v2", 3));
        assertThat(run.stderr()).contains("xDS bootstrap JSON");
    }

    @Test
    void anUnusableBootstrapLeavesTheApplicationAsWithoutTheAgent() throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"xds_servers\": []}");
        AgentProcess.Run run = AgentProcess.run("xdsBootstrap=" + broken, Map.of("MESH_METRICS_PORT", "off"),
                "http|builder|2|http://localhost:" + outside.port() + "/");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stderr()).as(run.toString()).contains("mesh agent not installed").contains("xds_servers");
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("outside", 2));
    }

    static String cluster(String subset) {
        return "outbound|9080|" + subset + "|" + HOST;
    }

    static Cluster edsCluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build();
    }

    static ClusterLoadAssignment assignment(String name, int... ports) {
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder();
        for (int port : ports) {
            group.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
                    Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1")
                            .setPortValue(port)))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(group).build();
    }

    /** The sidecar's route configuration for port 9080: reviews' VirtualService, and istiod's allow_any. */
    static RouteConfiguration routes() {
        VirtualHost.Builder reviews = VirtualHost.newBuilder().setName(HOST + ":9080");
        for (String d : List.of(HOST, "reviews", "reviews.default.svc", "reviews.default")) {
            reviews.addDomains(d).addDomains(d + ":9080");
        }
        reviews.addRoutes(Route.newBuilder().setName("jason")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder()
                                .setName("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster("v2"))))
                .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster("v1"))));
        VirtualHost allowAny = VirtualHost.newBuilder().setName("allow_any").addDomains("*")
                .addRoutes(Route.newBuilder().setName("allow_any").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster("PassthroughCluster")))
                .build();
        return RouteConfiguration.newBuilder().setName("9080").addVirtualHosts(reviews).addVirtualHosts(allowAny)
                .setValidateClusters(BoolValue.of(false)).build();
    }
}
