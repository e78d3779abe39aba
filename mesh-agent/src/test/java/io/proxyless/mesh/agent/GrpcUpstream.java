package io.proxyless.mesh.agent;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server on 127.0.0.1 answering {@code pkg.Reviews/Get} with its name (a String marshaller, no
 * generated code); it records the request metadata and the authority of every call.
 */
final class GrpcUpstream implements AutoCloseable {
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
    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    final String name;
    /** The {@code end-user} header of each call ("" when absent). */
    final List<String> endUsers = new CopyOnWriteArrayList<>();
    final List<String> authorities = new CopyOnWriteArrayList<>();
    private final Server server;

    private GrpcUpstream(String name) throws IOException {
        this.name = name;
        ServerServiceDefinition service = ServerServiceDefinition.builder("pkg.Reviews")
                .addMethod(GET, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(name);
                    response.onCompleted();
                }))
                .build();
        ServerInterceptor record = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String user = headers.get(END_USER);
                endUsers.add(user == null ? "" : user);
                authorities.add(String.valueOf(call.getAuthority()));
                return next.startCall(call, headers);
            }
        };
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(service, record))
                .build()
                .start();
    }

    static GrpcUpstream start(String name) {
        try {
            return new GrpcUpstream(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getPort();
    }

    int count() {
        return endUsers.size();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
