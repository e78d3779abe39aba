package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.RATINGS_GET;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.destinationRule;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static io.proxyless.mesh.grpc.MeshFixture.serviceEntry;
import static io.proxyless.mesh.grpc.MeshFixture.tally;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-call routing against real gRPC servers: metadata, methods, weights, registry policy. */
class MeshRoutingTest {
    @TempDir
    Path dir;

    private Backend v1;
    private Backend v2;
    private Mesh mesh;
    private ManagedChannel channel;

    @BeforeEach
    void startBackends() {
        v1 = Backend.start("v1");
        v2 = Backend.start("v2");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
        v1.close();
        v2.close();
    }

    private ManagedChannel channel(String... yaml) {
        mesh = mesh(dir, false, yaml);
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").usePlaintext().build();
        return channel;
    }

    @Test
    void metadataEndUserJasonRoutesToV2AndEveryoneElseToV1() {
        channel(service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: jason}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        for (int i = 0; i < 20; i++) {
            assertThat(call(channel, REVIEWS_GET, "x", "end-user", "jason")).isEqualTo("v2");
            assertThat(call(channel, REVIEWS_GET, "x", "end-user", "Jason")).as("values are case-sensitive")
                    .isEqualTo("v1");
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
        assertThat(v2.authorities).as("the call keeps its logical authority").containsOnly(REVIEWS + ":9080");
    }

    @Test
    void fiftyFiftySplitOverTwoThousandUnaryCallsIsWithinFourPercent() {
        ManagedChannel ch = MeshGrpc.channelBuilder(mesh(dir, false, service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: 50}
                    - {destination: {host: reviews, subset: v2}, weight: 50}
                """), "reviews:9080").random(new Random(20240601)).build();
        channel = ch;
        mesh = null; // closed below with the channel's mesh
        try {
            Map<String, Integer> counts = tally(ch, REVIEWS_GET, 2_000);
            assertThat(counts.get("v1")).as("seed 20240601: %s", counts).isBetween(920, 1_080);
            assertThat(counts.get("v2")).as("seed 20240601: %s", counts).isBetween(920, 1_080);
            assertThat(v1.calls.get() + v2.calls.get()).isEqualTo(2_000);
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void methodPrefixRouteSendsReviewsMethodsToV2AndOthersToV1() {
        channel(service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - uri: {prefix: /pkg.Reviews/}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v2");
        assertThat(call(channel, RATINGS_GET, "x")).isEqualTo("v1");
    }

    @Test
    void exactMethodMatchSeesTheFullMethodPath() {
        channel(service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - uri: {exact: /pkg.Ratings/Get}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        assertThat(call(channel, RATINGS_GET, "x")).isEqualTo("v2");
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
    }

    @Test
    void unknownHostUnderRegistryOnlyFailsWithStatusNamingHostAndPolicy() {
        mesh = mesh(dir, false, service(REVIEWS, v1), """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        channel = MeshGrpc.channelBuilder(mesh, "payments.example.org:443").build();
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE); // Envoy: 502 → UNAVAILABLE
        assertThat(status.getDescription()).startsWith("mesh:").contains("payments.example.org")
                .contains("REGISTRY_ONLY").contains("/pkg.Reviews/Get");
        assertThat(v1.calls.get()).isZero();
    }

    @Test
    void noMatchingRouteFailsWithUnimplementedAsASidecar404Would() {
        channel(service(REVIEWS, v1), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - uri: {prefix: /pkg.Ratings/}
                    route:
                    - destination: {host: reviews}
                """);
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(status.getDescription()).contains("default/reviews").contains("404");
    }

    /**
     * Envoy (and so Istio's sidecar) matches {@code withoutHeaders} when the header is absent. grpc-xds differs:
     * its header matcher with {@code invert_match} never matches a missing header, so a proxyless grpc-xds client
     * would skip this route for callers that send no {@code end-user}.
     */
    @Test
    void withoutHeadersMatchesWhenTheHeaderIsAbsentAsEnvoyDoes() {
        channel(service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - withoutHeaders:
                        end-user: {exact: jason}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        assertThat(call(channel, REVIEWS_GET, "x")).as("header absent").isEqualTo("v2");
        assertThat(call(channel, REVIEWS_GET, "x", "end-user", "mary")).as("header differs").isEqualTo("v2");
        assertThat(call(channel, REVIEWS_GET, "x", "end-user", "jason")).as("header equal").isEqualTo("v1");
    }

    @Test
    void consistentHashOnMetadataKeepsEachUserOnOneEndpoint() {
        Backend v3 = Backend.start("v3");
        try {
            channel(serviceEntry(REVIEWS, v1, v2, v3) + "---\n" + destinationRule(REVIEWS, """
                        loadBalancer:
                          consistentHash: {httpHeaderName: x-user}
                    """, v1, v2, v3));
        } catch (RuntimeException e) {
            v3.close();
            throw e;
        }
        try {
            for (String user : new String[] {"ann", "bob", "cyd", "dan", "eve"}) {
                Map<String, Integer> counts = tally(channel, REVIEWS_GET, 10, "x-user", user);
                assertThat(counts).as("user %s", user).hasSize(1);
            }
            assertThat(tally(channel, REVIEWS_GET, 30)).as("no hash key: spread").hasSizeGreaterThan(1);
        } finally {
            v3.close();
        }
    }

    @Test
    void meshSchemeTargetRoutesPerCallLikeTheChannelBuilder() {
        mesh = mesh(dir, false, service(REVIEWS, v1, v2), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: jason}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        MeshGrpc.registerDefault(mesh);
        try {
            channel = ManagedChannelBuilder.forTarget("mesh:///reviews:9080").usePlaintext().build();
            assertThat(channel.authority()).isEqualTo("reviews:9080");
            assertThat(call(channel, REVIEWS_GET, "x", "end-user", "jason")).isEqualTo("v2");
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
            assertThat(v2.authorities).containsOnly("reviews:9080");
        } finally {
            MeshGrpc.unregisterDefault(mesh);
        }
    }

    @Test
    void meshSchemeWithoutARegisteredMeshFailsWithStatusSayingWhatToDo() {
        channel = ManagedChannelBuilder.forTarget("mesh:///nowhere:9080").usePlaintext().build();
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("MeshGrpc.registerDefault");
    }
}
