package io.proxyless.mesh.runtime.config;

import static io.proxyless.mesh.api.ResourceKind.DESTINATION_RULE;
import static io.proxyless.mesh.api.ResourceKind.SERVICE_ENTRY;
import static io.proxyless.mesh.api.ResourceKind.VIRTUAL_SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MeshConfigTest {

    static String virtualService(String namespace, String name, String... hosts) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - destination: {host: "%s"}
                """.formatted(name, namespace, quoted(hosts), hosts[0]);
    }

    static String destinationRule(String namespace, String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s, namespace: %s}
                spec:
                  host: "%s"
                  subsets:
                  - name: v1
                    labels: {version: v1}
                """.formatted(name, namespace, host);
    }

    static String serviceEntry(String namespace, String name, String... hosts) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: [%s]
                  location: MESH_EXTERNAL
                  resolution: %s
                  ports:
                  - {number: 443, name: https, protocol: TLS}
                """.formatted(name, namespace, quoted(hosts),
                // Istio: DNS resolution without endpoints needs plain FQDNs; wildcards are passed through (NONE).
                java.util.Arrays.stream(hosts).anyMatch(h -> h.startsWith("*")) ? "NONE" : "DNS");
    }

    /** Hosts may start with {@code *}, which plain YAML would read as an alias. */
    static String quoted(String... hosts) {
        return String.join(", ", java.util.Arrays.stream(hosts).map(h -> '"' + h + '"').toList());
    }

    static LoadedConfig load(String... documents) {
        LoadedConfig loaded = ConfigLoader.create().loadString("mesh.yaml", String.join("---\n", documents));
        assertThat(loaded.errors()).as("test config must be valid").isEmpty();
        return loaded;
    }

    @Test
    void resourcesOfAKindComeInLoadOrder() {
        MeshConfig config = MeshConfig.of(load(
                virtualService("default", "b", "b"),
                destinationRule("default", "b", "b"),
                virtualService("default", "a", "a"),
                virtualService("other", "c", "c")));

        assertThat(config.resources()).extracting(Resource::describe).containsExactly(
                "VirtualService default/b", "DestinationRule default/b", "VirtualService default/a",
                "VirtualService other/c");
        List<Resource<VirtualService>> vs = config.resources(VIRTUAL_SERVICE);
        assertThat(vs).extracting(Resource::name).containsExactly("b", "a", "c");
        assertThat(config.<DestinationRule>resources(DESTINATION_RULE)).extracting(r -> r.spec().host())
                .containsExactly("b");
        assertThat(config.resources(SERVICE_ENTRY)).isEmpty();
    }

    @Test
    void findLooksUpByKindNamespaceAndName() {
        MeshConfig config = MeshConfig.of(load(
                virtualService("default", "reviews", "reviews"),
                destinationRule("default", "reviews", "reviews"),
                virtualService("shop", "reviews", "reviews")));

        Optional<Resource<VirtualService>> found = config.find(VIRTUAL_SERVICE, "shop", "reviews");
        assertThat(found).get().extracting(Resource::namespace).isEqualTo("shop");
        assertThat(config.find(DESTINATION_RULE, "default", "reviews")).get()
                .extracting(Resource::kind).isEqualTo(DESTINATION_RULE);
        assertThat(config.find(DESTINATION_RULE, "shop", "reviews")).isEmpty();
        assertThat(config.find(VIRTUAL_SERVICE, "default", "ratings")).isEmpty();
        assertThat(config.find(SERVICE_ENTRY, "default", "reviews")).isEmpty();
    }

    @Test
    void findReturnsTheFirstLoadedOfTwoResourcesWithTheSameName() {
        List<Resource<?>> resources = new ArrayList<>();
        resources.addAll(load(virtualService("default", "reviews", "first")).resources());
        resources.addAll(load(virtualService("default", "reviews", "second")).resources());
        MeshConfig config = MeshConfig.of(resources);

        assertThat(config.resources(VIRTUAL_SERVICE)).hasSize(2);
        assertThat(config.<VirtualService>find(VIRTUAL_SERVICE, "default", "reviews")).get()
                .extracting(r -> r.spec().hosts()).isEqualTo(List.of("first"));
    }

    @Test
    void byHostMatchesHostsExactlyAsWritten() {
        MeshConfig config = MeshConfig.of(load(
                virtualService("default", "short", "reviews"),
                virtualService("default", "long", "reviews.default.svc.cluster.local"),
                virtualService("default", "wild", "*.example.com")));

        assertThat(config.byHost(VIRTUAL_SERVICE, "reviews")).extracting(Resource::name).containsExactly("short");
        assertThat(config.byHost(VIRTUAL_SERVICE, "reviews.default.svc.cluster.local"))
                .extracting(Resource::name).containsExactly("long");
        assertThat(config.byHost(VIRTUAL_SERVICE, "*.example.com")).extracting(Resource::name)
                .containsExactly("wild");
        // No wildcard matching and no short-name expansion here: that is the routing engine's job.
        assertThat(config.byHost(VIRTUAL_SERVICE, "api.example.com")).isEmpty();
        assertThat(config.byHost(VIRTUAL_SERVICE, "reviews.default")).isEmpty();
    }

    @Test
    void byHostIndexesEveryHostOfAVirtualServiceAndKeepsLoadOrder() {
        MeshConfig config = MeshConfig.of(load(
                virtualService("default", "one", "reviews", "ratings"),
                virtualService("shop", "two", "ratings"),
                virtualService("default", "three", "details", "ratings")));

        assertThat(config.byHost(VIRTUAL_SERVICE, "ratings")).extracting(Resource::name)
                .containsExactly("one", "two", "three");
        assertThat(config.byHost(VIRTUAL_SERVICE, "reviews")).extracting(Resource::name).containsExactly("one");
        assertThat(config.byHost(VIRTUAL_SERVICE, "details")).extracting(Resource::name).containsExactly("three");
    }

    @Test
    void byHostUsesDestinationRuleHostAndServiceEntryHostsPerKind() {
        MeshConfig config = MeshConfig.of(load(
                virtualService("default", "vs", "api.example.com"),
                destinationRule("default", "dr", "api.example.com"),
                serviceEntry("default", "se", "api.example.com", "www.example.com")));

        assertThat(config.byHost(DESTINATION_RULE, "api.example.com")).extracting(Resource::name)
                .containsExactly("dr");
        assertThat(config.byHost(SERVICE_ENTRY, "www.example.com")).extracting(Resource::name)
                .containsExactly("se");
        assertThat(config.byHost(SERVICE_ENTRY, "api.example.com")).extracting(Resource::name)
                .containsExactly("se");
        assertThat(config.byHost(VIRTUAL_SERVICE, "www.example.com")).isEmpty();
        assertThat(config.byHost(ResourceKind.GATEWAY, "api.example.com")).isEmpty();
    }

    @Test
    void hostsOfReadsTheHostFieldsOfEachKind() {
        LoadedConfig loaded = load(
                virtualService("default", "vs", "a", "b"),
                destinationRule("default", "dr", "c"),
                serviceEntry("default", "se", "d.example.com"));

        assertThat(loaded.resources()).extracting(MeshConfig::hostsOf)
                .containsExactly(List.of("a", "b"), List.of("c"), List.of("d.example.com"));
    }

    @Test
    void byHostAgreesWithALinearScanForRandomConfigs() {
        List<String> hostPool = List.of("reviews", "ratings", "details.shop", "*.example.com", "api.example.com");
        List<String> namePool = List.of("a", "b", "c");
        for (int seed = 0; seed < 40; seed++) {
            Random random = new Random(seed);
            List<String> docs = new ArrayList<>();
            int count = 1 + random.nextInt(8);
            for (int i = 0; i < count; i++) {
                String ns = random.nextBoolean() ? "default" : "shop";
                String name = namePool.get(random.nextInt(namePool.size())) + i;
                String host = hostPool.get(random.nextInt(hostPool.size()));
                String other = hostPool.get(random.nextInt(hostPool.size()));
                if (host.startsWith("*.") != other.startsWith("*.") && (host + other).contains("example.com")) {
                    other = host; // *.example.com and api.example.com overlap: Istio rejects them in one VirtualService
                }
                docs.add(switch (random.nextInt(3)) {
                    case 0 -> host.equals(other) ? virtualService(ns, name, host) : virtualService(ns, name, host, other);
                    case 1 -> destinationRule(ns, name, host);
                    default -> serviceEntry(ns, name, host.contains(".") ? host : host + ".example.org");
                });
            }
            LoadedConfig loaded = load(docs.toArray(String[]::new));
            MeshConfig config = MeshConfig.of(loaded);
            for (ResourceKind kind : List.of(VIRTUAL_SERVICE, DESTINATION_RULE, SERVICE_ENTRY)) {
                for (String host : hostPool) {
                    for (String h : List.of(host, host + ".example.org")) {
                        List<Resource<?>> expected = loaded.resources().stream()
                                .filter(r -> r.kind() == kind && MeshConfig.hostsOf(r).contains(h))
                                .toList();
                        List<Resource<?>> actual = List.copyOf(config.<Object>byHost(kind, h));
                        assertThat(actual)
                                .as("seed %d, kind %s, host %s, config:%n%s", seed, kind, h, String.join("---\n", docs))
                                .containsExactlyElementsOf(expected);
                    }
                }
            }
        }
    }

    @Test
    void warningsAndInfosTravelWithTheSnapshot() {
        LoadedConfig valid = load(virtualService("default", "reviews", "reviews"));
        Problem warning = new Problem(Severity.WARNING, "mesh.yaml", 3, "VirtualService", "default", "reviews",
                "spec.http[0].corsPolicy", "not supported");
        Problem info = new Problem(Severity.INFO, "mesh.yaml", 1, null, null, null, null, "skipped a ConfigMap");
        MeshConfig config = MeshConfig.of(new LoadedConfig(valid.resources(), List.of(warning, info)));

        assertThat(config.warnings()).containsExactlyInAnyOrder(warning, info);
    }

    @Test
    void configWithErrorsCannotBecomeASnapshot() {
        LoadedConfig valid = load(virtualService("default", "reviews", "reviews"));
        Problem error = new Problem(Severity.ERROR, "mesh.yaml", 7, "VirtualService", "default", "reviews",
                "spec.http[0].route[0].destination.subst", "unknown field \"subst\"");

        assertThatThrownBy(() -> MeshConfig.of(new LoadedConfig(valid.resources(), List.of(error))))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(error));
    }

    @Test
    void invalidYamlLoadedFromTextIsRejected() {
        LoadedConfig loaded = ConfigLoader.create().loadString("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subst: v1}
                """);

        assertThatThrownBy(() -> MeshConfig.of(loaded)).isInstanceOf(ConfigException.class);
    }

    @Test
    void emptySnapshotHasVersionZeroAndNothingInIt() {
        assertThat(MeshConfig.EMPTY.version()).isZero();
        assertThat(MeshConfig.EMPTY.isEmpty()).isTrue();
        assertThat(MeshConfig.EMPTY.resources()).isEmpty();
        assertThat(MeshConfig.EMPTY.warnings()).isEmpty();
        assertThat(MeshConfig.EMPTY.find(VIRTUAL_SERVICE, "default", "reviews")).isEmpty();
        assertThat(MeshConfig.EMPTY.byHost(VIRTUAL_SERVICE, "reviews")).isEmpty();
    }

    @Test
    void laterSnapshotsHaveLargerVersionsEvenWithEqualContent() {
        LoadedConfig loaded = load(virtualService("default", "reviews", "reviews"));
        MeshConfig first = MeshConfig.of(loaded);
        MeshConfig second = MeshConfig.of(loaded);

        assertThat(first.version()).isPositive();
        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(MeshConfig.of(List.of()).version()).isGreaterThan(second.version());
    }

    @Test
    void snapshotListsCannotBeModified() {
        MeshConfig config = MeshConfig.of(load(virtualService("default", "reviews", "reviews")));

        assertThatThrownBy(() -> config.resources().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.resources(VIRTUAL_SERVICE).clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.byHost(VIRTUAL_SERVICE, "reviews").clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
