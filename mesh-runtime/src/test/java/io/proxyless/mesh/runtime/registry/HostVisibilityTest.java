package io.proxyless.mesh.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.IstioEgressListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostVisibilityTest {

    private static HostVisibility egress(String clientNamespace, String... hosts) {
        return HostVisibility.of(clientNamespace, List.of(IstioEgressListener.of(List.of(hosts))), w -> { });
    }

    @Test
    void virtualServiceIsVisibleWhenExportedAndImported() {
        HostVisibility v = egress("shop", "./*", "istio-system/*");

        assertThat(v.visible("shop", List.of(), "reviews.shop.svc.cluster.local")).isTrue();
        assertThat(v.visible("shop", List.of("."), "reviews.shop.svc.cluster.local")).isTrue();
        assertThat(v.visible("billing", List.of(), "ledger.billing.svc.cluster.local"))
                .as("exported but not imported").isFalse();
        assertThat(v.visible("istio-system", List.of("."), "x.istio-system.svc.cluster.local"))
                .as("imported but private to its namespace").isFalse();
        assertThat(v.visible("istio-system", List.of("shop"), "x.istio-system.svc.cluster.local")).isTrue();
    }

    @Test
    void virtualServiceWildcardHostsMatchEgressHostsBothWays() {
        HostVisibility v = egress("shop", "*/api.example.com");

        assertThat(v.imported("ops", "*.example.com")).as("a VirtualService for *.example.com covers api.example.com")
                .isTrue();
        assertThat(v.imported("ops", "web.example.com")).isFalse();
        assertThat(egress("shop", "*/*.example.com").imported("ops", "api.example.com")).isTrue();
    }

    @Test
    void exclusionsApplyToVirtualServicesToo() {
        HostVisibility v = egress("shop", "*/*", "~billing/*");

        assertThat(v.imported("billing", "ledger.billing.svc.cluster.local")).isFalse();
        assertThat(v.imported("ops", "ledger.billing.svc.cluster.local"))
                .as("the namespace is the config's, not the host's").isTrue();
    }

    @Test
    void exportToTildeIsExportedToNoOne() {
        HostVisibility v = HostVisibility.importAll("shop");

        assertThat(v.exported("shop", List.of("~"))).isFalse();
        assertThat(v.exported("billing", List.of("*"))).isTrue();
        assertThat(v.exported("billing", List.of("ops", "shop"))).isTrue();
        assertThat(v.exported("billing", List.of("ops"))).isFalse();
    }

    @Test
    void malformedEgressHostsAreSkippedWithAWarning() {
        List<String> warnings = new ArrayList<>();
        HostVisibility v = HostVisibility.of("shop",
                List.of(IstioEgressListener.of(List.of("reviews.shop.svc.cluster.local", "a/b/c", "./*"))),
                warnings::add);

        assertThat(v.imported("shop", "reviews.shop.svc.cluster.local")).isTrue();
        assertThat(warnings).hasSize(2).allMatch(w -> w.contains("namespace/dnsName"));
    }

    @Test
    void shortEgressHostFromAnUnvalidatedSourceIsNotExpandedAndIsWarned() {
        List<String> warnings = new ArrayList<>();
        HostVisibility v = HostVisibility.of("shop", List.of(IstioEgressListener.of(List.of("./reviews"))),
                warnings::add);

        assertThat(v.imported("shop", "reviews.shop.svc.cluster.local")).isFalse();
        assertThat(v.imported("shop", "reviews")).isTrue();
        assertThat(warnings).singleElement().asString().contains("short name");
    }
}
