package io.proxyless.mesh.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.HostName;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MeshModelTest {

    private static final ClusterKey V1 = ClusterKey.of(9080, "v1", "reviews.default.svc.cluster.local");
    private static final ClusterKey V2 = ClusterKey.of(9080, "v2", "reviews.default.svc.cluster.local");

    @Test
    void aWeightSplitThatSumsToZeroIsRejectedAsIstioEnvoyAndGrpcJavaDo() {
        assertThatThrownBy(() -> RouteAction.forWeightedClusters(List.of(ClusterWeight.of(V1.name(), 0),
                ClusterWeight.of(V2.name(), 0)))).hasMessage("total destination weight = 0");
        // One destination takes everything whatever its weight.
        assertThat(RouteAction.forWeightedClusters(List.of(ClusterWeight.of(V1.name(), 0))).clusters()).hasSize(1);
    }

    @Test
    void anInvalidRegexIsAValueErrorNotARequestTimeOne() {
        assertThatThrownBy(() -> PathMatch.regex("/a(")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid RE2 regex \"/a(\"");
        assertThatThrownBy(() -> PathRewrite.regex("[", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(StringMatch.regex("v[12]").matches("v2")).isTrue();
        assertThat(StringMatch.regex("v[12]").matches("xv2")).as("full match").isFalse();
    }

    @Test
    void anInvertedHeaderConditionHoldsForAMissingHeader() {
        HeaderMatch withoutCanary = HeaderMatch.of("X-Canary", StringMatch.exact("1")).inverted();
        assertThat(withoutCanary.name()).isEqualTo("x-canary");
        assertThat(withoutCanary.matches(null)).isTrue();
        assertThat(withoutCanary.matches("2")).isTrue();
        assertThat(withoutCanary.matches("1")).isFalse();
        assertThat(HeaderMatch.present("x").matches(null)).isFalse();
        assertThat(HeaderMatch.present("x").inverted().matches(null)).isTrue();
    }

    @Test
    void aModelFromBothShapesOfSource() {
        Route route = Route.forward("canary", RouteMatch.prefix("/"),
                        RouteAction.forWeightedClusters(List.of(ClusterWeight.of(V1.name(), 90),
                                        ClusterWeight.of(V2.name(), 10)))
                                .withTimeout(Duration.ofSeconds(2))
                                .withRetryPolicy(RetryPolicy.of(3, Set.of(RetryOn.FIVE_XX), Duration.ofMillis(500))))
                .withFault(FaultInjection.abort(503, 10)).withOrigin("VirtualService default/reviews http[0]");
        VirtualHost vh = VirtualHost.of("reviews.default.svc.cluster.local:9080",
                Stream.of("reviews.default.svc.cluster.local", "reviews.default", "reviews").map(HostName::of).toList(),
                List.of(route),
                "VirtualService default/reviews");
        MeshModel model = MeshModel.of(List.of(RouteConfiguration.of("9080", 9080, List.of(vh))),
                List.of(Cluster.eds(V1).withLbPolicy(LbPolicy.roundRobin()), Cluster.eds(V2)),
                List.of(ClusterLoadAssignment.of(V1.name(), List.of(LbEndpoint.of("10.0.0.1", 9080)))),
                MeshModel.OutboundPolicy.ALLOW_ANY, List.of());

        assertThat(V1.name()).isEqualTo("outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(model.routeConfiguration(9080)).isPresent();
        assertThat(model.routeConfiguration(9080).get().virtualHosts().get(0).routes().get(0).routeAction()
                .retryPolicy().backoffMax()).isEqualTo(Duration.ofMillis(250));
        assertThat(model.endpoints(V1.name())).containsExactly(LbEndpoint.of("10.0.0.1", 9080));
        assertThat(model.endpoints(V2.name())).isEmpty();
        assertThat(model.clusters().get(V2.name()).lbPolicy().kind()).isEqualTo(LbPolicy.Kind.LEAST_REQUEST);
    }

    @Test
    void aDomainInTwoVirtualHostsIsRejected() {
        Route r = Route.directResponse(null, RouteMatch.prefix("/"), DirectResponse.of(200, "ok"));
        assertThatThrownBy(() -> RouteConfiguration.of("80", 80, List.of(
                VirtualHost.of("a", List.of(HostName.of("a.example.com")), List.of(r)),
                VirtualHost.of("b", List.of(HostName.of("A.example.com.")), List.of(r)))))
                .hasMessageContaining("domain a.example.com appears in more than one virtual host");
    }

    @Test
    void virtualHostsReplacedKeepTheirPlacesAndADomainTakenTwiceIsStillRejected() {
        Route r = Route.directResponse(null, RouteMatch.prefix("/"), DirectResponse.of(200, "ok"));
        Route other = Route.directResponse(null, RouteMatch.prefix("/"), DirectResponse.of(404, "no"));
        VirtualHost a = VirtualHost.of("a", List.of(HostName.of("a.example.com")), List.of(r));
        VirtualHost b = VirtualHost.of("b", List.of(HostName.of("b.example.com")), List.of(r));
        RouteConfiguration rc = RouteConfiguration.of("80", 80, List.of(a, b));

        VirtualHost newB = VirtualHost.of("b", b.domains(), List.of(other));
        RouteConfiguration replaced = rc.withVirtualHosts(java.util.Map.of(1, newB));
        assertThat(replaced).isEqualTo(RouteConfiguration.of("80", 80, List.of(a, newB)));
        assertThat(rc.virtualHosts()).containsExactly(a, b);
        // A replacement with other domains is checked as a new configuration is.
        assertThatThrownBy(() -> rc.withVirtualHosts(java.util.Map.of(1,
                VirtualHost.of("b", List.of(HostName.of("a.example.com")), List.of(other)))))
                .hasMessageContaining("domain a.example.com appears in more than one virtual host");
    }
}
