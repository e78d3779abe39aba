package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.RATINGS_GET;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a route does to the call on its way: rewrites, header operations, local answers; channel lifecycle. */
class MeshRequestShapingTest {
    private static final Metadata.Key<String> X_MESH = Metadata.Key.of("x-mesh", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> X_DROP = Metadata.Key.of("x-drop", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    private Backend v1;
    private Mesh mesh;
    private ManagedChannel channel;

    @BeforeEach
    void startBackend() {
        v1 = Backend.start("v1");
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
    }

    private ManagedChannel channel(String route) {
        mesh = mesh(dir, false, service(REVIEWS, v1), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                """ + route.indent(2));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        return channel;
    }

    @Test
    void uriRewriteChangesTheMethodTheServerSees() {
        channel("""
                - match:
                  - uri: {prefix: /pkg.Ratings/}
                  rewrite: {uri: /pkg.Details/}
                  route:
                  - destination: {host: reviews}
                - route:
                  - destination: {host: reviews}
                """);
        assertThat(call(channel, RATINGS_GET, "x")).isEqualTo("v1");
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        assertThat(v1.methods).containsExactly("pkg.Details/Get", "pkg.Reviews/Get");
    }

    @Test
    void authorityRewriteIsTheAuthorityTheServerSees() {
        channel("""
                - rewrite: {authority: reviews-canary:9080}
                  route:
                  - destination: {host: reviews}
                """);
        call(channel, REVIEWS_GET, "x");
        assertThat(v1.authorities).containsExactly("reviews-canary:9080");
    }

    @Test
    void requestHeaderOperationsChangeTheMetadataSent() {
        channel("""
                - headers:
                    request:
                      set: {x-mesh: "yes"}
                      remove: [x-drop]
                  route:
                  - destination: {host: reviews}
                """);
        call(channel, REVIEWS_GET, "x", "x-drop", "secret", "x-mesh", "no");
        Metadata seen = v1.headers.get(0);
        assertThat(seen.getAll(X_MESH)).containsExactly("yes");
        assertThat(seen.get(X_DROP)).isNull();
    }

    @Test
    void directResponseAnswersLocallyWithTheMappedStatus() {
        channel("""
                - directResponse: {status: 503}
                """);
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("direct response").contains("503");
        assertThat(v1.calls.get()).isZero();
    }

    @Test
    void shutdownLetsCallsInFlightFinishAndRefusesNewOnes() throws Exception {
        v1.delayMillis = 300;
        channel("""
                - route:
                  - destination: {host: reviews}
                """);
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> call(channel, REVIEWS_GET, "x"));
        MeshFixture.await("the call to reach the server", () -> v1.calls.get() == 1);
        channel.shutdown();
        assertThat(channel.isShutdown()).isTrue();
        try {
            call(channel, REVIEWS_GET, "x");
            throw new AssertionError("a call after shutdown must fail");
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("v1");
        assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(channel.isTerminated()).isTrue();
    }

    @Test
    void cancellingACallCancelsItsAttempt() throws Exception {
        v1.delayMillis = 2_000;
        channel("""
                - route:
                  - destination: {host: reviews}
                """);
        ClientCall<String, String> call = channel.newCall(REVIEWS_GET, CallOptions.DEFAULT);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.sendMessage("x");
        call.halfClose();
        call.request(1);
        MeshFixture.await("the call to reach the server", () -> v1.calls.get() == 1);
        call.cancel("changed my mind", null);
        Status status = closed.get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(status.getDescription()).isEqualTo("changed my mind");
    }
}
