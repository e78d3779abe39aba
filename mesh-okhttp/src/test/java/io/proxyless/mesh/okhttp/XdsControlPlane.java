package io.proxyless.mesh.okhttp;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
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
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real xDS control plane for the OkHttp end-to-end tests: java-control-plane's {@link V3DiscoveryServer} over a
 * {@link SimpleCache} on grpc-netty-shaded at 127.0.0.1 (an ephemeral port, kept across {@link #stop()} and
 * {@link #start()}), serving {@code reviews.default.svc.cluster.local:9080} in the shape istiod builds for a
 * sidecar: clusters {@code outbound|9080|SUBSET|reviews...} whose EDS endpoints are real upstreams on 127.0.0.1,
 * and route configuration {@code 9080}.
 *
 * <p>The runtime's own xDS fixtures are package-private in its test jar, so this module has its own small one.
 */
final class XdsControlPlane implements AutoCloseable {
    static final String HOST = "reviews.default.svc.cluster.local";
    static final int PORT = 9080;
    private static final String GROUP = "mesh";

    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final AtomicInteger version = new AtomicInteger();
    /** ADS streams opened by clients, over the server's whole life. */
    final AtomicInteger streams = new AtomicInteger();
    private int port;
    private Server server;

    XdsControlPlane() {
        start();
    }

    /** Starts serving (again), on the same port as before if it ran already. */
    void start() {
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onStreamOpen(long streamId, String typeUrl) {
                streams.incrementAndGet();
            }

            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            }
        }, cache);
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getPort();
    }

    /** Stops serving; clients see their ADS stream fail and their reconnects refused. */
    void stop() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Serves, under a new version, the reviews service with one subset cluster per entry of {@code subsets}
     * (subset name → the upstream that is its only endpoint), a default cluster with all of them, and
     * {@code routes} as its virtual host's routes.
     */
    void serve(Map<String, HttpUpstream> subsets, List<Route> routes) {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        clusters.add(edsCluster(cluster("")));
        endpoints.add(assignment(cluster(""), subsets.values().stream().map(HttpUpstream::port).toList()));
        subsets.forEach((subset, upstream) -> {
            clusters.add(edsCluster(cluster(subset)));
            endpoints.add(assignment(cluster(subset), List.of(upstream.port())));
        });
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(HOST + ":" + PORT);
        for (String d : List.of(HOST, "reviews", "reviews.default.svc", "reviews.default")) {
            vh.addDomains(d).addDomains(d + ":" + PORT);
        }
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName(Integer.toString(PORT))
                .addVirtualHosts(vh.addAllRoutes(routes)).setValidateClusters(BoolValue.of(false)).build();
        cache.setSnapshot(GROUP, Snapshot.create(clusters, endpoints, List.of(), List.of(rc), List.of(),
                Integer.toString(version.incrementAndGet())));
    }

    /**
     * Serves, under a new version, the reviews service as istiod writes it with auto mTLS: one cluster whose
     * {@code transport_socket_matches} send ISTIO_MUTUAL (the workload certificates in {@code certs}, as files;
     * reviews' SPIFFE identity) to
     * endpoints with {@code tlsMode: istio} metadata and plain text to the rest; {@code mtls} carries that
     * metadata, {@code plain} none.
     */
    void serveAutoMtls(HttpUpstream mtls, HttpUpstream plain, Path certs) {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificates(TlsCertificate.newBuilder()
                        .setCertificateChain(file(certs.resolve("cert-chain.pem")))
                        .setPrivateKey(file(certs.resolve("key.pem"))))
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setTrustedCa(file(certs.resolve("root-cert.pem")))
                        .addMatchSubjectAltNames(StringMatcher.newBuilder()
                                .setExact("spiffe://cluster.local/ns/default/sa/reviews"))))
                .setSni("outbound_." + PORT + "_._." + HOST)
                .build();
        Cluster cluster = edsCluster(cluster("")).toBuilder()
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio")
                                .build()))
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                                .setTypedConfig(Any.pack(tls))))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                        .setMatch(Struct.getDefaultInstance())
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
                .build();
        ClusterLoadAssignment assignment = assignment(cluster(""), List.of(mtls.port(), plain.port()));
        LocalityLbEndpoints.Builder group = assignment.getEndpoints(0).toBuilder();
        group.setLbEndpoints(0, group.getLbEndpoints(0).toBuilder().setMetadata(Metadata.newBuilder()
                .putFilterMetadata("envoy.transport_socket_match", Struct.newBuilder()
                        .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build())));
        assignment = assignment.toBuilder().setEndpoints(0, group).build();
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(HOST + ":" + PORT);
        for (String d : List.of(HOST, "reviews", "reviews.default.svc", "reviews.default")) {
            vh.addDomains(d).addDomains(d + ":" + PORT);
        }
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName(Integer.toString(PORT))
                .addVirtualHosts(vh.addRoutes(to(""))).build();
        cache.setSnapshot(GROUP, Snapshot.create(List.of(cluster), List.of(assignment), List.of(), List.of(rc),
                List.of(), Integer.toString(version.incrementAndGet())));
    }

    private static DataSource file(Path path) {
        return DataSource.newBuilder().setFilename(path.toString()).build();
    }

    /** Istio's name of the reviews cluster for {@code subset} ("" for the whole service). */
    static String cluster(String subset) {
        return "outbound|" + PORT + "|" + subset + "|" + HOST;
    }

    /** All requests to {@code subset}. */
    static Route to(String subset) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action().setCluster(cluster(subset))).build();
    }

    /** Requests whose header {@code name} is exactly {@code value} to {@code subset}. */
    static Route headerExact(String name, String value, String subset) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .addHeaders(HeaderMatcher.newBuilder().setName(name)
                                .setStringMatch(StringMatcher.newBuilder().setExact(value))))
                .setRoute(action().setCluster(cluster(subset))).build();
    }

    /** All requests split over subsets by weight: {@code "v1", 80, "v3", 20}. */
    static Route weighted(Object... subsetWeightPairs) {
        WeightedCluster.Builder w = WeightedCluster.newBuilder();
        for (int i = 0; i < subsetWeightPairs.length; i += 2) {
            w.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(cluster((String) subsetWeightPairs[i]))
                    .setWeight(UInt32Value.of((Integer) subsetWeightPairs[i + 1])));
        }
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action().setWeightedClusters(w)).build();
    }

    /** istiod's route action for a sidecar: {@code timeout: 0s} (none). */
    private static RouteAction.Builder action() {
        return RouteAction.newBuilder().setTimeout(Duration.getDefaultInstance())
                .setMaxGrpcTimeout(Duration.getDefaultInstance());
    }

    private static Cluster edsCluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .setConnectTimeout(Duration.newBuilder().setSeconds(10))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build();
    }

    private static ClusterLoadAssignment assignment(String name, List<Integer> ports) {
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder()
                .setLoadBalancingWeight(UInt32Value.of(ports.size()));
        for (int p : ports) {
            group.addLbEndpoints(LbEndpoint.newBuilder().setLoadBalancingWeight(UInt32Value.of(1))
                    .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                            .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(p)))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(group).build();
    }

    /** A grpc-java bootstrap naming this server, for a sidecar-shape node in namespace default. */
    String bootstrapJson(boolean delta) {
        return """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"%s]}],
                 "node": {"id": "sidecar~10.0.9.9~client-1.default~default.svc.cluster.local",
                          "metadata": {"NAMESPACE": "default"}}}
                """.formatted(port, delta ? ", \"delta_xds\"" : "");
    }

    /** Writes {@link #bootstrapJson} to {@code dir/bootstrap.json}. */
    Path writeBootstrap(Path dir, boolean delta) {
        try {
            return Files.writeString(dir.resolve("bootstrap.json"), bootstrapJson(delta));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
