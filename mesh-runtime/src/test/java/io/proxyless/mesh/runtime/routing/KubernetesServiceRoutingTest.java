package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests a cluster already has are enough config: a Kubernetes Service defines the host, its
 * EndpointSlice the endpoints, and its Pods the labels DestinationRule subsets select, as with istiod.
 */
class KubernetesServiceRoutingTest {
    private static final String REVIEWS = """
            apiVersion: v1
            kind: Service
            metadata: {name: reviews, namespace: default}
            spec:
              selector: {app: reviews}
              ports: [{name: http, port: 9080, targetPort: 8080}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: reviews-x7k2p
              namespace: default
              labels: {kubernetes.io/service-name: reviews}
            addressType: IPv4
            ports: [{name: http, port: 8080, protocol: TCP}]
            endpoints:
            - addresses: [10.4.0.11]
              conditions: {ready: true}
              targetRef: {kind: Pod, name: reviews-v1-abc}
            - addresses: [10.4.0.12]
              conditions: {ready: true}
              targetRef: {kind: Pod, name: reviews-v2-def}
            - addresses: [10.4.0.13]
              conditions: {ready: false}
              targetRef: {kind: Pod, name: reviews-v2-ghi}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: reviews-v1-abc, namespace: default, labels: {app: reviews, version: v1}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: reviews-v2-def, namespace: default, labels: {app: reviews, version: v2}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: reviews-v2-ghi, namespace: default, labels: {app: reviews, version: v2}}
            """;

    @TempDir
    Path dir;

    @Test
    void aServiceManifestMakesRoutePickItsReadyEndpoints() {
        try (Mesh mesh = mesh(dir, REVIEWS)) {
            Set<String> picked = new HashSet<>();
            Random random = new Random(7);
            for (int i = 0; i < 200; i++) {
                RouteDecision d = mesh.route(get("http://reviews:9080/reviews/1"), random);
                assertThat(d.action()).isEqualTo(RouteAction.FORWARD);
                assertThat(d.cluster().key()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
                picked.add(d.endpoint().authority());
            }
            assertThat(picked).as("the not-ready address is never picked")
                    .containsExactlyInAnyOrder("10.4.0.11:8080", "10.4.0.12:8080");
        }
    }

    @Test
    void subsetsSelectEndpointsByTheLabelsOfTheirPods() {
        String routes = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v2}
                """;
        try (Mesh mesh = mesh(dir, REVIEWS, routes)) {
            RouteDecision d = mesh.route(get("http://reviews.default.svc.cluster.local:9080/"), new Random(1));
            assertThat(d.cluster().key()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
            Endpoint endpoint = d.endpoint();
            assertThat(endpoint.authority()).isEqualTo("10.4.0.12:8080");
            assertThat(endpoint.labels()).containsEntry("version", "v2");
        }
    }

    @Test
    void exportToAnnotationHidesTheServiceFromOtherNamespaces() {
        String privateService = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: ledger
                  namespace: finance
                  annotations: {networking.istio.io/exportTo: "."}
                spec:
                  ports: [{name: http, port: 80}]
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: ledger, namespace: finance}
                subsets:
                - addresses: [{ip: 10.9.0.1}]
                  ports: [{name: http, port: 8080}]
                """;
        try (Mesh finance = mesh(dir, java.util.Map.of(), "finance", privateService)) {
            RouteDecision d = finance.route(get("http://ledger.finance.svc.cluster.local/"), new Random(1));
            assertThat(d.endpoint().authority()).isEqualTo("10.9.0.1:8080");
        }
        try (Mesh shop = mesh(dir, java.util.Map.of(), "shop", privateService)) {
            RouteDecision d = shop.route(get("http://ledger.finance.svc.cluster.local/"), new Random(1));
            assertThat(d.cluster().key()).as("not in shop's registry: passed through")
                    .isEqualTo(MeshCompiler.PASSTHROUGH_CLUSTER);
        }
    }

    @Test
    void aServiceEntryForTheSameHostAddsItsEndpointsToTheKubernetesService() {
        String service = """
                apiVersion: v1
                kind: Service
                metadata: {name: legacy, namespace: default}
                spec:
                  ports: [{name: http, port: 80, targetPort: 8080}]
                """;
        String vms = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: legacy-vms, namespace: default}
                spec:
                  hosts: [legacy.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]
                  endpoints:
                  - {address: 10.8.0.1, ports: {http: 8080}}
                """;
        try (Mesh mesh = mesh(dir, service, vms)) {
            RouteDecision d = mesh.route(get("http://legacy/"), new Random(1));
            assertThat(d.endpoint().authority()).isEqualTo("10.8.0.1:8080");
            RouteDecision admin = mesh.route(get("http://legacy:81/"), new Random(1));
            assertThat(admin.cluster().key()).as("the Kubernetes Service defines the ports; 81 is not one")
                    .isNotEqualTo("outbound|81||legacy.default.svc.cluster.local");
        }
    }

    private static final String CRITICS = """
            apiVersion: v1
            kind: Service
            metadata: {name: critics, namespace: default}
            spec:
              type: ExternalName
              externalName: reviews.default.svc.cluster.local
              ports: [{name: http, port: 1234}]
            """;

    private static final String REVIEWS_TO_V2 = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v2}
            """;

    @Test
    void anExternalNameNamingAMeshServiceIsAnAliasTakingItsRoutes() {
        try (Mesh mesh = mesh(dir, REVIEWS, CRITICS, REVIEWS_TO_V2)) {
            for (String url : java.util.List.of("http://critics:9080/", "http://critics.default:9080/",
                    "http://critics.default.svc.cluster.local:9080/", "http://CRITICS.Default.svc.cluster.local:9080/")) {
                RouteDecision d = mesh.route(get(url), new Random(1));
                assertThat(d.action()).as(url).isEqualTo(RouteAction.FORWARD);
                assertThat(d.cluster().key()).as(url).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
                assertThat(d.endpoint().authority()).as(url).isEqualTo("10.4.0.12:8080");
            }
            assertThat(mesh.snapshot().registry().services()).as("the alias is no service of its own")
                    .extracting(s -> s.host()).containsExactly("reviews.default.svc.cluster.local");
            RouteDecision ownPort = mesh.route(get("http://critics:1234/"), new Random(1));
            RouteDecision named = mesh.route(get("http://reviews:1234/"), new Random(1));
            assertThat(ownPort.cluster().key()).as("the alias's own ports mean nothing: as the named host on that port")
                    .isEqualTo(named.cluster().key());
            assertThat(mesh.dump().services()).singleElement().satisfies(s -> assertThat(s.aliases())
                    .as("the dump shows the alias beside the service it names")
                    .containsExactly("critics.default.svc.cluster.local"));
        }
    }

    @Test
    void routesAndRulesWrittenForTheAliasAreIgnoredWithAWarningAndDestinationsFollowIt() {
        String forAlias = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: critics}
                spec:
                  hosts: [critics]
                  http:
                  - route:
                    - destination: {host: critics, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: critics}
                spec:
                  host: critics
                  subsets:
                  - {name: v1, labels: {version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: front}
                spec:
                  hosts: [front.example.com]
                  resolution: DNS
                  ports: [{number: 80, name: http, protocol: HTTP}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: front}
                spec:
                  hosts: [front.example.com]
                  http:
                  - route:
                    - destination: {host: critics.default.svc.cluster.local, port: {number: 9080}}
                """;
        try (Mesh mesh = mesh(dir, REVIEWS, CRITICS, forAlias)) {
            RouteDecision d = mesh.route(get("http://critics:9080/"), new Random(1));
            assertThat(d.cluster().key()).as("the named service's routes: none, so its default cluster")
                    .isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
            assertThat(mesh.snapshot().warnings())
                    .anySatisfy(w -> assertThat(w).contains("VirtualService default/critics")
                            .contains("alias of reviews.default.svc.cluster.local"))
                    .anySatisfy(w -> assertThat(w).contains("DestinationRule default/critics")
                            .contains("has no effect"));
            RouteDecision front = mesh.route(get("http://front.example.com/"), new Random(1));
            assertThat(front.cluster().key()).as("a destination naming the alias goes to the named service")
                    .isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
        }
    }

    @Test
    void anExternalNameNamingAHostOutsideTheMeshStillResolvesByDns() {
        String external = """
                apiVersion: v1
                kind: Service
                metadata: {name: payments, namespace: default}
                spec:
                  type: ExternalName
                  externalName: api.payments.example
                  ports: [{name: http, port: 80}]
                """;
        try (Mesh mesh = mesh(dir, REVIEWS, external)) {
            RouteDecision d = mesh.route(get("http://payments/"), new Random(1));
            assertThat(d.cluster().key()).isEqualTo("outbound|80||payments.default.svc.cluster.local");
            assertThat(d.endpoint().authority()).isEqualTo("api.payments.example:80");
        }
    }

    @Test
    void anAliasOfAServiceEntryHostIsVisibleOnlyWhereItsAnnotationExportsIt() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger, namespace: finance}
                spec:
                  hosts: [ledger.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.9.0.1, ports: {http: 8080}}]
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: books
                  namespace: finance
                  annotations: {networking.istio.io/exportTo: "."}
                spec:
                  type: ExternalName
                  externalName: ledger.internal
                """;
        try (Mesh finance = mesh(dir, java.util.Map.of(), "finance", entry)) {
            RouteDecision d = finance.route(get("http://books/"), new Random(1));
            assertThat(d.cluster().key()).isEqualTo("outbound|80||ledger.internal");
            assertThat(d.endpoint().authority()).isEqualTo("10.9.0.1:8080");
        }
        try (Mesh shop = mesh(dir, java.util.Map.of(), "shop", entry)) {
            assertThat(shop.route(get("http://ledger.internal/"), new Random(1)).cluster().key())
                    .isEqualTo("outbound|80||ledger.internal");
            RouteDecision d = shop.route(get("http://books.finance.svc.cluster.local/"), new Random(1));
            assertThat(d.cluster().key()).as("not exported to shop: passed through")
                    .isEqualTo(MeshCompiler.PASSTHROUGH_CLUSTER);
        }
    }

    @Test
    void anAliasFollowsTheEndpointsOfTheServiceItNamesWhenOnlyTheyMove() throws java.io.IOException {
        java.util.function.Function<String, String> ledger = address -> """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ledger}
                spec:
                  hosts: [ledger.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: %s, ports: {http: 8080}}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: books, namespace: default}
                spec:
                  type: ExternalName
                  externalName: ledger.internal
                """.formatted(address);
        io.proxyless.mesh.runtime.testing.PushConfigSource source =
                new io.proxyless.mesh.runtime.testing.PushConfigSource(load(ledger.apply("10.9.0.1")));
        try (Mesh mesh = Mesh.builder().configSource(source).build()) {
            assertThat(mesh.route(get("http://books/"), new Random(1)).endpoint().authority())
                    .isEqualTo("10.9.0.1:8080");

            var routesBefore = java.util.List.copyOf(mesh.snapshot().model().routeConfigurations().values());
            source.push(load(ledger.apply("10.9.0.2")));
            assertThat(java.util.List.copyOf(mesh.snapshot().model().routeConfigurations().values()))
                    .as("only endpoints moved: the routes are those in force")
                    .usingElementComparator((x, y) -> x == y ? 0 : 1).isEqualTo(routesBefore);

            assertThat(mesh.route(get("http://books/"), new Random(1)).endpoint().authority())
                    .isEqualTo("10.9.0.2:8080");
            var registry = mesh.snapshot().registry();
            assertThat(registry.lookup("books.default.svc.cluster.local")).containsSame(
                    registry.lookup("ledger.internal").orElseThrow());
            assertThat(registry.lookup("books")).containsSame(registry.lookup("ledger.internal").orElseThrow());
        }
    }

    private io.proxyless.mesh.runtime.config.MeshConfig load(String yaml) throws java.io.IOException {
        // One file name, as a reload reads it: objects that did not change are equal, sources included.
        Path file = dir.resolve("ledger.yaml");
        java.nio.file.Files.writeString(file, yaml);
        return io.proxyless.mesh.runtime.config.MeshConfig.of(
                io.proxyless.mesh.api.loader.ConfigLoader.create().loadOrThrow(java.util.List.of(file)));
    }
}
