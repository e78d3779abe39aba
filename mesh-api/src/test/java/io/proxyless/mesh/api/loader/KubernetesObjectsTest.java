package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.ServiceEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kubernetes Services, EndpointSlices, Endpoints and Pods are read from config files beside Istio resources. */
class KubernetesObjectsTest {
    private final ConfigLoader loader = ConfigLoader.create();

    @Test
    void serviceWithPortsSelectorAndExportTo() {
        LoadedConfig config = loader.loadString("svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: reviews
                  namespace: shop
                  annotations:
                    networking.istio.io/exportTo: "., istio-system"
                spec:
                  type: ClusterIP
                  clusterIP: 10.96.0.12
                  selector: {app: reviews}
                  ports:
                  - {name: http-web, port: 9080, targetPort: 8080}
                  - {name: grpc, port: 9090, targetPort: grpc-port, appProtocol: grpc}
                status: {loadBalancer: {}}
                """);
        assertThat(config.problems()).isEmpty();
        assertThat(config.resources()).isEmpty();
        KubernetesService reviews = config.kubernetes().services().get(0);
        assertThat(reviews.hostName()).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(reviews.selector()).containsEntry("app", "reviews");
        assertThat(reviews.exportTo()).containsExactly(".", "istio-system");
        assertThat(reviews.ports()).containsExactly(
                new KubernetesService.Port("http-web", 9080, "8080", "TCP", null),
                new KubernetesService.Port("grpc", 9090, "grpc-port", "TCP", "grpc"));
        assertThat(reviews.source().file()).isEqualTo("svc.yaml");
    }

    @Test
    void endpointSliceBelongsToItsServiceByLabelAndKeepsReadinessPodAndZone() {
        LoadedConfig config = loader.loadString("slice.yaml", """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: reviews-abc12
                  labels: {kubernetes.io/service-name: reviews}
                addressType: IPv4
                ports: [{name: http-web, port: 8080, protocol: TCP}]
                endpoints:
                - addresses: [10.1.0.5]
                  conditions: {ready: true}
                  targetRef: {kind: Pod, name: reviews-v1-7d9f}
                  zone: eu-west-1a
                - addresses: [10.1.0.6]
                  conditions: {ready: false}
                """);
        assertThat(config.problems()).isEmpty();
        ServiceEndpoints slice = config.kubernetes().endpoints().get(0);
        assertThat(slice.service()).isEqualTo("reviews");
        assertThat(slice.namespace()).isEqualTo("default");
        assertThat(slice.ports()).containsExactly(new ServiceEndpoints.EndpointPort("http-web", 8080, "TCP", null));
        assertThat(slice.endpoints()).containsExactly(
                new ServiceEndpoints.Endpoint("10.1.0.5", true, "reviews-v1-7d9f", "eu-west-1a"),
                new ServiceEndpoints.Endpoint("10.1.0.6", false, null, null));
    }

    @Test
    void endpointsObjectYieldsOneListPerSubset() {
        LoadedConfig config = loader.loadString("ep.yaml", """
                apiVersion: v1
                kind: Endpoints
                metadata: {name: legacy}
                subsets:
                - addresses: [{ip: 10.2.0.1, targetRef: {kind: Pod, name: legacy-1}}]
                  notReadyAddresses: [{ip: 10.2.0.2}]
                  ports: [{name: http, port: 8080}]
                - addresses: [{ip: 10.2.0.3}]
                  ports: [{name: admin, port: 9000}]
                """);
        assertThat(config.problems()).isEmpty();
        List<ServiceEndpoints> lists = config.kubernetes().endpoints();
        assertThat(lists).hasSize(2).allSatisfy(e -> assertThat(e.service()).isEqualTo("legacy"));
        assertThat(lists.get(0).endpoints()).containsExactly(
                new ServiceEndpoints.Endpoint("10.2.0.1", true, "legacy-1", null),
                new ServiceEndpoints.Endpoint("10.2.0.2", false, null, null));
        assertThat(lists.get(1).ports()).extracting(ServiceEndpoints.EndpointPort::port).containsExactly(9000);
    }

    @Test
    void podsNamespacesAndNodesKeepTheirLabels() {
        LoadedConfig config = loader.loadString("pods.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v1-7d9f, labels: {app: reviews, version: v1}}
                spec: {nodeName: node-a, containers: [{name: app, image: reviews:1}]}
                status: {podIP: 10.1.0.5}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {istio-injection: enabled}}
                ---
                apiVersion: v1
                kind: Node
                metadata: {name: node-a, labels: {topology.kubernetes.io/zone: eu-west-1a}}
                """);
        assertThat(config.problems()).isEmpty();
        assertThat(config.kubernetes().pods()).singleElement().satisfies(pod -> {
            assertThat(pod.metadata().labels()).containsEntry("version", "v1");
            assertThat(pod.nodeName()).isEqualTo("node-a");
            assertThat(pod.podIp()).isEqualTo("10.1.0.5");
        });
        assertThat(config.kubernetes().namespace("shop")).hasValueSatisfying(
                ns -> assertThat(ns.labels()).containsEntry("istio-injection", "enabled"));
        assertThat(config.kubernetes().node("node-a")).isPresent();
    }

    @Test
    void aPortThatIsNotANumberIsAnErrorAtItsLine() {
        LoadedConfig config = loader.loadString("svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: reviews}
                spec:
                  ports:
                  - name: http
                    port: http
                """);
        assertThat(config.problems()).extracting(Problem::format).containsExactly("svc.yaml:7: Service "
                + "default/reviews: spec.ports[0].port: expected a port number between 1 and 65535, got the string "
                + "\"http\"");
        assertThat(config.hasErrors()).isTrue();
    }
}
