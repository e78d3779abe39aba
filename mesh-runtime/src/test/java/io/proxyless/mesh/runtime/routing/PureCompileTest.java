package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.PushConfigSource;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiling a snapshot changes nothing a published snapshot uses: the health state moves to the new settings
 * only when the new snapshot is published, so a compilation that fails leaves version N with N's settings.
 */
class PureCompileTest {

    private static final String WEB = "outbound|8080||web.default.svc.cluster.local";
    private static final String SECURE = "outbound|8443||secure.default.svc.cluster.local";

    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();

    private static String web(int consecutive5xxErrors) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: web}
                spec:
                  hosts: [web.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.0.0.1}, {address: 10.0.0.2}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: web}
                spec:
                  host: web
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: %d, interval: 10s, baseEjectionTime: 30s,
                                       maxEjectionPercent: 100}
                """.formatted(consecutive5xxErrors);
    }

    /** A cluster whose TLS names a CA file that is not there: compiling it throws. */
    private static final String SECURE_WITH_MISSING_CA = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: secure}
            spec:
              hosts: [secure.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8443, name: https, protocol: HTTP}]
              endpoints: [{address: 10.0.1.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: secure}
            spec:
              host: secure
              trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /no/such/ca.pem}}
            """;

    private MeshConfig config(String yaml) throws IOException {
        Path file = dir.resolve("config-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml);
        MeshConfig config = MeshConfig.of(ConfigLoader.create().loadOrThrow(List.of(file)));
        Files.delete(file);
        return config;
    }

    private static int threshold(ClusterHealth health, String key) {
        return health.get(key).outlier().settings().consecutive5xxErrors();
    }

    @Test
    void aCompilationThatThrowsLeavesVersionNWithItsOwnHealthSettings() throws Exception {
        PushConfigSource source = new PushConfigSource(config(web(5)));
        try (Mesh mesh = Mesh.builder().configSource(source).clock(clock).build()) {
            MeshConfig n = mesh.config();
            assertThat(mesh.snapshot().version()).isEqualTo(n.version());
            assertThat(threshold(mesh.health(), WEB)).isEqualTo(5);

            // N+1 tightens web's outlier detection and adds a cluster whose certificates cannot be loaded.
            source.push(config(web(1) + SECURE_WITH_MISSING_CA));

            assertThat(mesh.config()).as("version N stays in force").isSameAs(n);
            assertThat(mesh.snapshot().version()).isEqualTo(n.version());
            assertThat(threshold(mesh.health(), WEB)).as("with N's outlier settings").isEqualTo(5);
            assertThat(mesh.health().get(SECURE)).as("no state for N+1's clusters").isNull();

            // And it behaves as N: one 5xx does not eject (N+1 would have).
            RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://web:8080/").build());
            d.cluster().attemptStarted(d.endpoint());
            d.cluster().attemptFinished(d.endpoint(), AttemptOutcome.httpStatus(503));
            clock.advance(Duration.ofSeconds(10));
            assertThat(d.cluster().outlier().isEjected(d.endpoint())).isFalse();

            // A good N+2 takes effect, settings and all, and keeps the detector's state.
            source.push(config(web(1)));
            assertThat(mesh.config()).isNotSameAs(n);
            assertThat(mesh.snapshot().version()).isEqualTo(mesh.config().version()).isGreaterThan(n.version());
            assertThat(threshold(mesh.health(), WEB)).isEqualTo(1);
            Cluster web = mesh.snapshot().clusters().get(WEB);
            assertThat(web.outlier()).as("the same detector, reconfigured").isSameAs(d.cluster().outlier());
            var other = web.endpoints().stream().filter(e -> !e.equals(d.endpoint())).findFirst().orElseThrow();
            web.attemptStarted(other);
            web.attemptFinished(other, AttemptOutcome.httpStatus(503));
            clock.advance(Duration.ofSeconds(10));
            assertThat(web.outlier().isEjected(other)).as("one 5xx ejects under N+2").isTrue();
        }
    }

    @Test
    void compilingAloneChangesNoSharedStateTheCallerAppliesThePlanWhenItPublishes() throws Exception {
        ClusterHealth health = new ClusterHealth(clock::nanoTime);
        MeshCompiler compiler = new MeshCompiler("default", Map.of(), HostName.DEFAULT_DOMAIN_SUFFIX, "", health,
                clock, ClientTlsContexts.builder().clock(clock).build());
        Compilation first = compiler.compile(config(web(5)), null);
        assertThat(health.get(WEB)).as("nothing registered before the plan is applied").isNull();
        first.plan().apply(health);
        assertThat(threshold(health, WEB)).isEqualTo(5);

        Compilation second = compiler.compile(config(web(2)), first.snapshot());
        assertThat(threshold(health, WEB)).as("compiled, not applied").isEqualTo(5);
        assertThat(second.snapshot().clusters().get(WEB).outlier()).isSameAs(health.get(WEB).outlier());

        assertThatThrownBy(() -> compiler.compile(config(web(1) + SECURE_WITH_MISSING_CA), first.snapshot()))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("/no/such/ca.pem");
        assertThat(threshold(health, WEB)).isEqualTo(5);

        second.plan().apply(health);
        assertThat(threshold(health, WEB)).isEqualTo(2);
    }
}
