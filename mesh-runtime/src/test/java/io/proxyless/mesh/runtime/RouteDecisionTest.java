package io.proxyless.mesh.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.RouteAction;
import org.junit.jupiter.api.Test;

class RouteDecisionTest {

    @Test
    void aDecisionSaysWhatItWasMadeWithWhetherItsTargetIsSharedOrItsOwn() {
        Endpoint endpoint = Endpoint.of("10.0.0.1", 9080);
        RouteDecision.Target shared = new RouteDecision.Target(RouteAction.FORWARD, null, null, null, 0, null);
        RouteDecision a = new RouteDecision(shared, "reviews.default.svc.cluster.local", 9080, endpoint, 2);
        RouteDecision b = new RouteDecision(RouteAction.FORWARD, "reviews.default.svc.cluster.local", 9080, null, null,
                null, Endpoint.of("10.0.0.1", 9080), 0, null, 2);

        assertThat(a.action()).isEqualTo(RouteAction.FORWARD);
        assertThat(a.host()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(a.port()).isEqualTo(9080);
        assertThat(a.endpoint()).isSameAs(endpoint);
        assertThat(a.matchIndex()).isEqualTo(2);
        assertThat(a.isForward()).isTrue();
        assertThat(a).as("equal by value, as the record it was").isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).contains("action=FORWARD", "port=9080", "matchIndex=2");

        RouteDecision rejected = RouteDecision.reject("x.example", 80, null, 502, "REGISTRY_ONLY");
        assertThat(rejected.action()).isEqualTo(RouteAction.REJECT);
        assertThat(rejected.status()).isEqualTo(502);
        assertThat(rejected.reason()).isEqualTo("REGISTRY_ONLY");
        assertThat(rejected.matchIndex()).isEqualTo(-1);
        assertThat(rejected).isNotEqualTo(a);
    }
}
