package io.proxyless.mesh.examples;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.runtime.Mesh;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Bookinfo's details service as a gRPC server (grpc-netty-shaded) with one unary method,
 * {@code bookinfo.Details/Get}. The messages are UTF-8 strings, so a hand-written {@link MethodDescriptor} with
 * a string marshaller replaces generated protobuf code. The server is the mesh's own,
 * {@link MeshGrpc#serverBuilder}: its port takes mutual TLS and plain text as the details workload's
 * PeerAuthentication says, and each call is checked against its AuthorizationPolicies
 * ({@code PERMISSION_DENIED}, {@code RBAC: access denied}). It records each call that got through.
 */
final class DetailsServer implements AutoCloseable {
    /** Strings as UTF-8 bytes. */
    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
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

    /** {@code bookinfo.Details/Get}: product id in, details out. */
    static final MethodDescriptor<String, String> GET = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bookinfo.Details/Get")
            .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();

    /** A call as the server received it; peer the caller's verified SPIFFE id, null for plain text. */
    record Received(String method, String authority, String endUser, String peer) {
        /** The mesh's TLS is always mutual: a peer identity means mTLS. */
        boolean mutualTls() {
            return peer != null;
        }
    }

    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    /** Serves details on an ephemeral port with {@code mesh}, the details workload's mesh. */
    DetailsServer(Mesh mesh) {
        ServerServiceDefinition service = ServerServiceDefinition.builder("bookinfo.Details")
                .addMethod(GET, ServerCalls.asyncUnaryCall(DetailsServer::get)).build();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                // Runs after the mesh's authorization: the call was allowed, and its caller is known.
                received.add(new Received(call.getMethodDescriptor().getFullMethodName(), call.getAuthority(),
                        headers.get(END_USER), MeshGrpc.PEER_IDENTITY.get()));
                return next.startCall(call, headers);
            }
        };
        try {
            server = MeshGrpc.serverBuilder(mesh, 0).addService(ServerInterceptors.intercept(service, recorder))
                    .build().start();
            // Its port is known now: a mesh configured from xDS asks for the port's inbound listener.
            mesh.serveInbound(server.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void get(String productId, StreamObserver<String> response) {
        response.onNext("product " + productId + ": paperback, 200 pages, English, ISBN-10 1234567890 (details v1)");
        response.onCompleted();
    }

    int port() {
        return server.getPort();
    }

    List<Received> received() {
        return new ArrayList<>(received);
    }

    void reset() {
        received.clear();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
