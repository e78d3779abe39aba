package io.proxyless.mesh.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A real gRPC server on 127.0.0.1 (grpc-netty-shaded) that answers with its own name, for telling where calls
 * went. Methods use a plain String marshaller, so no protobuf code generation is needed:
 * <ul>
 *   <li>{@code pkg.Reviews/Get}, {@code pkg.Ratings/Get}, {@code pkg.Details/Get}: unary, answer the name;</li>
 *   <li>{@code pkg.Reviews/Chat}: bidi stream, answers {@code name:message} to each message.</li>
 * </ul>
 * It records every request message, the request metadata and the authority, and can be told to fail or stall.
 */
final class Backend implements AutoCloseable {
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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

    static final MethodDescriptor<String, String> REVIEWS_GET = unary("pkg.Reviews/Get");
    static final MethodDescriptor<String, String> RATINGS_GET = unary("pkg.Ratings/Get");
    static final MethodDescriptor<String, String> DETAILS_GET = unary("pkg.Details/Get");
    static final MethodDescriptor<String, String> REVIEWS_CHAT = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("pkg.Reviews/Chat")
            .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();

    final String name;
    final List<String> messages = new CopyOnWriteArrayList<>();
    final List<Metadata> headers = new CopyOnWriteArrayList<>();
    final List<String> authorities = new CopyOnWriteArrayList<>();
    final List<String> methods = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    /** Subject of the client certificate of each call (TLS backends with client auth), else "none". */
    final List<String> clientCertificates = new CopyOnWriteArrayList<>();
    /** Whether each call came over TLS. */
    final List<Boolean> tls = new CopyOnWriteArrayList<>();
    volatile Status failWith;
    volatile long delayMillis;
    private final Server server;

    private Backend(String name, SslContext sslContext) throws IOException {
        this.name = name;
        ServerServiceDefinition reviews = ServerServiceDefinition.builder("pkg.Reviews")
                .addMethod(REVIEWS_GET, ServerCalls.asyncUnaryCall(this::answer))
                .addMethod(REVIEWS_CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
                .build();
        ServerServiceDefinition ratings = ServerServiceDefinition.builder("pkg.Ratings")
                .addMethod(RATINGS_GET, ServerCalls.asyncUnaryCall(this::answer)).build();
        ServerServiceDefinition details = ServerServiceDefinition.builder("pkg.Details")
                .addMethod(DETAILS_GET, ServerCalls.asyncUnaryCall(this::answer)).build();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata h,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                tls.add(session != null);
                clientCertificates.add(peerSubject(session));
                headers.add(h);
                authorities.add(String.valueOf(call.getAuthority()));
                methods.add(call.getMethodDescriptor().getFullMethodName());
                calls.incrementAndGet();
                return next.startCall(call, h);
            }
        };
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.server = builder
                .addService(ServerInterceptors.intercept(reviews, recorder))
                .addService(ServerInterceptors.intercept(ratings, recorder))
                .addService(ServerInterceptors.intercept(details, recorder))
                .build().start();
    }

    static Backend start(String name) {
        try {
            return new Backend(name, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A TLS backend presenting {@code certificate}/{@code key} (PEM files); with {@code clientCa} it requires a
     * client certificate issued by that CA.
     */
    static Backend startTls(String name, Path certificate, Path key, Path clientCa) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(certificate.toFile(), key.toFile());
            if (clientCa != null) {
                b.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return new Backend(name, GrpcSslContexts.configure(b, SslProvider.JDK).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String peerSubject(SSLSession session) {
        if (session == null) {
            return "none";
        }
        try {
            Certificate[] peer = session.getPeerCertificates();
            return ((X509Certificate) peer[0]).getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return "none";
        }
    }

    static MethodDescriptor<String, String> unary(String fullName) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName).setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    int port() {
        return server.getPort();
    }

    private void answer(String request, StreamObserver<String> response) {
        messages.add(request);
        pause();
        Status fail = failWith;
        if (fail != null) {
            response.onError(fail.asRuntimeException());
            return;
        }
        response.onNext(name);
        response.onCompleted();
        completed.incrementAndGet();
    }

    private StreamObserver<String> chat(StreamObserver<String> response) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                messages.add(value);
                Status fail = failWith;
                if (fail != null) {
                    response.onError(fail.asRuntimeException());
                    return;
                }
                response.onNext(name + ":" + value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                response.onCompleted();
                completed.incrementAndGet();
            }
        };
    }

    private void pause() {
        long d = delayMillis;
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + "@" + port();
    }
}
