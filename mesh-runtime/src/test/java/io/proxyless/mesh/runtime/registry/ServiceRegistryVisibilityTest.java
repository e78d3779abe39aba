package io.proxyless.mesh.runtime.registry;

import static io.proxyless.mesh.runtime.registry.RegistryFixtures.passthrough;
import static io.proxyless.mesh.runtime.registry.RegistryFixtures.registry;
import static io.proxyless.mesh.runtime.registry.RegistryFixtures.sidecar;
import static io.proxyless.mesh.runtime.registry.RegistryFixtures.staticEntry;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.OutboundTrafficPolicy.Mode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceRegistryVisibilityTest {

    private static final String SHOP_REVIEWS = staticEntry("shop", "reviews", "reviews.shop.svc.cluster.local", "10.0.0.1");
    private static final String BILLING_LEDGER = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2");
    private static final String OPS_METRICS = staticEntry("ops", "metrics", "metrics.ops.svc.cluster.local", "10.0.0.3");

    private static boolean sees(ServiceRegistry registry, String host) {
        return registry.lookup(host).isPresent();
    }

    // ---- exportTo ----

    @Test
    void exportToDotKeepsTheServiceInItsOwnNamespace() {
        String ledger = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2", ".");

        assertThat(sees(registry("billing", ledger), "ledger.billing.svc.cluster.local")).isTrue();
        assertThat(sees(registry("shop", ledger), "ledger.billing.svc.cluster.local")).isFalse();
    }

    @Test
    void exportToStarOrUnsetReachesEveryNamespace() {
        String star = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2", "*");

        assertThat(sees(registry("shop", star), "ledger.billing.svc.cluster.local")).isTrue();
        assertThat(sees(registry("shop", BILLING_LEDGER), "ledger.billing.svc.cluster.local")).isTrue();
    }

    @Test
    void exportToANamespaceReachesOnlyThatNamespace() {
        String ledger = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2", "shop");

        assertThat(sees(registry("shop", ledger), "ledger.billing.svc.cluster.local")).isTrue();
        assertThat(sees(registry("ops", ledger), "ledger.billing.svc.cluster.local")).isFalse();
        assertThat(sees(registry("billing", ledger), "ledger.billing.svc.cluster.local"))
                .as("not even its own namespace unless listed").isFalse();
        assertThat(registry("shop", ledger).lookup("ledger.billing.svc.cluster.local").orElseThrow().exportTo())
                .containsExactly("shop");
    }

    @Test
    void exportToTildeHidesTheServiceFromEveryone() {
        String ledger = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2", "~");

        assertThat(sees(registry("billing", ledger), "ledger.billing.svc.cluster.local")).isFalse();
        assertThat(sees(registry("shop", ledger), "ledger.billing.svc.cluster.local")).isFalse();
    }

    // ---- Sidecar egress hosts ----

    @Test
    void withoutSidecarEverythingExportedIsVisibleAndUnknownHostsAreAllowed() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, BILLING_LEDGER, OPS_METRICS);

        assertThat(registry.services()).hasSize(3);
        assertThat(registry.sidecar()).isEmpty();
        assertThat(registry.outboundTrafficPolicy()).isEqualTo(Mode.ALLOW_ANY);
    }

    @Test
    void sidecarDotStarImportsOnlyTheClientsNamespace() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, BILLING_LEDGER,
                sidecar("shop", "default", null, null, "./*"));

        assertThat(registry.sidecar()).contains("shop/default");
        assertThat(registry.services()).extracting(MeshService::host).containsExactly("reviews.shop.svc.cluster.local");
    }

    @Test
    void sidecarStarStarImportsEverythingExportedToTheClient() {
        String privateLedger = staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2", ".");
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, privateLedger, OPS_METRICS,
                sidecar("shop", "default", null, null, "*/*"));

        assertThat(registry.services()).extracting(MeshService::host)
                .as("a Sidecar cannot import what exportTo hides")
                .containsExactly("reviews.shop.svc.cluster.local", "metrics.ops.svc.cluster.local");
    }

    @Test
    void sidecarNamespaceSlashHostImportsThatHostFromThatNamespaceOnly() {
        String otherLedger = staticEntry("ops", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.9");
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, otherLedger, BILLING_LEDGER, OPS_METRICS,
                sidecar("shop", "default", null, null, "billing/ledger.billing.svc.cluster.local"));

        assertThat(registry.services()).hasSize(1);
        assertThat(registry.lookup("ledger.billing.svc.cluster.local").orElseThrow().namespace())
                .as("the egress namespace is the config's namespace").isEqualTo("billing");
    }

    @Test
    void sidecarTildeStarImportsNothing() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, BILLING_LEDGER,
                sidecar("shop", "default", null, null, "~/*"));

        assertThat(registry.services()).isEmpty();
    }

    @Test
    void tildePrefixExcludesFromWhatOtherEntriesImport() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, BILLING_LEDGER, OPS_METRICS,
                staticEntry("ops", "api", "api.example.com", "10.0.0.4"),
                sidecar("shop", "default", null, null, "*/*", "~billing/*", "~/api.example.com"));

        assertThat(registry.services()).extracting(MeshService::host)
                .containsExactly("reviews.shop.svc.cluster.local", "metrics.ops.svc.cluster.local");
    }

    @Test
    void wildcardDnsNameImportsTheHostsItCovers() {
        ServiceRegistry registry = registry("shop",
                staticEntry("ops", "api", "api.example.com", "10.0.0.4"),
                passthrough("ops", "wild", "*.example.com"),
                staticEntry("ops", "other", "api.example.org", "10.0.0.5"),
                sidecar("shop", "default", null, null, "*/*.example.com"));

        assertThat(registry.services()).extracting(MeshService::host)
                .containsExactly("api.example.com", "*.example.com");
    }

    @Test
    void exactDnsNameDoesNotImportAWildcardServiceCoveringIt() {
        ServiceRegistry registry = registry("shop",
                passthrough("ops", "wild", "*.example.com"),
                sidecar("shop", "default", null, null, "*/api.example.com"));

        assertThat(registry.services()).isEmpty();
        assertThat(registry.lookup("api.example.com")).isEmpty();
    }

    @Test
    void egressListenerWithAPortImportsOnlyThatPort() {
        String twoPorts = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: shop}
                spec:
                  hosts: [api.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  - {number: 9090, name: grpc, protocol: GRPC}
                  endpoints:
                  - address: 10.0.0.1
                """;
        String scoped = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  egress:
                  - port: {number: 9090, protocol: GRPC, name: grpc}
                    hosts: ["./*"]
                """;
        MeshService api = registry("shop", twoPorts, scoped).lookup("api.shop.svc.cluster.local").orElseThrow();

        assertThat(api.ports()).extracting(ServicePortSpec::number).containsExactly(9090);
        assertThat(api.endpoints(9090)).hasSize(1);
        assertThat(api.endpoints(80)).isEmpty();
    }

    // ---- Which Sidecar applies ----

    private static final String[] THREE_SIDECARS = {
        SHOP_REVIEWS, BILLING_LEDGER, OPS_METRICS,
        sidecar("istio-system", "default", null, "REGISTRY_ONLY", "ops/*"),
        sidecar("shop", "default", null, null, "billing/*"),
        sidecar("shop", "web", "{app: web}", null, "./*"),
    };

    @Test
    void sidecarSelectingTheClientBeatsTheNamespaceDefault() {
        ServiceRegistry registry = registry("shop", Map.of("app", "web", "tier", "front"), THREE_SIDECARS);

        assertThat(registry.sidecar()).contains("shop/web");
        assertThat(registry.services()).extracting(MeshService::host).containsExactly("reviews.shop.svc.cluster.local");
        assertThat(registry.outboundTrafficPolicy()).as("unset in shop/web: the mesh default, not the root's")
                .isEqualTo(Mode.ALLOW_ANY);
    }

    @Test
    void namespaceDefaultSidecarAppliesWhenNoSelectorMatches() {
        ServiceRegistry registry = registry("shop", Map.of("app", "batch"), THREE_SIDECARS);

        assertThat(registry.sidecar()).contains("shop/default");
        assertThat(registry.services()).extracting(MeshService::host).containsExactly("ledger.billing.svc.cluster.local");
    }

    @Test
    void rootNamespaceSidecarAppliesToNamespacesWithoutTheirOwn() {
        ServiceRegistry registry = registry("billing", Map.of("app", "web"), THREE_SIDECARS);

        assertThat(registry.sidecar()).contains("istio-system/default");
        assertThat(registry.services()).extracting(MeshService::host).containsExactly("metrics.ops.svc.cluster.local");
        assertThat(registry.outboundTrafficPolicy()).isEqualTo(Mode.REGISTRY_ONLY);
    }

    @Test
    void dotInTheRootSidecarMeansTheClientsNamespace() {
        ServiceRegistry registry = registry("billing", SHOP_REVIEWS, BILLING_LEDGER,
                sidecar("istio-system", "default", null, null, "./*"));

        assertThat(registry.services()).extracting(MeshService::host).containsExactly("ledger.billing.svc.cluster.local");
    }

    @Test
    void rootSidecarWithASelectorIsNotAMeshDefault() {
        ServiceRegistry registry = registry("shop", Map.of("app", "web"), SHOP_REVIEWS,
                sidecar("istio-system", "web", "{app: web}", null, "~/*"));

        assertThat(registry.sidecar()).isEmpty();
        assertThat(registry.services()).hasSize(1);
    }

    @Test
    void registryOnlyModeIsReadFromTheSelectedSidecar() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS,
                sidecar("shop", "default", null, "REGISTRY_ONLY", "./*"));

        assertThat(registry.outboundTrafficPolicy()).isEqualTo(Mode.REGISTRY_ONLY);
    }

    @Test
    void outboundTrafficPolicyWithoutModeIsRegistryOnlyAsInIstio() {
        String sidecar = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  egress:
                  - hosts: ["./*"]
                  outboundTrafficPolicy: {}
                """;
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS, sidecar);

        assertThat(registry.outboundTrafficPolicy()).isEqualTo(Mode.REGISTRY_ONLY);
        assertThat(registry.warnings()).anyMatch(w -> w.contains("no mode"));
    }

    @Test
    void severalNamespaceDefaultSidecarsWarnAndTheOldestApplies() {
        ServiceRegistry registry = registry("shop", SHOP_REVIEWS,
                sidecar("shop", "first", null, null, "./*"),
                sidecar("shop", "second", null, null, "~/*"));

        assertThat(registry.sidecar()).contains("shop/first");
        assertThat(registry.warnings()).anyMatch(w -> w.contains("shop/first, shop/second"));
    }
}
