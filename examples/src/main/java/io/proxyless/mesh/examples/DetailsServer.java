package io.proxyless.mesh.examples;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import okhttp3.tls.HandshakeCertificates;

/**
 * Bookinfo's details service as a gRPC server (grpc-netty-shaded) with one unary method,
 * {@code bookinfo.Details/Get}. The messages are UTF-8 strings, so a hand-written {@link MethodDescriptor} with
 * a string marshaller replaces generated protobuf code. Like {@link HttpWorkload}, it sits behind an
 * {@link InboundPort} (plain text and mutual TLS) and records each call it receives.
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

    /** A call as the server received it. */
    record Received(String method, String authority, String endUser, boolean mutualTls, String clientCertificate) {
    }

    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    private final Server plain;
    private final Server tls;
    private final InboundPort inbound;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    DetailsServer(HandshakeCertificates certificates) {
        ServerServiceDefinition service = ServerServiceDefinition.builder("bookinfo.Details")
                .addMethod(GET, ServerCalls.asyncUnaryCall(DetailsServer::get)).build();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                received.add(new Received(call.getMethodDescriptor().getFullMethodName(), call.getAuthority(),
                        headers.get(END_USER), session != null, peerName(session)));
                return next.startCall(call, headers);
            }
        };
        ServerServiceDefinition recorded = ServerInterceptors.intercept(service, recorder);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try {
            plain = NettyServerBuilder.forAddress(any).addService(recorded).build().start();
            SslContextBuilder ssl = SslContextBuilder.forServer(certificates.keyManager())
                    .trustManager(certificates.trustManager()).clientAuth(ClientAuth.REQUIRE);
            tls = NettyServerBuilder.forAddress(any)
                    .sslContext(GrpcSslContexts.configure(ssl, SslProvider.JDK).build())
                    .addService(recorded).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        inbound = new InboundPort(plain.getPort(), tls.getPort());
    }

    private static void get(String productId, StreamObserver<String> response) {
        response.onNext("product " + productId + ": paperback, 200 pages, English, ISBN-10 1234567890 (details v1)");
        response.onCompleted();
    }

    private static String peerName(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            return HttpWorkload.commonName((X509Certificate) session.getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    int port() {
        return inbound.port();
    }

    InboundPort inbound() {
        return inbound;
    }

    List<Received> received() {
        return new ArrayList<>(received);
    }

    void reset() {
        received.clear();
    }

    @Override
    public void close() {
        inbound.close();
        plain.shutdownNow();
        tls.shutdownNow();
        try {
            plain.awaitTermination(2, TimeUnit.SECONDS);
            tls.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
