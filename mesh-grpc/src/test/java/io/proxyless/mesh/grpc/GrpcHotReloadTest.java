package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_CHAT;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.await;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static io.proxyless.mesh.grpc.MeshFixture.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.event.AccessLog;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.MeshListeners;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config changes reach live channels at the next call; calls in flight finish where they started. So do the request
 * header names listeners declare, which channels make metadata keys of as they do of the routes' names.
 */
class GrpcHotReloadTest {
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

    private static String routeTo(String subset) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: %s}
                """.formatted(subset);
    }

    @Test
    void routeChangeAppliesToNextCallsWithoutFailingAStreamInFlight() throws Exception {
        mesh = mesh(dir, true, service(REVIEWS, v1, v2), routeTo("v1"));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        List<String> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<String> stream = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(REVIEWS_CHAT, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
                MeshResilienceTest.observer(replies, done));
        stream.onNext("before");
        await("the first reply", () -> replies.size() == 1);

        write(dir, service(REVIEWS, v1, v2), routeTo("v2"));
        await("new calls to go to v2", () -> call(channel, REVIEWS_GET, "x").equals("v2"));

        stream.onNext("after");
        stream.onCompleted();
        assertThat(done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(replies).containsExactly("v1:before", "v1:after");
    }

    @Test
    void removedEndpointKeepsItsInFlightCallAndItsChannelClosesAfterwards() throws Exception {
        mesh = mesh(dir, true, service(REVIEWS, v1, v2), routeTo("v1"));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        MeshChannel meshChannel = ((MeshManagedChannel) channel).meshChannel();
        List<String> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<String> stream = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(REVIEWS_CHAT, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
                MeshResilienceTest.observer(replies, done));
        stream.onNext("one");
        await("the first reply", () -> replies.size() == 1);
        ManagedChannel toV1 = meshChannel.endpoints().channelFor(v1.port());
        assertThat(toV1).isNotNull();

        // v1 leaves the registry; everything now goes to v2.
        write(dir, service(REVIEWS, v2), routeTo("v2"));
        // The two files may be reloaded one at a time: wait for the snapshot without v1, then a call prunes.
        await("v1 to leave the registry and new calls to go to v2", () -> mesh.snapshot().clusters().values()
                .stream().noneMatch(c -> c.endpoints().stream().anyMatch(e -> e.port() == v1.port()))
                && call(channel, REVIEWS_GET, "x").equals("v2"));
        assertThat(meshChannel.endpoints().channelFor(v1.port())).as("retired").isNull();
        assertThat(toV1.isShutdown()).as("still carrying the stream").isFalse();

        stream.onNext("two");
        stream.onCompleted();
        assertThat(done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(replies).containsExactly("v1:one", "v1:two");
        await("the retired channel to shut down", toV1::isShutdown);
    }

    @Test
    void meshSchemeChannelFollowsConfigChanges() {
        mesh = mesh(dir, true, service(REVIEWS, v1, v2), routeTo("v1"));
        channel = ManagedChannelBuilder.forTarget("mesh:///reviews:9080").setNameResolverArg(MeshGrpc.MESH, mesh)
                .usePlaintext().build();
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        write(dir, service(REVIEWS, v1, v2), routeTo("v2"));
        await("new calls to go to v2", () -> call(channel, REVIEWS_GET, "x").equals("v2"));
    }

    /** v2 for requests whose header {@code a} is {@code aValue} or whose header {@code b} is {@code bValue}. */
    private static String routeOnHeaders(String a, String aValue, String b, String bValue) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers:
                        %s: {exact: %s}
                    - headers:
                        %s: {exact: %s}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """.formatted(a, aValue, b, bValue);
    }

    /** A unary call carrying one ASCII and one binary metadata entry (either may be null). */
    private String callWith(String name, String value, String binName, byte[] binValue) {
        Metadata md = new Metadata();
        if (name != null) {
            md.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        }
        if (binName != null) {
            md.put(Metadata.Key.of(binName, Metadata.BINARY_BYTE_MARSHALLER), binValue);
        }
        return ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(md)), REVIEWS_GET,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
    }

    @Test
    void headerAndBinaryHeaderMatchesWorkBeforeAndAfterAChangeThatReadsNewHeaderNames() {
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8); // base64 "aGk=", matched without padding
        byte[] oneTwo = {1, 2}; // base64 "AQI="
        mesh = mesh(dir, true, service(REVIEWS, v1, v2), routeOnHeaders("end-user", "jason", "x-tag-bin", "aGk"));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        MeshChannel meshChannel = ((MeshManagedChannel) channel).meshChannel();

        assertThat(callWith("end-user", "jason", null, null)).isEqualTo("v2");
        assertThat(callWith(null, null, "x-tag-bin", hi)).isEqualTo("v2");
        assertThat(callWith("end-user", "mary", "x-tag-bin", oneTwo)).isEqualTo("v1");
        assertThat(callWith("x-group", "beta", "x-flag-bin", oneTwo)).as("names the config does not read yet")
                .isEqualTo("v1");
        assertThat(meshChannel.metadataKeys().holds("end-user")).isTrue();
        assertThat(meshChannel.metadataKeys().holds("x-tag-bin")).isTrue();

        write(dir, service(REVIEWS, v1, v2), routeOnHeaders("x-group", "beta", "x-flag-bin", "AQI"));
        await("calls to route on the new header", () -> callWith("x-group", "beta", null, null).equals("v2"));
        assertThat(callWith(null, null, "x-flag-bin", oneTwo)).isEqualTo("v2");
        assertThat(callWith("end-user", "jason", "x-tag-bin", hi)).as("names the config no longer reads")
                .isEqualTo("v1");
        assertThat(callWith("x-group", "alpha", "x-flag-bin", hi)).isEqualTo("v1");
        assertThat(meshChannel.metadataKeys().holds("x-group")).isTrue();
        assertThat(meshChannel.metadataKeys().holds("x-flag-bin")).isTrue();
        assertThat(meshChannel.metadataKeys().holds("end-user")).as("keys of the old snapshot are gone").isFalse();
    }

    @Test
    void headerNamesAListenerDeclaresAreReadThroughTheKeysMadeOncePerSnapshotUntilItIsRemoved() {
        mesh = mesh(dir, true, service(REVIEWS, v1, v2), routeOnHeaders("end-user", "jason", "x-tag-bin", "aGk"));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        MeshChannel meshChannel = ((MeshManagedChannel) channel).meshChannel();
        assertThat(callWith("x-tenant", "acme", null, null)).isEqualTo("v1");
        assertThat(meshChannel.metadataKeys().holds("x-tenant")).as("nobody reads it yet").isFalse();

        List<String> tenants = new CopyOnWriteArrayList<>();
        MeshListener tenantReader = new MeshListener() {
            @Override
            public Set<String> requestHeaderNames() {
                return Set.of("x-tenant");
            }

            @Override
            public void routed(CallView call) {
                tenants.add(String.valueOf(call.request().headers().get("x-tenant")));
            }
        };
        // Added to a mesh whose snapshot the channel has already keyed: the next call keys the listener's name too.
        try (MeshListeners.Registration r = mesh.addListener(tenantReader);
             MeshListeners.Registration log = mesh.addListener(AccessLog.to(AccessLog.Format.TEXT, line -> { }))) {
            assertThat(callWith("x-tenant", "acme", null, null)).isEqualTo("v1");
            assertThat(callWith("x-tenant", "globex", "x-tag-bin", "hi".getBytes(StandardCharsets.UTF_8)))
                    .as("the routes' names still read").isEqualTo("v2");
            assertThat(tenants).containsExactly("acme", "globex");
            MetadataKeys keys = meshChannel.metadataKeys();
            assertThat(keys.holds("x-tenant")).isTrue();
            assertThat(keys.holds("end-user")).isTrue();
            assertThat(keys.holds("user-agent")).as("the access log's").isTrue();
            // A held name's key is the one made for the snapshot, the same object on every read.
            assertThat(keys.key("x-tenant")).isSameAs(keys.key("x-tenant"));
            assertThat(keys.key("x-unheld")).as("made on every read").isNotSameAs(keys.key("x-unheld"));

            callWith(null, null, null, null);
            assertThat(meshChannel.metadataKeys()).as("nothing changed: the same keys").isSameAs(keys);
        }
        callWith(null, null, null, null);
        assertThat(meshChannel.metadataKeys().holds("x-tenant")).as("its listener is gone").isFalse();
        assertThat(meshChannel.metadataKeys().holds("user-agent")).isFalse();
        assertThat(meshChannel.metadataKeys().holds("end-user")).isTrue();
    }
}
