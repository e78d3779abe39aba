package io.proxyless.mesh.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
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
 * A real xDS control plane for the gRPC end-to-end tests: java-control-plane's {@link V3DiscoveryServer} over a
 * {@link SimpleCache} on grpc-netty-shaded at 127.0.0.1 (an ephemeral port, kept across {@link #stop()} and
 * {@link #start()}), serving {@code reviews.default.svc.cluster.local:9080} in the proxyless shape istiod builds
 * for gRPC nodes, which grpc-java's own xDS client reads as well: listener {@code reviews...:9080} holding an
 * {@code api_listener} (HttpConnectionManager with RDS over ADS and the router filter), its route configuration,
 * and EDS clusters {@code outbound|9080|SUBSET|reviews...} whose endpoints are real backends on 127.0.0.1.
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
     * (subset name → the backend that is its only endpoint), a default cluster with all of them, and
     * {@code routes} as its virtual host's routes.
     */
    void serve(Map<String, Backend> subsets, List<Route> routes) {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        clusters.add(edsCluster(cluster("")));
        endpoints.add(assignment(cluster(""), subsets.values().stream().map(Backend::port).toList()));
        subsets.forEach((subset, backend) -> {
            clusters.add(edsCluster(cluster(subset)));
            endpoints.add(assignment(cluster(subset), List.of(backend.port())));
        });
        serveListener(clusters, endpoints, routes);
    }

    private void serveListener(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Route> routes) {
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(HOST + ":" + PORT);
        for (String d : List.of(HOST, "reviews", "reviews.default.svc", "reviews.default")) {
            vh.addDomains(d).addDomains(d + ":" + PORT);
        }
        // istiod names a proxyless listener's route configuration after the service's cluster.
        String rdsName = cluster("");
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName(rdsName)
                .addVirtualHosts(vh.addAllRoutes(routes)).build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setRds(Rds.newBuilder().setRouteConfigName(rdsName)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder().setName(HOST + ":" + PORT)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
        cache.setSnapshot(GROUP, Snapshot.create(clusters, endpoints, List.of(listener), List.of(rc), List.of(),
                Integer.toString(version.incrementAndGet())));
    }

    /**
     * Serves, under a new version, only {@code inbound}: the inbound listeners istiod sends a proxyless gRPC server
     * (the server's mesh asks for them by name; its wildcard outbound subscription sees them too and routes
     * nothing through them).
     */
    void serveInbound(List<Listener> inbound) {
        cache.setSnapshot(GROUP, Snapshot.create(List.of(), List.of(), inbound, List.of(), List.of(),
                Integer.toString(version.incrementAndGet())));
    }

    /** Like {@link #bootstrapJson()}, with istio-agent's {@code server_listener_resource_name_template}. */
    String serverBootstrapJson(String serverListenerTemplate) {
        return bootstrapJson().replaceFirst("\\{",
                "{\"server_listener_resource_name_template\": \"" + serverListenerTemplate + "\", ");
    }

    /**
     * Serves the reviews service as istiod serves a proxyless client a service with DestinationRule
     * {@code ISTIO_MUTUAL} (its {@code grpcgen}): one EDS cluster whose endpoint is {@code serverPort} on 127.0.0.1
     * and whose transport socket is an {@code UpstreamTlsContext} naming the bootstrap's certificate provider
     * {@code default} (certificate {@code default}, roots {@code ROOTCA}, in the current and the deprecated
     * fields) and the server's SPIFFE id as the only subject alt name.
     */
    void serveIstioMutual(int serverPort, String serverIdentity) {
        CertificateProviderPluginInstance certificate = CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("default").build();
        CertificateProviderPluginInstance roots = CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA").build();
        CommonTlsContext common = CommonTlsContext.newBuilder()
                .setTlsCertificateProviderInstance(certificate)
                .setTlsCertificateCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
                        .setInstanceName("default").setCertificateName("default"))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                .setCaCertificateProviderInstance(roots)
                                .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(serverIdentity)))
                        .setValidationContextCertificateProviderInstance(
                                CommonTlsContext.CertificateProviderInstance.newBuilder()
                                        .setInstanceName("default").setCertificateName("ROOTCA")))
                .build();
        Cluster cluster = edsCluster(cluster("")).toBuilder().setTransportSocket(TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setCommonTlsContext(common).build())))
                .build();
        List<Cluster> clusters = List.of(cluster);
        List<ClusterLoadAssignment> endpoints = List.of(assignment(cluster(""), List.of(serverPort)));
        serveListener(clusters, endpoints, List.of(to("")));
    }

    /** Istio's name of the reviews cluster for {@code subset} ("" for the whole service). */
    static String cluster(String subset) {
        return "outbound|" + PORT + "|" + subset + "|" + HOST;
    }

    /** All calls to {@code subset}. */
    static Route to(String subset) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action().setCluster(cluster(subset))).build();
    }

    /** Calls whose metadata {@code name} is exactly {@code value} to {@code subset}. */
    static Route headerExact(String name, String value, String subset) {
        return header(name, StringMatcher.newBuilder().setExact(value).build(), subset);
    }

    /** Calls whose metadata {@code name} starts with {@code prefix} to {@code subset}. */
    static Route headerPrefix(String name, String prefix, String subset) {
        return header(name, StringMatcher.newBuilder().setPrefix(prefix).build(), subset);
    }

    private static Route header(String name, StringMatcher matcher, String subset) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .addHeaders(HeaderMatcher.newBuilder().setName(name).setStringMatch(matcher)))
                .setRoute(action().setCluster(cluster(subset))).build();
    }

    /** All calls split over subsets by weight: {@code "v1", 70, "v3", 30}. */
    static Route weighted(Object... subsetWeightPairs) {
        WeightedCluster.Builder w = WeightedCluster.newBuilder();
        for (int i = 0; i < subsetWeightPairs.length; i += 2) {
            w.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(cluster((String) subsetWeightPairs[i]))
                    .setWeight(UInt32Value.of((Integer) subsetWeightPairs[i + 1])));
        }
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action().setWeightedClusters(w)).build();
    }

    /** istiod's route action for a gRPC node: no timeout, sent as {@code max_stream_duration: 0s}. */
    private static RouteAction.Builder action() {
        return RouteAction.newBuilder().setTimeout(Duration.getDefaultInstance())
                .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                        .setMaxStreamDuration(Duration.getDefaultInstance()));
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

    /**
     * A grpc-java bootstrap naming this server, for a proxyless gRPC node ({@code GENERATOR: grpc}) in namespace
     * default; grpc-java's xDS client and the mesh both read it.
     */
    String bootstrapJson() {
        return """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "sidecar~10.0.9.9~client-1.default~default.svc.cluster.local",
                          "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default"}}}
                """.formatted(port);
    }

    /**
     * {@link #bootstrapJson} with the certificate provider istio-agent writes for a proxyless gRPC workload:
     * {@code default}, grpc-java's {@code file_watcher} plugin over Istio's certificate files in {@code certs}.
     */
    String bootstrapJson(Path certs) {
        String base = bootstrapJson().strip();
        return base.substring(0, base.length() - 1) + """
                , "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
                    "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
                    "refresh_interval": "600s"}}}}
                """.formatted(certs.resolve("cert-chain.pem"), certs.resolve("key.pem"),
                certs.resolve("root-cert.pem"));
    }

    /** Writes {@link #bootstrapJson} to {@code dir/bootstrap.json}. */
    Path writeBootstrap(Path dir) {
        try {
            return Files.writeString(dir.resolve("bootstrap.json"), bootstrapJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
