package io.proxyless.mesh.micrometer;

import static io.proxyless.mesh.micrometer.Configs.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.runtime.Mesh;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gRPC calls through the mesh get the same metrics as HTTP ones, with gRPC's status and stream message counts. */
class GrpcMetricsTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    private static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> GET = method("pkg.Reviews/Get",
            MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> CHAT = method("pkg.Reviews/Chat",
            MethodDescriptor.MethodType.BIDI_STREAMING);

    @TempDir
    Path dir;

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(name)
                .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    /** Get answers "v1" (or NOT_FOUND for "missing"); Chat echoes each message. */
    private static Server backend() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("pkg.Reviews")
                .addMethod(GET, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    if (req.equals("missing")) {
                        out.onError(Status.NOT_FOUND.withDescription("no such review").asRuntimeException());
                        return;
                    }
                    out.onNext("v1");
                    out.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String m) {
                        out.onNext("v1:" + m);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(service).build()
                .start();
    }

    @Test
    void grpcCallsAreCountedWithProtocolStatusAndStreamMessages() throws Exception {
        Server server = backend();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        try (Mesh mesh = Configs.mesh(dir, serviceEntry("reviews", "GRPC",
                "{address: 127.0.0.1, ports: {web: " + port + "}, labels: {app: reviews, version: v1}}"));
             MeshMetrics metrics = MeshMetrics.builder().environment(Configs.POD::get).bindTo(mesh, registry)) {
            ManagedChannel channel = MeshGrpc.channelBuilder(mesh, "reviews:9080").usePlaintext().build();
            try {
                assertThat(ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "1")).isEqualTo("v1");
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "missing"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
                java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
                StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                        channel.newCall(CHAT, CallOptions.DEFAULT), new StreamObserver<String>() {
                            private int received;

                            @Override
                            public void onNext(String answer) {
                                received++;
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                done.complete(received);
                            }
                        });
                for (String m : List.of("a", "b", "c")) {
                    requests.onNext(m);
                }
                requests.onCompleted();
                assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            // The stream's end is reported when gRPC closes the call, which may follow the last message.
            Configs.await("three calls recorded", () -> Scrape.parse(registry.scrape())
                    .sum("istio_requests_total", Map.of()) == 3);
            Scrape scrape = Scrape.parse(registry.scrape());
            Map<String, String> grpc = Map.of("request_protocol", "grpc", "destination_service", REVIEWS,
                    "destination_version", "v1");
            assertThat(scrape.sum("istio_requests_total", with(grpc, "grpc_response_status", "0"))).isEqualTo(2);
            assertThat(scrape.sum("istio_requests_total", with(grpc, "response_code", "200"))).isEqualTo(2);
            assertThat(scrape.sum("istio_requests_total", with(grpc, "grpc_response_status", "5"))).isEqualTo(1);
            assertThat(scrape.find("istio_requests_total", Map.of()))
                    .allSatisfy(s -> assertThat(s.labels().keySet())
                            .containsExactlyInAnyOrderElementsOf(MeshMetrics.LABELS));
            // Messages: 1 + 1 for the unary success, 1 + 0 for NOT_FOUND, 3 + 3 for the stream.
            assertThat(scrape.type("istio_request_messages_total")).isEqualTo("counter");
            assertThat(scrape.sum("istio_request_messages_total", grpc)).isEqualTo(5);
            assertThat(scrape.sum("istio_response_messages_total", grpc)).isEqualTo(4);
            assertThat(scrape.sum("istio_request_messages_total", with(grpc, "grpc_response_status", "5")))
                    .isEqualTo(1);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(base);
        m.put(key, value);
        return m;
    }
}
