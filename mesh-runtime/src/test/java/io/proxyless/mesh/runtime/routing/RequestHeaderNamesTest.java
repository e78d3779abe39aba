package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.CallEngine;
import io.proxyless.mesh.runtime.call.RequestHeaderContributor;
import io.proxyless.mesh.runtime.event.AccessLog;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.MeshListeners;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header names a snapshot's routes read and those listeners and header contributors declare, which adapters
 * with keyed headers make their keys from.
 */
class RequestHeaderNamesTest {
    @TempDir
    Path dir;

    private static String service(String name, String address, String consistentHash) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%1$s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: %2$s}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %1$s}
                spec:
                  host: %1$s
                  trafficPolicy:
                    loadBalancer: {consistentHash: %3$s}
                """.formatted(name, address, consistentHash);
    }

    @Test
    void headerMatchesAndHashPoliciesNamePseudoHeadersDoNot() {
        try (Mesh mesh = mesh(dir, service("reviews", "10.0.0.1", "{httpHeaderName: X-User}"),
                service("ratings", "10.0.1.1", "{httpCookie: {name: session, ttl: 0s}}"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: jason}
                        trace-bin: {prefix: aG}
                      authority: {exact: reviews:9080}
                      withoutHeaders:
                        x-skip: {}
                    route:
                    - destination: {host: reviews}
                  - route:
                    - destination: {host: reviews}
                """)) {
            assertThat(mesh.snapshot().requestHeaderNames())
                    .containsExactlyInAnyOrder("end-user", "trace-bin", "x-skip", "x-user", "cookie");
            assertThat(mesh.snapshot().requestHeaderNames()).isSameAs(mesh.snapshot().requestHeaderNames());
        }
    }

    private static MeshListener reading(String... names) {
        return new MeshListener() {
            @Override
            public Set<String> requestHeaderNames() {
                return Set.of(names);
            }
        };
    }

    @Test
    void anEngineJoinsTheRoutesNamesWithTheListenersAndContributorsAndKeepsTheSetWhileNoneChanges() {
        try (Mesh mesh = mesh(dir, service("reviews", "10.0.0.1", "{httpHeaderName: x-user}"))) {
            CallEngine plain = new CallEngine(mesh, "http", MeshListener.NONE, null);
            assertThat(plain.requestHeaderNames(mesh.snapshot())).as("only routes read headers: their own set")
                    .isSameAs(mesh.snapshot().requestHeaderNames());

            CallEngine engine = new CallEngine(mesh, "grpc", reading("x-adapter"), null);
            var before = engine.requestHeaderNames(mesh.snapshot());
            assertThat(before).containsExactlyInAnyOrder("x-user", "x-adapter");
            assertThat(engine.requestHeaderNames(mesh.snapshot())).isSameAs(before);

            RequestHeaderContributor tracer = new RequestHeaderContributor() {
                @Override
                public PerCall newCall(CallView call) {
                    return null;
                }

                @Override
                public Set<String> requestHeaderNames() {
                    return Set.of("traceparent");
                }
            };
            try (MeshListeners.Registration log = mesh.addListener(AccessLog.to(AccessLog.Format.TEXT, l -> { }));
                 MeshListeners.Registration traced = mesh.addHeaderContributor(tracer)) {
                var during = engine.requestHeaderNames(mesh.snapshot());
                assertThat(during).containsExactlyInAnyOrder("x-user", "x-adapter", "traceparent",
                        "x-forwarded-for", "user-agent", "x-request-id");
                assertThat(engine.requestHeaderNames(mesh.snapshot())).isSameAs(during);
                assertThat(mesh.listener().requestHeaderNames())
                        .containsExactlyInAnyOrder("x-forwarded-for", "user-agent", "x-request-id");
            }
            assertThat(engine.requestHeaderNames(mesh.snapshot())).containsExactlyInAnyOrder("x-user", "x-adapter");
            assertThat(MeshListener.both(reading("a"), reading("b")).requestHeaderNames())
                    .containsExactlyInAnyOrder("a", "b");
        }
    }
}
