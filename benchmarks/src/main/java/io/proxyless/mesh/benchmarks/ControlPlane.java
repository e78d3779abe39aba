package io.proxyless.mesh.benchmarks;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process xDS control plane on 127.0.0.1: java-control-plane's ADS server over a snapshot cache that gives
 * every node the same snapshot. Serves both grpc-java's xDS client and the mesh's xDS source.
 */
final class ControlPlane implements AutoCloseable {
    private static final String GROUP = "bench";

    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final Server server;
    // When the first delta response with resources in it was handed to the stream since the last serve (0: none).
    private final AtomicLong deltaSent = new AtomicLong();

    ControlPlane() throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            }

            @Override
            public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request,
                                                DeltaDiscoveryResponse response) {
                // Called right before the response is written to the stream.
                if (response.getResourcesCount() > 0 || response.getRemovedResourcesCount() > 0) {
                    deltaSent.compareAndSet(0, System.nanoTime());
                }
            }
        }, cache);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                // 10,000 services make responses of several MB; the server must be allowed to read large ACKs
                .maxInboundMessageSize(64 << 20)
                .build().start();
    }

    void serve(XdsResources.Resources r, String version) {
        serve(snapshot(r, version));
    }

    /**
     * {@code r} as the cache holds it: building it hashes every resource (a delta response names the resources
     * whose hash changed), the control plane's own work before it takes the change up.
     */
    static Snapshot snapshot(XdsResources.Resources r, String version) {
        return Snapshot.create(r.clusters(), r.endpoints(), r.listeners(), r.routes(), List.of(), version);
    }

    /** Makes {@code snapshot} the one every node is served: open watches are answered with what changed. */
    void serve(Snapshot snapshot) {
        deltaSent.set(0);
        cache.setSnapshot(GROUP, snapshot);
    }

    /**
     * When ({@link System#nanoTime}) the first delta response with resources in it was written to a stream since
     * the last {@link #serve}: the control plane, having computed what changed, answers.
     *
     * @throws IllegalStateException when none was
     */
    long deltaSent() {
        long t = deltaSent.get();
        if (t == 0) {
            throw new IllegalStateException("no delta response was sent since the last snapshot");
        }
        return t;
    }

    String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /**
     * A grpc-java bootstrap file for this server. {@code proxyless}: the node asks for what istiod serves proxyless
     * gRPC ({@code GENERATOR: grpc}); otherwise it is a sidecar-shaped node.
     */
    Path bootstrap(boolean proxyless) throws IOException {
        String json = """
                {"xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "sidecar~127.0.0.1~bench-client.default~default.svc.cluster.local",
                          "metadata": {%s"NAMESPACE": "default"}}}
                """.formatted(target(), proxyless ? "\"GENERATOR\": \"grpc\", " : "");
        Path file = Files.createTempFile("bench-xds-bootstrap", ".json");
        Files.writeString(file, json);
        file.toFile().deleteOnExit();
        return file;
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
