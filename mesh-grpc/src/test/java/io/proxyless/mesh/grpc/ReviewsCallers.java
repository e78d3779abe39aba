package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.write;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The callers of a reviews server in the server-side tests: mesh clients with the workload certificates of a
 * service account, and clients outside the mesh. Closes every channel and client mesh it made.
 */
final class ReviewsCallers implements AutoCloseable {
    private final Path dir;
    private final Workloads workloads;
    private final List<Mesh> meshes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    ReviewsCallers(Path dir, Workloads workloads) {
        this.dir = dir;
        this.workloads = workloads;
    }

    /** A mesh client of reviews on {@code port} with ISTIO_MUTUAL and the certificates of {@code default/sa}. */
    ManagedChannel meshClient(int port, String serviceAccount) throws IOException {
        Path config = Files.createDirectories(dir.resolve(serviceAccount + "-config"));
        write(config, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: grpc, protocol: GRPC}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {grpc: %d}, serviceAccount: reviews}
                """.formatted(REVIEWS, port), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: %s
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
                """.formatted(REVIEWS));
        ClientTlsContexts tls = ClientTlsContexts.builder()
                .istioCertificates(workloads.certificates("default", serviceAccount)).build();
        Mesh mesh = Mesh.builder().configPaths(config).namespace("default").tls(tls).watch(false).build();
        meshes.add(mesh);
        return track(MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build());
    }

    /** A client outside the mesh: plain text. */
    ManagedChannel plainText(int port) {
        return track(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }

    /** Closes {@code channel} with the others. */
    ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        meshes.forEach(Mesh::close);
    }
}
