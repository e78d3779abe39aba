package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_CHAT;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a mesh call hands its listener the stream, with a direct executor (callbacks called where the call's state
 * moves) and with an executor of the application's: in order, in the caller's context, and a listener that throws
 * cancels its call.
 */
class MeshCallCallbacksTest {
    private static final Context.Key<String> USER = Context.key("user");

    @TempDir
    Path dir;

    private Backend v1;
    private Mesh mesh;
    private ManagedChannel channel;
    private final ExecutorService appExecutor = Executors.newFixedThreadPool(4);

    @BeforeEach
    void start() {
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
        appExecutor.shutdownNow();
    }

    private void channel(boolean direct) {
        mesh = mesh(dir, false, MeshClock.system(), service(REVIEWS, v1));
        MeshChannelBuilder b = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080");
        channel = (direct ? b.directExecutor() : b.executor(appExecutor)).build();
    }

    /** Records what the listener sees; asks for one message at a time, as a stub's flow control does. */
    private static final class Recorder extends ClientCall.Listener<String> {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<String, String> call;
        boolean throwOnMessage;

        @Override
        public void onHeaders(Metadata headers) {
            events.add("headers as " + USER.get());
        }

        @Override
        public void onMessage(String message) {
            events.add(message + " as " + USER.get());
            if (throwOnMessage) {
                throw new IllegalStateException("listener failure for the test");
            }
            call.request(1);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            events.add("close " + status.getCode() + " as " + USER.get());
            closed.complete(status);
        }
    }

    private Recorder chat(boolean throwOnMessage, String... messages) throws Exception {
        Recorder r = new Recorder();
        r.throwOnMessage = throwOnMessage;
        Context.current().withValue(USER, "jason").run(() -> {
            r.call = channel.newCall(REVIEWS_CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
            r.call.start(r, new Metadata());
            r.call.request(1);
            for (String m : messages) {
                r.call.sendMessage(m);
            }
        });
        return r;
    }

    @ParameterizedTest(name = "direct executor: {0}")
    @ValueSource(booleans = {true, false})
    void aStreamReachesTheListenerInOrderInTheCallersContext(boolean direct) throws Exception {
        channel(direct);
        for (int round = 0; round < 5; round++) {
            Recorder r = chat(false, "a", "b", "c");
            r.call.halfClose();
            assertThat(r.closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
            assertThat(r.events).containsExactly("headers as jason", "v1:a as jason", "v1:b as jason",
                    "v1:c as jason", "close OK as jason");
        }
    }

    @ParameterizedTest(name = "direct executor: {0}")
    @ValueSource(booleans = {true, false})
    void aListenerThatThrowsCancelsItsCall(boolean direct) throws Exception {
        channel(direct);
        Recorder r = chat(true, "a", "b");
        Status status = r.closed.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(status.getDescription()).isEqualTo("mesh: call listener failed");
        assertThat(status.getCause()).hasMessage("listener failure for the test");
        assertThat(r.events).containsExactly("headers as jason", "v1:a as jason", "close CANCELLED as jason");
    }
}
