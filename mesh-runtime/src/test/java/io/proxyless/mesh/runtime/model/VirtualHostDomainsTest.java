package io.proxyless.mesh.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.HostName;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A route configuration built again through the index of the one before checks only the changed virtual hosts'
 * domains, and accepts and rejects exactly what {@link RouteConfiguration#of} accepts and rejects.
 */
class VirtualHostDomainsTest {
    private static final Route ROUTE = Route.directResponse(null, RouteMatch.prefix("/"), DirectResponse.of(200, "ok"));

    private static VirtualHost host(String name, String... domains) {
        return VirtualHost.of(name, List.of(domains).stream().map(HostName::of).toList(), List.of(ROUTE));
    }

    private static List<VirtualHost> services(int n) {
        List<VirtualHost> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(host("svc" + i + ":80", "svc" + i + ".default.svc.cluster.local", "svc" + i));
        }
        return out;
    }

    /** What the index decides for {@code hosts} is what a configuration built from scratch decides. */
    private static void assertDecidesAsAFullCheck(VirtualHostDomains index, List<VirtualHost> hosts) {
        Supplier<RouteConfiguration> full = () -> RouteConfiguration.of("80", 80, hosts);
        String error = null;
        RouteConfiguration expected = null;
        try {
            expected = full.get();
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        if (error == null) {
            assertThat(index.configuration("80", 80, hosts)).isEqualTo(expected);
        } else {
            assertThatThrownBy(() -> index.configuration("80", 80, hosts)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(error);
        }
    }

    @Test
    void changedVirtualHostsAreCheckedAgainstTheUnchangedOnesAndAmongThemselves() {
        VirtualHostDomains index = new VirtualHostDomains();
        List<VirtualHost> v1 = services(50);
        assertDecidesAsAFullCheck(index, v1);

        // svc3 changed, keeping its domains; svc7 changed, taking a new one.
        List<VirtualHost> v2 = new ArrayList<>(v1);
        v2.set(3, host("svc3:80", "svc3.default.svc.cluster.local", "svc3", "svc3.default"));
        v2.set(7, host("svc7:80", "svc7.default.svc.cluster.local"));
        assertDecidesAsAFullCheck(index, v2);

        // A changed virtual host takes a domain an unchanged one has: rejected, and the index stays at v2.
        List<VirtualHost> clash = new ArrayList<>(v2);
        clash.set(9, host("svc9:80", "svc9.default.svc.cluster.local", "svc10"));
        assertDecidesAsAFullCheck(index, clash);
        // Two changed ones take the same new domain.
        List<VirtualHost> twice = new ArrayList<>(v2);
        twice.set(1, host("svc1:80", "svc1", "shared.example.com"));
        twice.set(2, host("svc2:80", "svc2", "shared.example.com"));
        assertDecidesAsAFullCheck(index, twice);
        // The domain svc7 let go of in v2 is free; the one svc3 took is not.
        List<VirtualHost> v3 = new ArrayList<>(v2);
        v3.set(8, host("svc8:80", "svc8", "svc7"));
        assertDecidesAsAFullCheck(index, v3);
        List<VirtualHost> taken = new ArrayList<>(v3);
        taken.set(4, host("svc4:80", "svc4", "svc3.default"));
        assertDecidesAsAFullCheck(index, taken);
        // Two changed ones swap their domains: no domain is in two of them.
        List<VirtualHost> swapped = new ArrayList<>(v3);
        swapped.set(20, host("svc20:80", "svc21.default.svc.cluster.local", "svc21"));
        swapped.set(21, host("svc21:80", "svc20.default.svc.cluster.local", "svc20"));
        assertDecidesAsAFullCheck(index, swapped);
        // The very same virtual host at two places.
        List<VirtualHost> repeated = new ArrayList<>(swapped);
        repeated.set(30, swapped.get(31));
        assertDecidesAsAFullCheck(index, repeated);
        // One added and one removed: checked in full.
        List<VirtualHost> added = new ArrayList<>(swapped);
        added.add(0, host("new:80", "new.example.com"));
        assertDecidesAsAFullCheck(index, added);
        List<VirtualHost> removed = new ArrayList<>(added);
        removed.remove(10);
        assertDecidesAsAFullCheck(index, removed);
        List<VirtualHost> removedClash = new ArrayList<>(removed);
        removedClash.remove(11);
        removedClash.add(host("again:80", "new.example.com"));
        assertDecidesAsAFullCheck(index, removedClash);
    }

    @Test
    void randomEditsDecideAsAFullCheck() {
        Random random = new Random(17);
        for (int round = 0; round < 20; round++) {
            VirtualHostDomains index = new VirtualHostDomains();
            List<VirtualHost> hosts = services(30);
            assertDecidesAsAFullCheck(index, hosts);
            for (int edit = 0; edit < 40; edit++) {
                List<VirtualHost> next = new ArrayList<>(hosts);
                int changes = 1 + random.nextInt(3);
                for (int c = 0; c < changes; c++) {
                    int at = random.nextInt(next.size());
                    String d1 = "svc" + random.nextInt(40);
                    String d2 = "svc" + random.nextInt(40) + ".default.svc.cluster.local";
                    switch (random.nextInt(6)) {
                        case 0 -> next.add(at, host("added" + edit + "-" + c, d1));
                        case 1 -> next.remove(at);
                        case 2 -> next.set(at, next.get(random.nextInt(next.size())));
                        default -> next.set(at, host("svc" + at + ":80", d1, d2));
                    }
                }
                assertDecidesAsAFullCheck(index, next);
                boolean valid;
                try {
                    RouteConfiguration.of("80", 80, next);
                    valid = true;
                } catch (IllegalArgumentException rejected) {
                    valid = false;
                }
                // The next version is edited from this one, or (a rejected one, half the time) from the last good.
                if (valid || random.nextBoolean()) {
                    hosts = next;
                }
            }
        }
    }

    @Test
    void aConfigurationOnAnotherPortKeepsItsVirtualHosts() {
        RouteConfiguration rc = RouteConfiguration.of("9080", 9080, services(3));
        assertThat(rc.withPort(RouteConfiguration.ANY_PORT)).isEqualTo(RouteConfiguration.of("9080",
                RouteConfiguration.ANY_PORT, services(3)));
        assertThat(rc.withPort(RouteConfiguration.ANY_PORT).virtualHosts()).isSameAs(rc.virtualHosts());
        assertThat(rc.without(List.of(rc.virtualHosts().get(1)))).isEqualTo(RouteConfiguration.of("9080", 9080,
                List.of(rc.virtualHosts().get(0), rc.virtualHosts().get(2))));
        assertThat(rc.without(List.of(services(3).get(1)))).as("by identity").isEqualTo(rc);
    }
}
