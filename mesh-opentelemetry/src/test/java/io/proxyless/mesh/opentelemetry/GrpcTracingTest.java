package io.proxyless.mesh.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gRPC calls through a traced mesh: RPC span names and attributes, trace context and request id in metadata. */
class GrpcTracingTest {
    private static final Metadata.Key<String> TRACEPARENT =
            Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> B3_SPAN_ID =
            Metadata.Key.of("x-b3-spanid", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
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
    private static final MethodDescriptor<String, String> GET = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("pkg.Reviews/Get")
            .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();

    @TempDir
    Path dir;

    @Test
    void aRetriedRpcHasAnAttemptSpanPerTryAndEachTrysMetadataCarriesItsContext() throws Exception {
        ConcurrentLinkedQueue<Metadata> seen = new ConcurrentLinkedQueue<>();
        AtomicInteger calls = new AtomicInteger();
        ServerServiceDefinition service = ServerServiceDefinition.builder("pkg.Reviews")
                .addMethod(GET, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    if (calls.incrementAndGet() == 1 || req.equals("missing")) {
                        out.onError((req.equals("missing") ? Status.NOT_FOUND : Status.UNAVAILABLE)
                                .asRuntimeException());
                        return;
                    }
                    out.onNext("v1");
                    out.onCompleted();
                }))
                .build();
        ServerInterceptor recordMetadata = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                seen.add(headers);
                return next.startCall(call, headers);
            }
        };
        Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(service, recordMetadata)).build().start();
        int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        try (Tracing tracing = new Tracing();
             Mesh mesh = MeshYaml.mesh(dir, """
                     apiVersion: networking.istio.io/v1
                     kind: ServiceEntry
                     metadata: {name: reviews}
                     spec:
                       hosts: [reviews.default.svc.cluster.local]
                       location: MESH_INTERNAL
                       resolution: STATIC
                       ports: [{number: 9080, name: grpc, protocol: GRPC}]
                       endpoints:
                       - {address: 127.0.0.1, ports: {grpc: %d}, labels: {version: v1}}
                     """.formatted(port), MeshYaml.virtualService("reviews", """
                             - route: [{destination: {host: reviews}}]
                               retries: {attempts: 2, retryOn: unavailable}
                             """));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel)) {
            ManagedChannel channel = MeshGrpc.channelBuilder(mesh, "reviews:9080").usePlaintext().build();
            try {
                assertThat(ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "1")).isEqualTo("v1");

                Tracing.Tree tree = tracing.call();
                SpanData call = tree.call();
                assertThat(call.getName()).isEqualTo("pkg.Reviews/Get");
                assertThat(call.getAttributes().asMap()).containsEntry(MeshAttributes.RPC_SYSTEM, "grpc")
                        .containsEntry(MeshAttributes.RPC_SERVICE, "pkg.Reviews")
                        .containsEntry(MeshAttributes.RPC_METHOD, "Get")
                        .containsEntry(MeshAttributes.RPC_GRPC_STATUS_CODE, 0L)
                        .containsEntry(MeshAttributes.RETRY_COUNT, 1L)
                        .containsEntry(MeshAttributes.SERVER_ADDRESS, "reviews");
                assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
                assertThat(tree.attempts()).hasSize(2);
                assertThat(tree.attempts().get(0).getAttributes().get(MeshAttributes.ERROR_TYPE))
                        .isEqualTo("UNAVAILABLE");

                List<Metadata> metadata = List.copyOf(seen);
                assertThat(metadata).hasSize(2);
                for (int i = 0; i < 2; i++) {
                    SpanData attempt = tree.attempts().get(i);
                    assertThat(metadata.get(i).get(TRACEPARENT)).isEqualTo(Tracing.traceparent(attempt));
                    assertThat(metadata.get(i).get(B3_SPAN_ID)).isEqualTo(attempt.getSpanId());
                }
                assertThat(metadata.get(0).get(REQUEST_ID)).matches(Tracing.UUID)
                        .isEqualTo(metadata.get(1).get(REQUEST_ID));

                tracing.exporter.reset();
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "missing"))
                        .isInstanceOf(StatusRuntimeException.class);
                SpanData failed = tracing.call().call();
                assertThat(failed.getAttributes().asMap())
                        .containsEntry(MeshAttributes.RPC_GRPC_STATUS_CODE, (long) Status.Code.NOT_FOUND.value())
                        .containsEntry(MeshAttributes.ERROR_TYPE, Integer.toString(Status.Code.NOT_FOUND.value()));
                assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
