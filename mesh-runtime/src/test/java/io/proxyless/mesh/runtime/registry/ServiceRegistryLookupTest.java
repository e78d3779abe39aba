package io.proxyless.mesh.runtime.registry;

import static io.proxyless.mesh.runtime.registry.RegistryFixtures.passthrough;
import static io.proxyless.mesh.runtime.registry.RegistryFixtures.registry;
import static io.proxyless.mesh.runtime.registry.RegistryFixtures.staticEntry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServiceRegistryLookupTest {

    @Test
    void shortNameQualifiesToTheClientsNamespace() {
        ServiceRegistry registry = ServiceRegistry.empty(RegistryOptions.of("shop"));

        assertThat(registry.qualify("reviews")).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(registry.qualify("Reviews")).as("lower-cased").isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(registry.qualify("api.example.com")).as("a dotted name is kept").isEqualTo("api.example.com");
        assertThat(registry.qualify("API.Example.com.")).isEqualTo("api.example.com");
        assertThat(registry.qualify("10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(registry.qualify("::1")).isEqualTo("::1");
    }

    @Test
    void shortNameUsesTheConfiguredDomainSuffix() {
        ServiceRegistry registry = ServiceRegistry.empty(new RegistryOptions("shop", Map.of(), "corp.internal"));

        assertThat(registry.qualify("reviews")).isEqualTo("reviews.shop.svc.corp.internal");
        assertThat(registry.qualify("reviews", "billing")).isEqualTo("reviews.billing.svc.corp.internal");
    }

    @Test
    void kubernetesShortFormsOfVisibleServicesResolveLikeIstiosVirtualHostDomains() {
        ServiceRegistry registry = registry("shop",
                staticEntry("shop", "reviews", "reviews.shop.svc.cluster.local", "10.0.0.1"),
                staticEntry("billing", "ledger", "ledger.billing.svc.cluster.local", "10.0.0.2"));

        assertThat(registry.qualify("reviews.shop")).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(registry.qualify("reviews.shop.svc")).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(registry.qualify("ledger.billing")).isEqualTo("ledger.billing.svc.cluster.local");
        assertThat(registry.qualify("nothing.billing")).as("unknown: kept as written").isEqualTo("nothing.billing");
        assertThat(registry.lookup("reviews").map(MeshService::namespace)).contains("shop");
        assertThat(registry.lookup("reviews.shop.svc")).isPresent();
        assertThat(registry.lookup("ledger.billing")).isPresent();
        assertThat(registry.lookup("ledger")).as("bare names only for the client's own namespace").isEmpty();
        assertThat(registry.lookup("reviews.shop.svc.cluster.local.")).as("absolute FQDN").isPresent();
        assertThat(registry.lookup("REVIEWS.Shop.svc.cluster.local")).as("any case").isPresent();
        assertThat(registry.lookup("reviews.")).as("an absolute name is no short form").isEmpty();
        assertThat(registry.lookup("reviews.shop.")).as("an absolute name is no short form").isEmpty();
    }

    @Test
    void exactHostBeatsAWildcardHost() {
        ServiceRegistry registry = registry("shop",
                passthrough("shop", "wild", "*.example.com"),
                staticEntry("shop", "api", "api.example.com", "10.0.0.1"));

        assertThat(registry.lookup("api.example.com").map(MeshService::source)).contains("shop/api");
        assertThat(registry.lookup("web.example.com").map(MeshService::source)).contains("shop/wild");
    }

    @Test
    void longestWildcardWins() {
        ServiceRegistry registry = registry("shop",
                passthrough("shop", "com", "*.com"),
                passthrough("shop", "example", "*.example.com"),
                passthrough("shop", "eu", "*.eu.example.com"));

        assertThat(registry.lookup("api.eu.example.com").map(MeshService::host)).contains("*.eu.example.com");
        assertThat(registry.lookup("a.b.eu.example.com").map(MeshService::host)).contains("*.eu.example.com");
        assertThat(registry.lookup("api.us.example.com").map(MeshService::host)).contains("*.example.com");
        assertThat(registry.lookup("shop.com").map(MeshService::host)).contains("*.com");
        assertThat(registry.lookup("example.com").map(MeshService::host))
                .as("*.example.com needs a label in front").contains("*.com");
        assertThat(registry.lookup("example.org")).isEmpty();
    }

    @Test
    void lookupIsCaseInsensitiveAndIgnoresATrailingDot() {
        ServiceRegistry registry = registry("shop", staticEntry("shop", "api", "api.example.com", "10.0.0.1"));

        assertThat(registry.lookup("API.Example.COM")).isPresent();
        assertThat(registry.lookup("api.example.com.")).isPresent();
        assertThat(registry.lookup("")).isEmpty();
    }

    @Test
    void lookupFindsAServiceByItsVirtualIp() {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.internal.example]
                  addresses: [240.0.0.10, "2001:db8::10"]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 5432, name: tcp, protocol: TCP}
                  endpoints:
                  - address: 10.0.0.1
                """;
        ServiceRegistry registry = registry("shop", entry);

        assertThat(registry.lookup("240.0.0.10").map(MeshService::host)).contains("db.internal.example");
        assertThat(registry.lookup("[2001:db8::10]").map(MeshService::host)).contains("db.internal.example");
        assertThat(registry.lookup("db.internal.example").orElseThrow().addresses())
                .containsExactly("240.0.0.10", "2001:db8::10");
    }

    @Test
    void servicesListsOneServicePerHostInLoadOrder() {
        ServiceRegistry registry = registry("shop",
                staticEntry("shop", "b", "b.example.com", "10.0.0.2"),
                staticEntry("shop", "a", "a.example.com", "10.0.0.1"));

        assertThat(registry.services()).extracting(MeshService::host).containsExactly("b.example.com", "a.example.com");
        assertThat(registry.warnings()).isEmpty();
    }

    /** Property: lookup agrees with a brute-force scan for the most specific wildcard covering the host. */
    @Test
    void wildcardLookupAgreesWithABruteForceScan() {
        String[] labels = {"a", "b", "c", "eu", "api"};
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            List<String> documents = new ArrayList<>();
            List<String> wildcards = new ArrayList<>();
            int count = 1 + random.nextInt(5);
            for (int i = 0; i < count; i++) {
                String wildcard = "*." + randomName(random, labels, 1 + random.nextInt(3));
                if (!wildcards.contains(wildcard)) {
                    wildcards.add(wildcard);
                    documents.add(passthrough("shop", "se" + i, wildcard));
                }
            }
            ServiceRegistry registry = ServiceRegistry.build(RegistryFixtures.config(documents.toArray(String[]::new)),
                    RegistryOptions.of("shop"));
            for (int probe = 0; probe < 20; probe++) {
                String host = randomName(random, labels, 1 + random.nextInt(4));
                Optional<String> expected = wildcards.stream()
                        .filter(w -> host.endsWith(w.substring(1)))
                        .max((x, y) -> Integer.compare(x.length(), y.length()));
                assertThat(registry.lookup(host).map(MeshService::host))
                        .as("seed %d, wildcards %s, host %s", seed, wildcards, host).isEqualTo(expected);
            }
        }
    }

    private static String randomName(Random random, String[] labels, int length) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            parts.add(labels[random.nextInt(labels.length)]);
        }
        return String.join(".", parts);
    }

    @Test
    void fullyQualifiedNamesInConfigUseTheRegistrysSuffix() {
        ServiceRegistry registry = ServiceRegistry.empty(RegistryOptions.of("shop"));

        assertThat(registry.qualify("ratings", "billing")).isEqualTo("ratings.billing.svc.cluster.local");
        assertThat(registry.qualify("ratings.", "billing")).as("absolute: never expanded").isEqualTo("ratings");
    }
}
