package io.proxyless.mesh.xds;

import static io.proxyless.mesh.xds.XdsProtocolTest.awaitTrue;
import static io.proxyless.mesh.xds.XdsProtocolTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.security.InboundRequest;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The xDS source asks for the inbound listener of each port the workload serves ({@code Mesh.serveInbound}) and
 * publishes the inbound policy compiled from it, against a real in-process ADS server: closed before the listener
 * arrives, applied on arrival and on every update, the last good one kept on a NACK.
 */
class XdsInboundTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);
    private static final int PORT = 8080;
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    private static final String OTHER = "spiffe://cluster.local/ns/default/sa/other";
    private static final RBAC ALLOW_SLEEP = IstiodInbound.rbac(RBAC.Action.ALLOW,
            Map.of("default-allow-sleep-0", IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep")));

    private static XdsBootstrap bootstrap(XdsTestServer server) {
        String json = server.bootstrapJson(true, false).replaceFirst("\\{",
                "{\"server_listener_resource_name_template\": \"" + IstiodInbound.TEMPLATE + "\", ");
        return XdsBootstrap.parse(json, "test");
    }

    private static void serve(XdsTestServer server, Listener... inbound) {
        XdsFixtures.Resources r = XdsFixtures.bookinfo(true, Map.of());
        List<Listener> listeners = new ArrayList<>(r.listeners());
        listeners.addAll(List.of(inbound));
        server.set(r.clusters(), r.endpoints(), listeners, r.routes());
    }

    private static boolean allowed(Mesh mesh, int port, String principal) {
        return mesh.inbound().authorize(InboundRequest.builder().port(port).principal(principal)
                .sourceIp("127.0.0.1").method("POST").path("/reviews.Reviews/Get").host("reviews:" + port).build())
                .allowed();
    }

    @Test
    void theInboundListenerOfAServedPortDecidesAndUpdatesApplyToTheNextCall() throws Exception {
        FakeClock clock = new FakeClock();
        try (XdsTestServer server = new XdsTestServer()) {
            serve(server, IstiodInbound.strict(PORT, null, ALLOW_SLEEP));
            try (XdsConfigSource source = XdsConfigSource.builder(bootstrap(server)).clock(clock).start();
                 Mesh mesh = Mesh.builder().configSource(source).clock(clock).build()) {
                assertThat(source.awaitInitialConfig(GENEROUS)).as(source.configDump()).isTrue();
                // The wildcard outbound subscription lists the server's listener too; it routes nothing there.
                assertThat(mesh.snapshot().warnings()).noneMatch(w -> w.contains("inbound"));
                assertThat(allowed(mesh, PORT, SLEEP)).as("before the port is served").isFalse();
                assertThat(mesh.inbound().mtlsMode(PORT)).isEqualTo(MtlsMode.STRICT);

                mesh.serveInbound(PORT);
                awaitTrue(GENEROUS, () -> allowed(mesh, PORT, SLEEP));
                assertThat(allowed(mesh, PORT, OTHER)).isFalse();
                assertThat(allowed(mesh, PORT, null)).isFalse();
                assertThat(resource(source.configDump(), "LDS", IstiodInbound.name(PORT)).get("status").asText())
                        .isEqualTo("ACKED");
                assertThat(server.requests.stream().filter(r -> r.getResourceNamesList()
                        .contains(IstiodInbound.name(PORT)))).as("asked for by name").isNotEmpty();

                serve(server, IstiodInbound.permissive(PORT, null, null));
                awaitTrue(GENEROUS, () -> allowed(mesh, PORT, OTHER));
                assertThat(mesh.inbound().mtlsMode(PORT)).isEqualTo(MtlsMode.PERMISSIVE);
                assertThat(allowed(mesh, PORT, null)).isTrue();

                // An invalid update is NACKed; the last good listener stays.
                Listener invalid = IstiodInbound.listener(PORT, List.of(IstiodInbound.chain("x", false, null, null,
                        ALLOW_SLEEP).toBuilder().addFilters(io.envoyproxy.envoy.config.listener.v3.Filter
                        .newBuilder().setName("tcp")).build()));
                serve(server, invalid);
                awaitTrue(GENEROUS, () -> server.requests.stream().filter(DiscoveryRequest::hasErrorDetail)
                        .anyMatch(r -> r.getErrorDetail().getMessage().contains(IstiodInbound.name(PORT))));
                assertThat(mesh.inbound().mtlsMode(PORT)).isEqualTo(MtlsMode.PERMISSIVE);
                assertThat(allowed(mesh, PORT, OTHER)).as("last good policy").isTrue();
                assertThat(source.lastProblems()).anySatisfy(p -> assertThat(p.message())
                        .contains("filter_chains[0].filters"));
            }
        }
    }

    @Test
    void aPortWhoseListenerDoesNotExistStaysClosed() throws Exception {
        FakeClock clock = new FakeClock();
        try (XdsTestServer server = new XdsTestServer()) {
            serve(server, IstiodInbound.plaintext(PORT, null, null));
            try (XdsConfigSource source = XdsConfigSource.builder(bootstrap(server)).clock(clock).start();
                 Mesh mesh = Mesh.builder().configSource(source).clock(clock).build()) {
                assertThat(source.awaitInitialConfig(GENEROUS)).isTrue();
                mesh.serveInbound(PORT);
                awaitTrue(GENEROUS, () -> allowed(mesh, PORT, null));
                assertThat(mesh.inbound().mtlsMode(PORT)).isEqualTo(MtlsMode.DISABLE);
                // (This test server, in ADS mode, answers nothing while a requested name is missing.)
                mesh.serveInbound(9090);
                assertThat(allowed(mesh, 9090, SLEEP)).isFalse();
                awaitTrue(GENEROUS, () -> source.resources().stream()
                        .anyMatch(r -> r.name().equals(IstiodInbound.name(9090))));
                clock.advance(XdsConfigSource.DEFAULT_DOES_NOT_EXIST_TIMEOUT.plusSeconds(1));
                awaitTrue(GENEROUS, () -> mesh.inbound().warnings().stream()
                        .anyMatch(w -> w.contains(IstiodInbound.name(9090)) && w.contains("does not exist")));
                assertThat(allowed(mesh, 9090, SLEEP)).isFalse();
                assertThat(mesh.inbound().mtlsMode(9090)).isEqualTo(MtlsMode.STRICT);
                assertThat(allowed(mesh, PORT, null)).as("the other port's listener stays in force").isTrue();
            }
        }
    }

    @Test
    void aMeshBuiltBeforeTheFirstConfigRefusesCalls() throws Exception {
        try (XdsTestServer server = new XdsTestServer();
             XdsConfigSource source = XdsConfigSource.builder(bootstrap(server)).start();
             Mesh mesh = Mesh.builder().configSource(source).build()) {
            // Nothing served yet: no config has arrived, and the mesh must not take that for "no policy".
            assertThat(allowed(mesh, PORT, SLEEP)).isFalse();
            assertThat(mesh.inbound().mtlsMode(PORT)).isEqualTo(MtlsMode.STRICT);
        }
    }

    @Test
    void withoutATemplateServedPortsAreRefused() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            serve(server);
            try (XdsConfigSource source = XdsConfigSource.builder(server.bootstrap(true, false)).start();
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                assertThat(source.awaitInitialConfig(GENEROUS)).isTrue();
                mesh.serveInbound(PORT);
                awaitTrue(GENEROUS, () -> mesh.inbound().warnings().stream()
                        .anyMatch(w -> w.contains("server_listener_resource_name_template")));
                assertThat(allowed(mesh, PORT, SLEEP)).isFalse();
            }
        }
    }
}
