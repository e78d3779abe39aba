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
}
