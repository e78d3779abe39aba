package io.proxyless.mesh.xds;

import static io.proxyless.mesh.xds.XdsProtocolTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Generated code that cannot be loaded or initialised for one resource (a {@link LinkageError} such as
 * {@link NoClassDefFoundError}) NACKs that resource by name, like any invalid resource, and the others of the
 * response are taken: the error must not end the client's task with the response neither ACKed nor NACKed.
 */
class AdsClientLinkageErrorTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @Test
    void aLinkageErrorWhileParsingOneResourceNacksItByNameAndTheOthersAreTaken() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(List.of(XdsFixtures.edsCluster("good", true), XdsFixtures.edsCluster("bad", true)), List.of(),
                    List.of(), List.of());
            ExecutorService executor = Executors.newSingleThreadExecutor();
            ManagedChannel channel = Grpc.newChannelBuilder(server.target(), InsecureChannelCredentials.create())
                    .build();
            // The parser of this test stands in for generated code failing to initialise: a real class that fails
            // to load cannot be arranged in the test's own class path without breaking the other tests.
            AdsClient client = new AdsClient(channel, Node.newBuilder().setId("test").build(),
                    new AdsClient.Options(false, false, Duration.ofSeconds(15), Duration.ofSeconds(1),
                            Duration.ofSeconds(30)), executor, MeshClock.system(), () -> 0.5,
                    (type, message, bytes) -> {
                        if (((Cluster) message).getName().equals("bad")) {
                            throw new NoClassDefFoundError("io/envoyproxy/envoy/extensions/Missing");
                        }
                        return Parsed.of(message, new Findings());
                    }, () -> { });
            try {
                executor.execute(() -> {
                    client.start();
                    client.subscribe(XdsResourceType.CLUSTER, true, Set.of());
                });
                awaitTrue(GENEROUS, () -> server.requests.stream().filter(DiscoveryRequest::hasErrorDetail)
                        .anyMatch(r -> r.getErrorDetail().getMessage().contains("bad: internal error while parsing:"
                                + " java.lang.NoClassDefFoundError")));
                awaitTrue(GENEROUS, () -> client.resources().size() == 2);
                assertThat(client.resources()).extracting(r -> r.name() + " " + r.status())
                        .containsExactlyInAnyOrder("good ACKED", "bad NACKED");
            } finally {
                executor.submit(client::close).get(5, TimeUnit.SECONDS);
                executor.shutdownNow();
                channel.shutdownNow();
            }
        }
    }
}
