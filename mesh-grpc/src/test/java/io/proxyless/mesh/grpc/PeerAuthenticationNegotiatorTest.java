package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.ServerCalls;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.tls.TestPki;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transport half of a mesh server on its own, against real clients on 127.0.0.1: the port's mode decides per
 * connection between mTLS and plain text, told apart by the first bytes; the handshake exposes the peer's SPIFFE id.
 */
class PeerAuthenticationNegotiatorTest {
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";

    private static TestPki.Issued ca;
    private static TestPki.Issued serverLeaf;
    private static TestPki.Issued sleep;
    private static TestPki.Issued foreign;

    private final AtomicReference<MtlsMode> mode = new AtomicReference<>(MtlsMode.PERMISSIVE);
    private volatile boolean certificates = true;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;

    @BeforeAll
    static void issue() {
        ca = TestPki.ca("mesh root");
        serverLeaf = TestPki.leaf(ca, "reviews", List.of("URI:spiffe://cluster.local/ns/default/sa/reviews"));
        sleep = TestPki.leaf(ca, "sleep", List.of("URI:" + SLEEP));
        TestPki.Issued otherCa = TestPki.ca("another mesh root");
        foreign = TestPki.leaf(otherCa, "sleep", List.of("URI:" + SLEEP));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private int start() throws IOException {
        SslContext mtls = ServerSslContexts.mutualTls(TestPki.serverContext(serverLeaf, ca, ca));
        InboundConnections connections = new InboundConnections() {
            @Override
            public MtlsMode mode(int port) {
                return mode.get();
            }

            @Override
            public SslContext mtls() throws TlsConfigException {
                if (!certificates) {
                    throw new TlsConfigException("no workload certificates");
                }
                return mtls;
            }
        };
        // Answers who called: the identity from the handshake, or "plaintext".
        ServerInterceptor who = new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata h,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                String identity = call.getAttributes().get(TlsHandshake.PEER_IDENTITY);
                @SuppressWarnings("unchecked")
                ServerCall<String, String> c = (ServerCall<String, String>) call;
                c.sendHeaders(new Metadata());
                c.request(1);
                c.sendMessage(identity == null ? "plaintext" : identity);
                c.close(Status.OK, new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        };
        ServerServiceDefinition reviews = ServerServiceDefinition.builder("pkg.Reviews")
                .addMethod(REVIEWS_GET, ServerCalls.asyncUnaryCall((req, resp) -> {
                })).build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                        InternalNettyServerCredentials.create(new PeerAuthenticationNegotiator(connections)))
                .addService(ServerInterceptors.intercept(reviews, who)).build().start();
        return server.getPort();
    }

    private ManagedChannel plaintext(int port) {
        return track(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }

    private ManagedChannel mtls(int port, TestPki.Issued client) throws SSLException {
        SslContext context = GrpcSslContexts.forClient()
                .keyManager(client.keyPair().getPrivate(), client.certificate())
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        return track(NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(context).build());
    }

    private ManagedChannel oneWayTls(int port) throws SSLException {
        SslContext context = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        return track(NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(context).build());
    }

    private ManagedChannel track(ManagedChannel c) {
        channels.add(c);
        return c;
    }

    private static String call(ManagedChannel channel) {
        return MeshFixture.call(channel, REVIEWS_GET, "x");
    }

    private static Status.Code failure(ManagedChannel channel) {
        try {
            throw new AssertionError("expected a failure, got " + call(channel));
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void permissiveAcceptsMutualTlsAndPlainTextOnOnePort() throws Exception {
        int port = start();
        assertThat(call(mtls(port, sleep))).isEqualTo(SLEEP);
        assertThat(call(plaintext(port))).isEqualTo("plaintext");
    }

    @Test
    void strictRefusesPlainTextAndAcceptsMutualTls() throws Exception {
        mode.set(MtlsMode.STRICT);
        int port = start();
        assertThat(failure(plaintext(port))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call(mtls(port, sleep))).isEqualTo(SLEEP);
    }

    @Test
    void mutualTlsRefusesAClientOfAnotherCaAndAClientWithoutCertificate() throws Exception {
        mode.set(MtlsMode.STRICT);
        int port = start();
        assertThat(failure(mtls(port, foreign))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failure(oneWayTls(port))).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void disableRefusesTlsAndAcceptsPlainText() throws Exception {
        mode.set(MtlsMode.DISABLE);
        int port = start();
        assertThat(failure(mtls(port, sleep))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call(plaintext(port))).isEqualTo("plaintext");
    }

    @Test
    void theModeIsReadForEachNewConnection() throws Exception {
        int port = start();
        ManagedChannel open = plaintext(port);
        assertThat(call(open)).isEqualTo("plaintext");
        mode.set(MtlsMode.STRICT);
        assertThat(failure(plaintext(port))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call(mtls(port, sleep))).isEqualTo(SLEEP);
    }

    @Test
    void tlsWithoutWorkloadCertificatesClosesTheConnection() throws Exception {
        certificates = false;
        int port = start();
        assertThat(failure(mtls(port, sleep))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call(plaintext(port))).isEqualTo("plaintext");
    }

    @Test
    void plainTextThatIsNotHttp2IsClosedByGrpc() throws Exception {
        int port = start();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // gRPC answers with a GOAWAY frame and closes: reading to the end returns (or the timeout fails it).
            byte[] answer = s.getInputStream().readAllBytes();
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        }
    }
}
