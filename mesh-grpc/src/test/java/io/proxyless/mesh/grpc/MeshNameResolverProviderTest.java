package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code mesh} scheme is only for {@code mesh:} targets; the JVM's other channels keep gRPC's defaults. */
class MeshNameResolverProviderTest {
    @Test
    void targetsWithoutASchemeStillResolveThroughDnsWhenTheMeshSchemeIsInstalled() throws Exception {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        assertThat(registry.getProviderForScheme(MeshGrpc.SCHEME)).isInstanceOf(MeshNameResolverProvider.class);
        assertThat(registry.asFactory().getDefaultScheme()).isEqualTo("dns");

        // e.g. the xDS source's channel to "127.0.0.1:15010", or an application's plain channel
        try (Backend backend = Backend.start("plain")) {
            ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + backend.port(),
                    InsecureChannelCredentials.create()).build();
            try {
                assertThat(MeshFixture.call(channel, REVIEWS_GET, "x")).isEqualTo("plain");
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
