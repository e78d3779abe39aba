package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_CHAT;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.await;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirroring of unary and streaming calls: copies reach the mirror, never disturb the primary. */
class MeshMirrorTest {
    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    private Backend primary;
    private Backend shadow;
    private Mesh mesh;
    private ManagedChannel channel;

    @BeforeEach
    void startBackends() {
        primary = Backend.start("v1");
        shadow = Backend.start("v2");
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
        primary.close();
        shadow.close();
    }

    private static final String MIRROR_TO_V2 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                mirror: {host: reviews, subset: v2}
            """;

    private ManagedChannel channel(MeshChannelOptions options, String... yaml) {
        mesh = mesh(dir, false, yaml);
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").meshOptions(options).build();
        return channel;
    }

    @Test
    void unaryCallsAreMirroredWithThePrimaryAuthorityAndMetadata() {
        channel(MeshChannelOptions.defaults(), service(REVIEWS, primary, shadow), MIRROR_TO_V2);
        for (int i = 0; i < 10; i++) {
            assertThat(call(channel, REVIEWS_GET, "req-" + i, "end-user", "jason")).isEqualTo("v1");
        }
        await("10 mirrored calls", () -> shadow.completed.get() == 10);
        assertThat(shadow.messages).containsExactlyInAnyOrder("req-0", "req-1", "req-2", "req-3", "req-4", "req-5",
                "req-6", "req-7", "req-8", "req-9");
        assertThat(shadow.authorities).as("Istio >= 1.28 keeps the primary's authority")
                .containsOnly(REVIEWS + ":9080");
        assertThat(shadow.headers).allSatisfy(h -> assertThat(h.get(END_USER)).isEqualTo("jason"));
        assertThat(primary.messages).hasSize(10);
    }

    @Test
    void streamingMirrorSeesEveryMessageOfABidiStream() throws Exception {
        channel(MeshChannelOptions.defaults(), service(REVIEWS, primary, shadow), MIRROR_TO_V2);
        List<String> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(REVIEWS_CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                MeshResilienceTest.observer(replies, done));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String m = "m" + i;
            sent.add(m);
            requests.onNext(m);
        }
        requests.onCompleted();
        assertThat(done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(replies).hasSize(200).allSatisfy(r -> assertThat(r).startsWith("v1:"));
        await("the mirror stream to complete", () -> shadow.completed.get() == 1);
        assertThat(shadow.messages).containsExactlyElementsOf(sent);
    }

    @Test
    void shadowSuffixOptionAppendsShadowToTheMirrorAuthority() {
        channel(MeshChannelOptions.defaults().withShadowHostSuffix(true), service(REVIEWS, primary, shadow),
                MIRROR_TO_V2);
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        await("the mirrored call", () -> shadow.completed.get() == 1);
        assertThat(shadow.authorities).containsExactly(REVIEWS + "-shadow:9080");
        assertThat(primary.authorities).containsExactly(REVIEWS + ":9080");
    }

    @Test
    void aFailingOrStalledMirrorNeverDelaysOrFailsThePrimary() {
        shadow.delayMillis = 3_000;
        channel(MeshChannelOptions.defaults(), service(REVIEWS, primary, shadow), MIRROR_TO_V2);
        for (int i = 0; i < 5; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
        // Each copy takes 3 s: the primaries did not wait for one.
        assertThat(shadow.completed.get()).as("mirror copies answered").isZero();
        shadow.delayMillis = 0;
        shadow.failWith = Status.INTERNAL.withDescription("mirror broken");
        for (int i = 0; i < 5; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
    }

    @Test
    void aMirrorThatCannotConnectNeverFailsThePrimary() {
        channel(MeshChannelOptions.defaults(), service(REVIEWS, primary, shadow), MIRROR_TO_V2);
        shadow.close();
        for (int i = 0; i < 10; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
    }

    @Test
    void mirrorPercentageZeroSendsNoCopies() {
        channel(MeshChannelOptions.defaults(), service(REVIEWS, primary, shadow), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                    mirror: {host: reviews, subset: v2}
                    mirrorPercentage: {value: 0}
                """);
        for (int i = 0; i < 10; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
        assertThat(shadow.calls.get()).isZero();
    }
}
