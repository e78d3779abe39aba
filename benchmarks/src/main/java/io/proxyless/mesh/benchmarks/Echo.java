package io.proxyless.mesh.benchmarks;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * The gRPC service of the benchmarks, {@code bench.Echo}, with a byte-array marshaller (no code generation):
 * {@code Unary} answers each request with a {@value #RESPONSE_BYTES}-byte message, {@code Stream} (bidi) answers
 * every message with one.
 */
final class Echo {
    static final int REQUEST_BYTES = 100;
    static final int RESPONSE_BYTES = 128;

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bench.Echo/Unary")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("bench.Echo/Stream")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private static final byte[] RESPONSE = new byte[RESPONSE_BYTES];

    private Echo() {
    }

    /** A server with the echo service on {@code ports} ephemeral ports of 127.0.0.1. */
    static Server server(int ports) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(RESPONSE);
                    out.onCompleted();
                }))
                .addMethod(STREAM, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        out.onNext(RESPONSE);
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
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        for (int i = 1; i < ports; i++) {
            b.addListenAddress(new InetSocketAddress("127.0.0.1", 0));
        }
        // The handlers do no blocking work: run them on the transport threads, no hand-off.
        return b.directExecutor().addService(service).build().start();
    }
}
