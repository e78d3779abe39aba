package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.RATINGS_GET;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.await;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.Workloads.spiffe;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.xds.IstiodInbound;
import io.proxyless.mesh.xds.XdsBootstrap;
import io.proxyless.mesh.xds.XdsConfigSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh gRPC server whose mesh takes its config from xDS: its port's policy is the inbound listener a real
 * in-process control plane sends in istiod's shape ({@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT}, filter
 * chains for mTLS, the RBAC filters). Real certificates with SPIFFE ids; callers are mesh clients with
 * ISTIO_MUTUAL ({@code sa/sleep}, {@code sa/other}) and a plain-text grpc-java channel.
 */
class MeshXdsServerTest {
    private static final RBAC ALLOW_SLEEP = IstiodInbound.rbac(RBAC.Action.ALLOW,
            Map.of("default-allow-sleep-0", IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep")));

    @TempDir
    Path dir;

    private Workloads workloads;
    private XdsControlPlane controlPlane;
    private XdsConfigSource source;
    private Mesh serverMesh;
    private Server server;
    private int port;
    private ReviewsCallers callers;

    @BeforeEach
    void setUp() throws IOException {
        workloads = new Workloads(dir.resolve("certs"), "mesh root");
        callers = new ReviewsCallers(dir, workloads);
        controlPlane = new XdsControlPlane();
        controlPlane.serveInbound(List.of());
        source = XdsConfigSource.connect(XdsBootstrap.parse(controlPlane.serverBootstrapJson(IstiodInbound.TEMPLATE),
                "test"), "default");
        serverMesh = Mesh.builder().configSource(source).namespace("default")
                .istioCertificates(workloads.certificates("default", "reviews")).build();
        server = MeshGrpc.serverBuilder(serverMesh, 0)
                .addService(service("pkg.Reviews", REVIEWS_GET))
                .addService(service("pkg.Ratings", RATINGS_GET))
                .build().start();
        port = server.getPort();
        // Started on port 0: tell the mesh the port now rather than at the first connection.
        serverMesh.serveInbound(port);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        callers.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        serverMesh.close();
        source.close();
        controlPlane.close();
    }

    private static ServerServiceDefinition service(String name, MethodDescriptor<String, String> method) {
        return ServerServiceDefinition.builder(name)
                .addMethod(method, ServerCalls.asyncUnaryCall(MeshXdsServerTest::whoCalled)).build();
    }

    private static void whoCalled(String request, StreamObserver<String> response) {
        String caller = MeshGrpc.PEER_IDENTITY.get();
        response.onNext(caller == null ? "plaintext" : caller);
        response.onCompleted();
    }

    /** Sends {@code listener} as the server's inbound listener and waits until the server's mesh has it. */
    private void serve(Listener listener) {
        var before = serverMesh.inbound();
        controlPlane.serveInbound(List.of(listener));
        await("the inbound listener in force", () -> serverMesh.inbound() != before
                && serverMesh.inbound().mtls().decidedBy().contains(IstiodInbound.name(port)));
    }

    private static void assertDenied(ManagedChannel channel, MethodDescriptor<String, String> method) {
        Status status = failure(channel, method);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo("RBAC: access denied");
    }

    @Test
    void beforeTheListenerArrivesCallsAreRefused() throws Exception {
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(serverMesh.inbound().mtlsMode(port)).isEqualTo(MtlsMode.STRICT);
        assertDenied(sleep, REVIEWS_GET);
        assertThat(failure(callers.plainText(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        serve(IstiodInbound.permissive(port, null, null));
        assertThat(call(sleep, REVIEWS_GET, "x")).as("the next call on the same connection")
                .isEqualTo(spiffe("default", "sleep"));
    }

    @Test
    void strictRefusesPlainText() throws Exception {
        serve(IstiodInbound.strict(port, null, null));
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(failure(callers.plainText(port), REVIEWS_GET).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void permissiveAcceptsMutualTlsAndPlainText() throws Exception {
        serve(IstiodInbound.permissive(port, null, null));
        assertThat(serverMesh.inbound().mtlsMode(port)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertThat(call(callers.plainText(port), REVIEWS_GET, "x")).isEqualTo("plaintext");
    }

    @Test
    void aPrincipalListAdmitsSleepAndRefusesOther() throws Exception {
        serve(IstiodInbound.strict(port, null, ALLOW_SLEEP));
        assertThat(call(callers.meshClient(port, "sleep"), REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(callers.meshClient(port, "other"), REVIEWS_GET);
    }

    @Test
    void denyBeatsAllowAndAnUpdateAppliesToTheNextCall() throws Exception {
        RBAC denyRatings = IstiodInbound.rbac(RBAC.Action.DENY,
                Map.of("default-no-ratings-0", IstiodInbound.toPaths("/pkg.Ratings/Get")));
        serve(IstiodInbound.strict(port, denyRatings, ALLOW_SLEEP));
        ManagedChannel sleep = callers.meshClient(port, "sleep");
        assertThat(call(sleep, REVIEWS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
        assertDenied(sleep, RATINGS_GET);

        serve(IstiodInbound.strict(port, null, ALLOW_SLEEP));
        assertThat(call(sleep, RATINGS_GET, "x")).isEqualTo(spiffe("default", "sleep"));
    }

    @Test
    void anUnsupportedMatcherFailsClosed() throws Exception {
        Policy jwt = Policy.newBuilder()
                .addPermissions(io.envoyproxy.envoy.config.rbac.v3.Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setMetadata(MetadataMatcher.newBuilder()
                        .setFilter("istio_authn")))
                .build();
        serve(IstiodInbound.strict(port, null, IstiodInbound.rbac(RBAC.Action.ALLOW,
                Map.of("default-jwt-0", jwt))));
        assertDenied(callers.meshClient(port, "sleep"), REVIEWS_GET);
        assertThat(serverMesh.inbound().warnings()).anySatisfy(w -> assertThat(w).contains("default-jwt-0")
                .contains("fail closed"));
    }

    @Test
    void theNextListenerVersionKeepsServingOnAnOpenConnection() throws Exception {
        serve(IstiodInbound.permissive(port, null, null));
        ManagedChannel plain = callers.plainText(port);
        assertThat(call(plain, REVIEWS_GET, "x")).isEqualTo("plaintext");
        serve(IstiodInbound.strict(port, null, null));
        Status refused = failure(plain, REVIEWS_GET);
        assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
}
