package io.proxyless.mesh.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real xDS control plane for tests: java-control-plane's {@link V3DiscoveryServer} over a {@link SimpleCache},
 * served by grpc-netty-shaded on 127.0.0.1 (an ephemeral port, kept across {@link #stop()}/{@link #start()}).
 * It records what clients sent (ACKs, NACKs with their error_detail) and what it answered.
 */
final class XdsTestServer implements AutoCloseable {
    private static final String GROUP = "mesh";

    final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
    final List<DiscoveryResponse> responses = new CopyOnWriteArrayList<>();
    final List<DeltaDiscoveryResponse> deltaResponses = new CopyOnWriteArrayList<>();
    final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger version = new AtomicInteger();
    private int port;
    private Server server;

    XdsTestServer() {
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
                requests.add(request);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                deltaRequests.add(request);
            }

            @Override
            public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
                responses.add(response);
            }

            @Override
            public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request,
                                                DeltaDiscoveryResponse response) {
                deltaResponses.add(response);
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

    /** Stops serving; clients see their stream fail. */
    void stop() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int port() {
        return port;
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    /** Serves these resources from now on, under a new version. */
    void set(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
             List<RouteConfiguration> routes) {
        cache.setSnapshot(GROUP, Snapshot.create(clusters, endpoints, listeners, routes, List.of(),
                Integer.toString(version.incrementAndGet())));
    }

    void set(XdsFixtures.Resources r) {
        set(r.clusters(), r.endpoints(), r.listeners(), r.routes());
    }

    /** A bootstrap for this server. */
    XdsBootstrap bootstrap(boolean proxyless, boolean delta) {
        return XdsBootstrap.parse(bootstrapJson(proxyless, delta), "test");
    }

    String bootstrapJson(boolean proxyless, boolean delta) {
        return """
                {"xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"%s]}],
                 "node": {"id": "sidecar~10.0.9.9~client-1.default~default.svc.cluster.local",
                          "metadata": {%s"NAMESPACE": "default"}}}
                """.formatted(target(), delta ? ", \"delta_xds\"" : "", proxyless ? "\"GENERATOR\": \"grpc\", " : "");
    }

    @Override
    public void close() {
        stop();
    }
}
