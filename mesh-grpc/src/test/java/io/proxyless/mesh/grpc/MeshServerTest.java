package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.RATINGS_GET;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.await;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.MeshFixture.write;
import static io.proxyless.mesh.grpc.Workloads.spiffe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh gRPC server ({@link MeshGrpc#serverBuilder}) end to end on 127.0.0.1 with real certificates: the workload
 * {@code default/reviews} (labels {@code app: reviews}) serves {@code pkg.Reviews/Get} and {@code pkg.Ratings/Get},
 * both answering the caller's identity from {@link MeshGrpc#PEER_IDENTITY} (or {@code plaintext}). Callers are
 * mesh clients with ISTIO_MUTUAL and their own workload certificates ({@code sa/sleep}, {@code sa/other}), a plain
 * text grpc-java channel and a grpc-java channel with a certificate from another CA.
 */
class MeshServerTest {
    @TempDir
    Path dir;

    private Workloads workloads;
    private Path serverConfig;
    private Mesh serverMesh;
    private Server server;
    private ReviewsCallers callers;

    @BeforeEach
    void setUp() throws IOException {
        workloads = new Workloads(dir.resolve("certs"), "mesh root");
        callers = new ReviewsCallers(dir, workloads);
        serverConfig = Files.createDirectories(dir.resolve("reviews-config"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        callers.close();
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (serverMesh != null) {
            serverMesh.close();
        }
    }

    // ---- the server

    /** Starts reviews with {@code documents} as its config (watched, so tests can edit it). */
    private int start(String... documents) throws IOException {
        write(serverConfig, documents.length == 0 ? new String[] {"# no policies\n"} : documents);
        serverMesh = Mesh.builder().configPaths(serverConfig).namespace("default")
                .sourceLabels(Map.of("app", "reviews")).istioCertificates(workloads.certificates("default", "reviews"))
                .watch(true).build();
        server = MeshGrpc.serverBuilder(serverMesh, 0)
                .addService(service("pkg.Reviews", REVIEWS_GET))
                .addService(service("pkg.Ratings", RATINGS_GET))
                .build().start();
        return server.getPort();
    }

    private static ServerServiceDefinition service(String name, MethodDescriptor<String, String> method) {
        return ServerServiceDefinition.builder(name)
                .addMethod(method, ServerCalls.asyncUnaryCall(MeshServerTest::whoCalled)).build();
    }

    private static void whoCalled(String request, StreamObserver<String> response) {
        String caller = MeshGrpc.PEER_IDENTITY.get();
        response.onNext(caller == null ? "plaintext" : caller);
        response.onCompleted();
    }

    /** Rewrites the server's config and waits until the server's mesh has compiled it. */
    private void edit(String... documents) {
        CompiledMesh before = serverMesh.snapshot();
        write(serverConfig, documents);
        await("the edited config in force", () -> serverMesh.snapshot() != before);
    }

    // ---- the callers

    /** grpc-java with its own TLS and a client certificate for {@code default/sleep} issued by another root. */
    private ManagedChannel otherCa(int port) throws SSLException {
        TestPki.Issued foreign = new Workloads(dir.resolve("other-certs"), "another root").leaf("default", "sleep");
        SslContext tls = GrpcSslContexts.forClient()
                .keyManager(foreign.keyPair().getPrivate(), foreign.certificate())
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        return callers.track(NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls).build());
    }

    private static void assertDenied(ManagedChannel channel, MethodDescriptor<String, String> method) {
        Status status = failure(channel, method);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo("RBAC: access denied");
    }

    // ---- config

    private static String peerAuthentication(String mode) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: default}
                spec:
                  mtls: {mode: %s}
                """.formatted(mode);
    }

    private static String authorizationPolicy(String name, String action, String rules) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: default}
                spec:
                  action: %s
                  rules:
                """.formatted(name, action) + rules.indent(2);
    }

    private static final String ALL = "- {}\n";
    private static final String FROM_SLEEP = "- from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]\n";

    // ---- PeerAuthentication

    @Test
    void strictAcceptsMeshClientsAndRefusesPlainTextAndAnotherCa() throws Exception {
        int port = start(peerAuthentication("STRICT"));
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(failure(callers.plainText(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failure(otherCa(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void permissiveAcceptsMutualTlsAndPlainTextOnOnePort() throws Exception {
        int port = start(peerAuthentication("PERMISSIVE"));
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(call(callers.plainText(port), REVIEWS_GET, "x")).isEqualTo("plaintext");
        assertThat(failure(otherCa(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void withoutPeerAuthenticationTheModeIsPermissive() throws Exception {
        int port = start();
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(call(callers.plainText(port), REVIEWS_GET, "x")).isEqualTo("plaintext");
    }

    @Test
    void disableAcceptsPlainTextOnly() throws Exception {
        int port = start(peerAuthentication("DISABLE"));
        assertThat(call(callers.plainText(port), REVIEWS_GET, "x")).isEqualTo("plaintext");
        assertThat(failure(callers.meshClient(port, "sleep"), REVIEWS_GET).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void switchingToStrictRefusesTheNextCallOnAnOpenPlainTextConnection() throws Exception {
        int port = start(peerAuthentication("PERMISSIVE"));
        ManagedChannel plain = callers.plainText(port);
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(call(plain, REVIEWS_GET, "x")).isEqualTo("plaintext");

        edit(peerAuthentication("STRICT"));
        Status refused = failure(plain, REVIEWS_GET);
        assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refused.getDescription()).contains("STRICT");
        assertThat(failure(callers.plainText(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
    }

    @Test
    void aRotatedServerCertificateIsPresentedOnNewConnections() throws Exception {
        int port = start(peerAuthentication("STRICT"));
        Path serverCerts = dir.resolve("certs").resolve("default-reviews");
        List<String> presented = new CopyOnWriteArrayList<>();
        TestPki.Issued sleep = workloads.leaf("default", "sleep");
        assertThat(call(recordingClient(port, sleep, presented), REVIEWS_GET, "x"))
                .isEqualTo(spiffe("default", "sleep"));
        assertThat(presented).containsExactly("CN=reviews");

        workloads.install(serverCerts, TestPki.leaf(workloads.root(), "reviews-rotated",
                List.of("URI:" + spiffe("default", "reviews"))));
        // A new client context each time: a resumed TLS session would skip the server's certificate.
        await("a new connection to present the rotated certificate", () -> {
            ManagedChannel fresh = recordingClient(port, sleep, presented);
            assertThat(call(fresh, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
            fresh.shutdownNow();
            return presented.get(presented.size() - 1).equals("CN=reviews-rotated");
        });
    }

    private ManagedChannel recordingClient(int port, TestPki.Issued client, List<String> presented) {
        try {
            SslContext tls = GrpcSslContexts.forClient()
                    .keyManager(client.keyPair().getPrivate(), client.certificate())
                    .trustManager(new RecordingTrustManager(presented)).build();
            return callers.track(NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls).build());
        } catch (SSLException e) {
            throw new AssertionError(e);
        }
    }

    /** Accepts any server certificate and records its subject (the server's identity is not what is tested). */
    private static final class RecordingTrustManager extends X509ExtendedTrustManager {
        private final List<String> subjects;

        RecordingTrustManager(List<String> subjects) {
            this.subjects = subjects;
        }

        private void record(X509Certificate[] chain) {
            subjects.add(chain[0].getSubjectX500Principal().getName());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType,
                                       Socket socket) {
            record(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType,
                                       SSLEngine engine) {
            record(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            record(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType,
                                       Socket socket) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType,
                                       SSLEngine engine) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Test
    void theBuildersTransportSecurityCannotBeReplaced() throws Exception {
        start(peerAuthentication("STRICT"));
        Path certs = dir.resolve("certs").resolve("default-reviews");
        assertThatThrownBy(() -> MeshGrpc.serverBuilder(serverMesh, 0)
                .useTransportSecurity(certs.resolve("cert-chain.pem").toFile(), certs.resolve("key.pem").toFile()))
                .isInstanceOf(IllegalStateException.class);
    }

    // ---- AuthorizationPolicy

    @Test
    void namespaceWideAllowWithAPrincipalListAdmitsSleepAndRefusesOther() throws Exception {
        int port = start(authorizationPolicy("allow-sleep", "ALLOW", FROM_SLEEP));
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(callers.meshClient(port, "other"), REVIEWS_GET);
        assertDenied(callers.plainText(port), REVIEWS_GET);
    }

    @Test
    void denyBeatsAllow() throws Exception {
        int port = start(authorizationPolicy("allow-all", "ALLOW", ALL),
                authorizationPolicy("deny-sleep-reviews", "DENY", """
                        - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                          to: [{operation: {paths: [/pkg.Reviews/Get]}}]
                        """));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertDenied(sleep, REVIEWS_GET);
        assertThat(call(sleep, RATINGS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(call(callers.meshClient(port, "other"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "other"));
    }

    @Test
    void pathsMatchAsIstiosExactPrefixAndSuffix() throws Exception {
        int port = start(authorizationPolicy("reviews-only", "ALLOW",
                "- to: [{operation: {paths: [/pkg.Reviews/*]}}]\n"));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(sleep, RATINGS_GET);

        edit(authorizationPolicy("gets", "ALLOW",
                "- to: [{operation: {paths: ['*/Get'], notPaths: [/pkg.Reviews/Get]}}]\n"));
        assertThat(call(sleep, RATINGS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(sleep, REVIEWS_GET);

        edit(authorizationPolicy("exact", "ALLOW", "- to: [{operation: {paths: [/pkg.Ratings/Get]}}]\n"));
        assertThat(call(sleep, RATINGS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(sleep, REVIEWS_GET);
    }

    @Test
    void aGrpcCallIsAPost() throws Exception {
        int port = start(authorizationPolicy("post", "ALLOW", "- to: [{operation: {methods: [POST]}}]\n"));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));

        edit(authorizationPolicy("get", "ALLOW", "- to: [{operation: {methods: [GET]}}]\n"));
        assertDenied(sleep, REVIEWS_GET);
    }

    @Test
    void aPolicyChangeAppliesToTheNextCallOnTheSameConnection() throws Exception {
        int port = start(authorizationPolicy("allow-all", "ALLOW", ALL));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));

        edit(authorizationPolicy("allow-all", "ALLOW", ALL),
                authorizationPolicy("deny-sleep", "DENY", FROM_SLEEP));
        assertDenied(sleep, REVIEWS_GET);
    }

    @Test
    void anInvalidEditKeepsTheLastGoodPolicy() throws Exception {
        int port = start(authorizationPolicy("allow-sleep", "ALLOW", FROM_SLEEP));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        ManagedChannel other = callers.meshClient(port, "other");
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));

        write(serverConfig, authorizationPolicy("allow-sleep", "ALLOW",
                "- from: [{source: {principals: [cluster.local/ns/default/sa/sleep], nmespaces: [default]}}]\n"));
        await("the invalid edit to be rejected", () -> !serverMesh.source().lastProblems().isEmpty());
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(other, REVIEWS_GET);
    }
}
