package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload is invisible: over seeded random configs spread over several files and random edits (an endpoint moved,
 * endpoint labels, DestinationRule subsets or ports changed, a route's destination or subset changed, a DestinationRule's subsets changed, a
 * route's timeout or a DestinationRule's balancer changed in place, a Sidecar or a file's lines shifted, a service
 * removed or added back, a service written into a second file too), a loader that loads each version after the
 * one before returns exactly what a new loader returns for the same files: the same resources and the same problems
 * (validation and analysis findings with file:line) in the same order. The config is written to have findings
 * (unknown hosts and subsets, ambiguous ports, unknown DestinationRule hosts, Sidecar selectors), so that findings
 * taken from the load before are checked; a failure names its seed, case and step.
 */
class IncrementalLoadPropertyTest {
    private static final long[] SEEDS = {3, 17, 2026, 98765};
    private static final int CASES = 6;
    private static final int EDITS = 10;
    private static final int SERVICES = 8;
    private static final int FILES = 3;
    private static final String[] BALANCERS = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"};

    @TempDir
    Path dir;

    @Test
    void aReloadFindsWhatAFreshLoadFinds() throws IOException {
        int reusedLoads = 0;
        int unchecked = 0;
        int duplicates = 0;
        int editedInPlace = 0;
        int keptInPlace = 0;
        int findings = 0;
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int c = 0; c < CASES; c++) {
                List<Service> services = new ArrayList<>();
                for (int i = 0; i < SERVICES; i++) {
                    services.add(Service.random(i, random));
                }
                write(services);
                ConfigLoader loader = ConfigLoader.create();
                LoadedConfig first = loader.load(List.of(dir));
                assertThat(first).as("seed " + seed + ", case " + c).isEqualTo(ConfigLoader.create().load(List.of(dir)));
                for (int step = 0; step < EDITS; step++) {
                    String edit = edit(services, random);
                    String where = "seed " + seed + ", case " + c + ", step " + step + " (" + edit + ")";
                    write(services);
                    LoadedConfig reloaded = loader.load(List.of(dir));
                    LoadedConfig fresh = ConfigLoader.create().load(List.of(dir));
                    assertThat(reloaded.problems()).as(where + ": problems").isEqualTo(fresh.problems());
                    assertThat(reloaded).as(where).isEqualTo(fresh);
                    findings += fresh.problems().size();
                    reusedLoads += loader.analysesReused() > 0 ? 1 : 0;
                    unchecked += loader.mergedWithoutDuplicateCheck() ? 1 : 0;
                    duplicates += fresh.problems().stream().anyMatch(p -> p.message().startsWith("duplicate")) ? 1 : 0;
                    if (edit.endsWith("in place")) {
                        editedInPlace++;
                        keptInPlace += loader.analysesReused() > 0 ? 1 : 0;
                    }
                }
            }
        }
        // Holds trivially if nothing is ever reused or nothing is ever found.
        assertThat(reusedLoads).as("reloads that kept the analyses' findings").isGreaterThan(SEEDS.length * CASES);
        assertThat(findings).as("findings").isGreaterThan(SEEDS.length * CASES * EDITS);
        // Reloads whose files hold the resources they held (by kind, namespace and name) skip the cross-file
        // duplicate check; services written into a second file make duplicates, found as a fresh load finds them.
        assertThat(unchecked).as("reloads merged without the duplicate check").isGreaterThan(SEEDS.length * CASES);
        assertThat(duplicates).as("reloads with duplicates across files").isGreaterThan(SEEDS.length);
        // A route's timeout or a DestinationRule's balancer is read by no analysis: the findings stand, and the
        // other resources of the edited file are the objects they were.
        assertThat(keptInPlace).as("in-place route and balancer edits that kept the analyses' findings")
                .isEqualTo(editedInPlace).isGreaterThan(SEEDS.length);
    }

    @Test
    void aTimeoutOrBalancerWrittenOnALineOfItsOwnKeepsTheFindings() throws IOException {
        String rule = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: r}
                spec:
                  host: nowhere
                  trafficPolicy:
                    tls: {mode: SIMPLE}
                %s---
                """;
        String route = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: v}
                spec:
                  hosts: [v]
                  http:
                  - route: [{destination: {host: unknown, subset: a}}]
                %s""";
        Files.writeString(dir.resolve("a.yaml"), rule.formatted(""));
        Files.writeString(dir.resolve("b.yaml"), route.formatted(""));
        ConfigLoader loader = ConfigLoader.create();
        LoadedConfig first = loader.load(List.of(dir));
        assertThat(first.problems()).as("findings about the rule and the route").hasSizeGreaterThan(1);
        Files.writeString(dir.resolve("a.yaml"), rule.formatted("    loadBalancer: {simple: RANDOM}\n"));
        Files.writeString(dir.resolve("b.yaml"), route.formatted("    timeout: 2s\n"));
        LoadedConfig reloaded = loader.load(List.of(dir));
        assertThat(reloaded).isEqualTo(ConfigLoader.create().load(List.of(dir)));
        assertThat(loader.analysesReused()).as("analyses whose findings were kept").isGreaterThan(0);
    }

    private void write(List<Service> services) throws IOException {
        for (int f = 0; f < FILES; f++) {
            StringBuilder yaml = new StringBuilder();
            if (f == 0) {
                // A Pod, so that the Sidecar selector analysis runs (over Pods and endpoints' labels).
                yaml.append("apiVersion: v1\nkind: Pod\nmetadata: {name: client, labels: {app: client}}\n---\n");
            }
            for (Service s : services) {
                if ((s.index % FILES == f || s.duplicated && (s.index + 1) % FILES == f) && s.present) {
                    yaml.append(s.yaml());
                }
            }
            Files.writeString(dir.resolve("mesh-" + f + ".yaml"), yaml.toString());
        }
    }

    /** Changes one random thing of one random service; what changed, for the failure message. */
    private static String edit(List<Service> services, Random random) {
        int i = random.nextInt(services.size());
        Service s = services.get(i);
        int kind = random.nextInt(14);
        switch (kind) {
            case 0, 1, 2 -> s.address = "10." + i + "." + random.nextInt(250) + "." + (1 + random.nextInt(250));
            case 3 -> s.labelVersion = 1 + random.nextInt(3);
            case 4 -> s.twoPorts = !s.twoPorts;
            case 5 -> s.destination = random.nextInt(SERVICES + 2);
            case 6 -> s.subset = random.nextInt(3);
            case 7 -> s.comments = random.nextInt(3);
            case 8 -> s.present = !s.present;
            case 9 -> s.version = 1 + random.nextInt(3);
            case 10 -> s.duplicated = !s.duplicated;
            case 11 -> s.timeout = 1 + random.nextInt(5);
            case 12 -> s.balancer = BALANCERS[random.nextInt(BALANCERS.length)];
            case 13 -> s.retries = !s.retries;
            default -> {
                // No change at all.
            }
        }
        return "s" + i + " edit " + kind + (kind == 11 || kind == 12 ? " in place" : "");
    }

    /** One service: a ServiceEntry, a DestinationRule (maybe for a host no one defines) and a VirtualService. */
    private static final class Service {
        final int index;
        boolean present = true;
        // Also written in the next file: every one of its resources a duplicate across files.
        boolean duplicated;
        boolean twoPorts;
        String address;
        int version;
        int labelVersion;
        int destination;
        int subset;
        int comments;
        boolean sidecar;
        int timeout = 1;
        boolean retries;
        String balancer = BALANCERS[0];

        Service(int index) {
            this.index = index;
        }

        static Service random(int index, Random random) {
            Service s = new Service(index);
            s.twoPorts = random.nextInt(3) == 0;
            s.address = "10." + index + ".0.1";
            s.version = 1 + random.nextInt(3);
            s.labelVersion = 1 + random.nextInt(3);
            s.destination = random.nextInt(SERVICES + 2); // beyond SERVICES: a host no one defines
            s.subset = random.nextInt(3);
            s.comments = random.nextInt(3);
            s.sidecar = random.nextInt(4) == 0;
            return s;
        }

        String yaml() {
            String name = "s" + index;
            StringBuilder out = new StringBuilder("# " + name + "\n".repeat(1 + comments));
            out.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: %s}
                    spec:
                      hosts: [%s.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports:
                      - {number: 8080, name: http, protocol: HTTP}
                    """.formatted(name, name));
            if (twoPorts) {
                out.append("  - {number: 9090, name: http-b, protocol: HTTP}\n");
            }
            out.append("  endpoints:\n  - {address: ").append(address).append(", labels: {app: ").append(name)
                    .append(", version: v").append(labelVersion).append("}}\n")
                    .append("  - {address: 10.").append(index).append(".9.9, labels: {app: ").append(name)
                    .append(", version: v1}}\n---\n");
            out.append("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %s}
                    spec:
                      host: %s
                      trafficPolicy: {loadBalancer: {simple: %s}}
                      subsets:
                      - {name: v1, labels: {version: v1}}
                    """.formatted(name, index % 4 == 3 ? "nowhere" + index : name, balancer));
            if (version > 1) {
                out.append("  - {name: v").append(version).append(", labels: {version: v").append(version)
                        .append("}}\n");
            }
            out.append("---\n");
            String subsetField = subset == 0 ? "" : ", subset: v" + subset;
            out.append("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: %s}
                    spec:
                      hosts: [%s]
                      http:
                      - route: [{destination: {host: s%d%s}}]
                        timeout: %ds
                    %s---
                    """.formatted(name, name, destination, subsetField, timeout,
                    retries ? "    retries: {attempts: 2}\n" : ""));
            if (sidecar) {
                out.append("""
                        apiVersion: networking.istio.io/v1
                        kind: Sidecar
                        metadata: {name: %s}
                        spec:
                          workloadSelector: {labels: {app: %s, version: v2}}
                          egress: [{hosts: ["./*"]}]
                        ---
                        """.formatted(name, name));
            }
            return out.toString();
        }
    }
}
