package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.MeshFixture.write;
import static io.proxyless.mesh.grpc.Workloads.spiffe;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.internal.JsonParser;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java's own xDS client (grpc-xds, the reference peer) calling a mesh server ({@link MeshGrpc#serverBuilder})
 * with mutual TLS as Istio sets it up for a proxyless gRPC workload: the client's bootstrap has the certificate
 * provider {@code default} (grpc-java's {@code file_watcher} over Istio's certificate files), the xDS server sends
 * the cluster with an {@code UpstreamTlsContext} naming it and the server's SPIFFE id, and the client uses
 * {@link XdsChannelCredentials}. The server's port is STRICT and an AuthorizationPolicy denies calls that carry
 * {@code x-blocked: yes}.
 */
class GrpcXdsClientInteropTest {
    private static final String TARGET = XdsControlPlane.HOST + ":" + XdsControlPlane.PORT;
    private static final String STRICT = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: default}
            spec: {mtls: {mode: STRICT}}
            """;
    private static final String DENY_BLOCKED = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-blocked, namespace: default}
            spec:
              action: DENY
              rules: [{when: [{key: "request.headers[x-blocked]", values: ["yes"]}]}]
            """;

    @TempDir
    Path dir;

    @Test
    void aGrpcXdsClientWithIstioMutualIsAdmittedOnAStrictPortAndDeniedByAnAuthorizationPolicy() throws Exception {
        Workloads workloads = new Workloads(dir.resolve("certs"), "mesh root");
        Path config = Files.createDirectories(dir.resolve("config"));
        write(config, STRICT, DENY_BLOCKED);
        Path clientCertificates = workloads.certificates("default", "productpage");
        Server server = null;
        ManagedChannel channel = null;
        // grpc-xds keeps its default bootstrap for the JVM: a resolver of its own scheme with this bootstrap
        XdsNameResolverProvider resolver;
        try (XdsControlPlane cp = new XdsControlPlane();
             Mesh mesh = Mesh.builder().configPaths(config).namespace("default")
                     .sourceLabels(Map.of("app", "reviews"))
                     .istioCertificates(workloads.certificates("default", "reviews")).watch(false).build()) {
            server = MeshGrpc.serverBuilder(mesh, 0)
                    .addService(ServerServiceDefinition.builder("pkg.Reviews").addMethod(REVIEWS_GET,
                            ServerCalls.asyncUnaryCall((request, response) -> {
                                response.onNext(String.valueOf(MeshGrpc.PEER_IDENTITY.get()));
                                response.onCompleted();
                            })).build())
                    .build().start();
            cp.serveIstioMutual(server.getPort(), spiffe("default", "reviews"));
            @SuppressWarnings("unchecked")
            Map<String, ?> bootstrap = (Map<String, ?>) JsonParser.parse(cp.bootstrapJson(clientCertificates));
            resolver = XdsNameResolverProvider.createForTest("xds-mtls", bootstrap);
            NameResolverRegistry.getDefaultRegistry().register(resolver);
            try {
                channel = Grpc.newChannelBuilder("xds-mtls:///" + TARGET,
                        XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();

                // The first call carries grpc-xds's cold start (its xDS resolution, clusters, certificate provider
                // and the mTLS handshake): on a busy 2-core machine that alone has taken more than the usual 10 s.
                assertThat(call(channel, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), REVIEWS_GET,
                        "hello")).as("mTLS with the client's workload certificate")
                        .isEqualTo(spiffe("default", "productpage"));
                Status denied = failure(channel, REVIEWS_GET, "x-blocked", "yes");
                assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(denied.getDescription()).isEqualTo("RBAC: access denied");
                assertThat(call(channel, REVIEWS_GET, "hello", "x-blocked", "no"))
                        .isEqualTo(spiffe("default", "productpage"));
            } finally {
                NameResolverRegistry.getDefaultRegistry().deregister(resolver);
                if (channel != null) {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
