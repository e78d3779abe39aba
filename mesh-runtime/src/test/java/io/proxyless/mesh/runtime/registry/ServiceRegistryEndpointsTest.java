package io.proxyless.mesh.runtime.registry;

import static io.proxyless.mesh.runtime.registry.RegistryFixtures.registry;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.ServiceEntry.Location;
import io.proxyless.mesh.api.ServiceEntry.Resolution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceRegistryEndpointsTest {

    private static final String REVIEWS_STATIC = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: ["Reviews.Shop.svc.cluster.local"]
              location: MESH_INTERNAL
              resolution: STATIC
              subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/reviews"]
              ports:
              - {number: 9080, name: http, protocol: HTTP}
              endpoints:
              - address: 10.0.0.1
                labels: {app: reviews, version: v1}
                locality: eu-west1/zone-a
                network: net1
                serviceAccount: reviews
              - address: 10.0.0.2
                labels: {app: reviews, version: v2}
                weight: 3
            """;

    @Test
    void staticEndpointsKeepTheirAddressesLabelsAndWorkloadAttributes() {
        ServiceRegistry registry = registry("shop", REVIEWS_STATIC);

        MeshService reviews = registry.lookup("reviews.shop.svc.cluster.local").orElseThrow();
        assertThat(reviews.host()).as("hosts are lower-cased").isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(reviews.namespace()).isEqualTo("shop");
        assertThat(reviews.source()).isEqualTo("shop/reviews");
        assertThat(reviews.location()).isEqualTo(Location.MESH_INTERNAL);
        assertThat(reviews.resolution()).isEqualTo(Resolution.STATIC);
        assertThat(reviews.exportTo()).as("unset exportTo is public").containsExactly("*");
        assertThat(reviews.subjectAltNames()).containsExactly("spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(reviews.ports()).containsExactly(new ServicePortSpec(9080, "http", "HTTP", 0));
        assertThat(reviews.endpoints(9080)).containsExactly(
                new Endpoint("10.0.0.1", 9080, Map.of("app", "reviews", "version", "v1"), "eu-west1/zone-a", 1,
                        "net1", "reviews"),
                new Endpoint("10.0.0.2", 9080, Map.of("app", "reviews", "version", "v2"), "", 3, "", null));
        assertThat(reviews.endpoints(1234)).as("unknown port").isEmpty();
        assertThat(reviews.isPassthrough()).isFalse();
    }

    @Test
    void subsetLabelsSelectTheEndpointsCarryingAllOfThem() {
        MeshService reviews = registry("shop", REVIEWS_STATIC).lookup("reviews.shop.svc.cluster.local").orElseThrow();

        assertThat(reviews.endpoints(9080, Map.of("version", "v2"))).extracting(Endpoint::address)
                .containsExactly("10.0.0.2");
        assertThat(reviews.endpoints(9080, Map.of("app", "reviews"))).hasSize(2);
        assertThat(reviews.endpoints(9080, Map.of("app", "reviews", "version", "v3"))).isEmpty();
        assertThat(reviews.endpoints(9080, Map.of())).as("no labels: every endpoint").hasSize(2);
    }

    @Test
    void destinationRuleSubsetsArePrecomputedAtBuildSoRequestsOnlyLookUp() {
        String rule = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """;
        MeshService reviews = registry("shop", REVIEWS_STATIC, rule)
                .lookup("reviews.shop.svc.cluster.local").orElseThrow();

        assertThat(reviews.endpointTable().cachedSubsets()).as("one view per subset and port, before any request")
                .isEqualTo(2);
        List<Endpoint> v1 = reviews.endpoints(9080, Map.of("version", "v1"));
        assertThat(v1).extracting(Endpoint::address).containsExactly("10.0.0.1");
        assertThat(reviews.endpoints(9080, Map.of("version", "v1"))).as("the same precomputed list").isSameAs(v1);
        assertThat(reviews.endpointTable().cachedSubsets()).isEqualTo(2);
    }

    @Test
    void workloadSelectorSelectsWorkloadEntriesOfItsNamespaceWhoseLabelsMatch() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: ratings}
                """;
        String vm2 = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-2, namespace: shop, labels: {version: v2}}
                spec:
                  address: 10.1.0.2
                  labels: {app: ratings, version: v1}
                  locality: us-east1/a
                  weight: 5
                  serviceAccount: ratings
                """;
        String vm1 = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-1, namespace: shop}
                spec:
                  address: 10.1.0.1
                  labels: {app: ratings, version: v1}
                """;
        String otherApp = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-3, namespace: shop}
                spec:
                  address: 10.1.0.3
                  labels: {app: details}
                """;
        String otherNamespace = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-4, namespace: billing}
                spec:
                  address: 10.1.0.4
                  labels: {app: ratings}
                """;

        MeshService ratings = registry("shop", entry, vm2, vm1, otherApp, otherNamespace)
                .lookup("ratings.shop.svc.cluster.local").orElseThrow();

        assertThat(ratings.endpoints(9080)).as("sorted by WorkloadEntry name, as Istio does").containsExactly(
                new Endpoint("10.1.0.1", 9080, Map.of("app", "ratings", "version", "v1"), "", 1, "", null),
                new Endpoint("10.1.0.2", 9080, Map.of("app", "ratings", "version", "v2"), "us-east1/a", 5, "",
                        "ratings"));
        assertThat(ratings.endpoints(9080, Map.of("version", "v2"))).as("metadata labels win over spec labels")
                .extracting(Endpoint::address).containsExactly("10.1.0.2");
    }

    @Test
    void endpointPortIsTheWorkloadsOwnPortByNameElseTargetPortElseServicePort() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: shop}
                spec:
                  hosts: [api.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 9090, name: grpc, protocol: GRPC, targetPort: 19090}
                  - {number: 8443, name: admin, protocol: HTTPS}
                  endpoints:
                  - address: 10.2.0.1
                    ports: {http: 8080, admin: 9443}
                  - address: 10.2.0.2
                """;
        MeshService api = registry("shop", entry).lookup("api.internal.example").orElseThrow();

        assertThat(api.endpoints(80)).extracting(Endpoint::authority).containsExactly("10.2.0.1:8080", "10.2.0.2:80");
        assertThat(api.endpoints(9090)).extracting(Endpoint::authority)
                .containsExactly("10.2.0.1:19090", "10.2.0.2:19090");
        assertThat(api.endpoints(8443)).extracting(Endpoint::authority)
                .containsExactly("10.2.0.1:9443", "10.2.0.2:8443");
        assertThat(api.port(9090).orElseThrow().endpointPort()).isEqualTo(19090);
    }

    @Test
    void dnsResolutionLeavesHostNamesForTheAdaptersResolver() {
        String withEndpoints = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: payments, namespace: shop}
                spec:
                  hosts: [payments.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 443, name: https, protocol: HTTPS}
                  endpoints:
                  - address: eu.payments.example.com
                    locality: eu
                  - address: us.payments.example.com
                    locality: us
                """;
        String withoutEndpoints = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: search, namespace: shop}
                spec:
                  hosts: [search.example.com, maps.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS_ROUND_ROBIN
                  ports:
                  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
                """;
        ServiceRegistry registry = registry("shop", withEndpoints, withoutEndpoints);

        MeshService payments = registry.lookup("payments.example.com").orElseThrow();
        assertThat(payments.isDnsResolved()).isTrue();
        assertThat(payments.endpoints(443)).extracting(Endpoint::authority)
                .containsExactly("eu.payments.example.com:443", "us.payments.example.com:443");
        assertThat(registry.lookup("search.example.com").orElseThrow().endpoints(80))
                .as("no endpoints: the service's own host, on the target port")
                .containsExactly(Endpoint.of("search.example.com", 8080));
        assertThat(registry.lookup("maps.example.com").orElseThrow().endpoints(80))
                .as("each host of the entry is its own endpoint").containsExactly(Endpoint.of("maps.example.com", 8080));
    }

    @Test
    void resolutionNoneIsPassthroughWithoutEndpoints() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: anything, namespace: shop}
                spec:
                  hosts: ["*.partner.example"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                """;
        MeshService partner = registry("shop", entry).lookup("api.partner.example").orElseThrow();

        assertThat(partner.isPassthrough()).isTrue();
        assertThat(partner.endpoints(80)).isEmpty();
        assertThat(partner.endpointTable().ports()).isEmpty();
    }

    @Test
    void dynamicDnsHasNoEndpointsAndResolvesTheRequestHost() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: dyn, namespace: shop}
                spec:
                  hosts: ["*.cdn.example"]
                  location: MESH_EXTERNAL
                  resolution: DYNAMIC_DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                """;
        MeshService cdn = registry("shop", entry).lookup("img.cdn.example").orElseThrow();

        assertThat(cdn.isDynamicDns()).isTrue();
        assertThat(cdn.isPassthrough()).isFalse();
        assertThat(cdn.endpoints(80)).isEmpty();
    }

    @Test
    void staticServiceSkipsSelectedWorkloadEntriesWithHostNameAddresses() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: ratings}
                """;
        String byName = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-dns, namespace: shop}
                spec:
                  address: vm.example.com
                  labels: {app: ratings}
                """;
        String byIp = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-ip, namespace: shop}
                spec:
                  address: 10.1.0.9
                  labels: {app: ratings}
                """;
        ServiceRegistry registry = registry("shop", entry, byName, byIp);

        assertThat(registry.lookup("ratings.shop.svc.cluster.local").orElseThrow().endpoints(9080))
                .extracting(Endpoint::address).containsExactly("10.1.0.9");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("shop/vm-dns") && w.contains("only DNS"));
    }

    @Test
    void selectorMatchingNothingIsWarnedAbout() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: ratings}
                """;
        ServiceRegistry registry = registry("shop", entry);

        assertThat(registry.lookup("ratings.shop.svc.cluster.local").orElseThrow().endpoints(9080)).isEmpty();
        assertThat(registry.warnings()).anyMatch(w -> w.contains("shop/ratings") && w.contains("selects no"));
    }

    @Test
    void serviceEntriesForOneHostInOneNamespaceMergeEndpointsAndTheOldestDefinesTheService() {
        String older = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-a, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  endpoints:
                  - address: 10.3.0.1
                """;
        String newerSamePorts = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-b, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
                  endpoints:
                  - address: 10.3.0.2
                """;
        String newerMorePorts = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-c, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 9090, name: grpc, protocol: GRPC}
                  endpoints:
                  - address: 10.3.0.3
                """;
        ServiceRegistry registry = registry("shop", older, newerSamePorts, newerMorePorts);

        assertThat(registry.services()).hasSize(1);
        MeshService db = registry.lookup("db.internal.example").orElseThrow();
        assertThat(db.source()).isEqualTo("shop/db-a");
        assertThat(db.ports()).extracting(ServicePortSpec::number).as("db-c adds its extra port").containsExactly(80, 9090);
        assertThat(db.endpoints(80)).as("endpoints of all, each on its own entry's target port")
                .extracting(Endpoint::authority).containsExactly("10.3.0.1:80", "10.3.0.2:8080", "10.3.0.3:80");
        assertThat(db.endpoints(9090)).extracting(Endpoint::authority).containsExactly("10.3.0.3:9090");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("db.internal.example") && w.contains("3 ServiceEntries"));
    }

    @Test
    void aNewerEntryThatCannotMergeAddsEndpointsButNoPorts() {
        String older = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-a, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  endpoints:
                  - address: 10.3.0.1
                """;
        String newerDns = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-b, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  location: MESH_INTERNAL
                  resolution: DNS
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 9090, name: grpc, protocol: GRPC}
                  endpoints:
                  - address: db2.internal.example
                """;
        ServiceRegistry registry = registry("shop", older, newerDns);

        MeshService db = registry.lookup("db.internal.example").orElseThrow();
        assertThat(db.resolution()).isEqualTo(Resolution.STATIC);
        assertThat(db.ports()).extracting(ServicePortSpec::number).containsExactly(80);
        assertThat(db.endpoints(80)).extracting(Endpoint::address).containsExactly("10.3.0.1", "db2.internal.example");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("shop/db-b") && w.contains("ignored"));
    }

    @Test
    void dnsRoundRobinKeepsOneEndpointPerPort() {
        String first = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: rr-a, namespace: shop}
                spec:
                  hosts: [rr.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS_ROUND_ROBIN
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  endpoints:
                  - address: a.rr.example.com
                """;
        String second = first.replace("rr-a", "rr-b").replace("a.rr.example.com", "b.rr.example.com");
        ServiceRegistry registry = registry("shop", first, second);

        assertThat(registry.lookup("rr.example.com").orElseThrow().endpoints(80)).extracting(Endpoint::address)
                .containsExactly("a.rr.example.com");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("DNS_ROUND_ROBIN"));
    }

    @Test
    void sameHostInSeveralNamespacesResolvesToTheClientsOwnNamespace() {
        String inShop = RegistryFixtures.staticEntry("shop", "cache", "cache.example.internal", "10.0.0.1");
        String inBilling = RegistryFixtures.staticEntry("billing", "cache", "cache.example.internal", "10.9.0.1");

        ServiceRegistry fromShop = registry("shop", inBilling, inShop);
        ServiceRegistry fromOps = registry("ops", inBilling, inShop);

        assertThat(fromShop.lookup("cache.example.internal").orElseThrow().namespace()).isEqualTo("shop");
        assertThat(fromOps.lookup("cache.example.internal").orElseThrow().namespace())
                .as("not in the client's namespace: the first found").isEqualTo("billing");
        assertThat(fromOps.warnings()).anyMatch(w -> w.contains("cache.example.internal") && w.contains("billing"));
    }

    @Test
    void endpointsWithoutAddressAreSkippedWithAWarning() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: remote, namespace: shop}
                spec:
                  hosts: [remote.internal.example]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  endpoints:
                  - address: 10.4.0.1
                  - network: other-network
                """;
        ServiceRegistry registry = registry("shop", entry);

        assertThat(registry.lookup("remote.internal.example").orElseThrow().endpoints(80))
                .extracting(Endpoint::address).containsExactly("10.4.0.1");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("endpoints[1]") && w.contains("no address"));
    }
}
