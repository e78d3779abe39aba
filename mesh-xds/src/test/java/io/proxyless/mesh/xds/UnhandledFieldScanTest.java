package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LedsClusterLocalityConfig;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The scan of a resource's bytes for fields outside the allow-lists: parses that skip the reflective checks on clean
 * bytes find exactly what parses without the scan find.
 */
class UnhandledFieldScanTest {
    private static final String CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";

    private static VirtualHost.Builder istioLike() {
        RetryPolicy retry = RetryPolicy.newBuilder().setRetryOn("connect-failure,refused-stream")
                .setNumRetries(UInt32Value.of(2)).build();
        return VirtualHost.newBuilder().setName("reviews.default.svc.cluster.local:9080")
                .addDomains("reviews.default.svc.cluster.local").addDomains("reviews")
                .addRoutes(Route.newBuilder().setName("jason").setMatch(RouteMatch.newBuilder().setPrefix("/")
                                .addHeaders(HeaderMatcher.newBuilder().setName("end-user")
                                        .setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                        .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(CLUSTER)
                                        .setWeight(UInt32Value.of(100))))
                                .setRetryPolicy(retry)))
                .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(CLUSTER).setRetryPolicy(retry)));
    }

    private static List<String> warnings(Parsed<?> parsed) {
        return parsed.warnings().stream().map(Findings.Finding::toString).toList();
    }

    /** What accepting the configuration (scanned) and parsing it (not scanned) warn about; asserted equal. */
    private static List<String> routeWarnings(VirtualHost.Builder vh) {
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("9080").addVirtualHosts(vh)
                .addVirtualHosts(istioLike().setName("other").clearDomains().addDomains("other")).build();
        List<String> unscanned = warnings(XdsRouteResource.parse(rc, 9080, ParseContext.sidecar()));
        assertThat(warnings(RouteParses.none().accept(rc, ParseContext.sidecar()))).isEqualTo(unscanned);
        return unscanned;
    }

    private static boolean clean(VirtualHost.Builder vh) {
        return XdsRouteResource.VHOST_SCAN.clean(vh.build().toByteString());
    }

    @Test
    void istiodsRoutesAreCleanAndFindNothing() {
        assertThat(clean(istioLike())).isTrue();
        assertThat(routeWarnings(istioLike())).isEmpty();
    }

    @Test
    void anUnsupportedFieldAnywhereTheParseChecksMakesTheBytesUnclean() {
        List<UnaryOperator<VirtualHost.Builder>> changes = List.of(
                vh -> vh.addRequestHeadersToRemove("x-unsupported-here"),
                vh -> {
                    vh.getRoutesBuilder(1).getRouteBuilder().setIdleTimeout(
                            com.google.protobuf.Duration.newBuilder().setSeconds(5));
                    return vh;
                },
                vh -> {
                    vh.getRoutesBuilder(0).getRouteBuilder().getRetryPolicyBuilder().setRateLimitedRetryBackOff(
                            RetryPolicy.RateLimitedRetryBackOff.getDefaultInstance());
                    return vh;
                },
                vh -> {
                    vh.getRoutesBuilder(0).getRouteBuilder().getWeightedClustersBuilder().getClustersBuilder(0)
                            .setHostRewriteLiteral("other");
                    return vh;
                },
                vh -> {
                    // The virtual host's retry policy, for the route that has none of its own.
                    vh.getRoutesBuilder(1).getRouteBuilder().clearRetryPolicy();
                    return vh.setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setRateLimitedRetryBackOff(
                            RetryPolicy.RateLimitedRetryBackOff.getDefaultInstance()));
                },
                vh -> {
                    // A per-filter config is checked when unpacked (the fault filter's), which the scan does not do.
                    vh.getRoutesBuilder(1).putTypedPerFilterConfig("envoy.filters.http.cors", Any.getDefaultInstance());
                    return vh;
                });
        for (UnaryOperator<VirtualHost.Builder> change : changes) {
            VirtualHost.Builder vh = change.apply(istioLike());
            assertThat(clean(vh)).as(vh.build().toString()).isFalse();
            assertThat(routeWarnings(vh)).as(vh.build().toString()).isNotEmpty();
        }
    }

    @Test
    void aFieldUnknownToTheTypeIsNoneOfTheParsesConcern() {
        VirtualHost.Builder vh = istioLike();
        vh.getRoutesBuilder(1).getRouteBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(999, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build());
        assertThat(clean(vh)).isTrue();
        assertThat(routeWarnings(vh)).isEmpty();
    }

    @Test
    void clustersAndAssignmentsFindTheSameScannedOrNot() {
        Cluster plain = Cluster.newBuilder().setName(CLUSTER).setType(Cluster.DiscoveryType.EDS)
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(3))).build();
        for (Cluster c : List.of(plain, plain.toBuilder().setIgnoreHealthOnHostRemoval(true).build(),
                plain.toBuilder().setOutlierDetection(plain.getOutlierDetection().toBuilder()
                        .setSuccessRateMinimumHosts(UInt32Value.of(2))).build(),
                plain.toBuilder().setType(Cluster.DiscoveryType.STATIC).setLoadAssignment(assignment(true)).build())) {
            assertThat(warnings(XdsClusterResource.parse(c, ParseContext.sidecar(), c.toByteString())))
                    .isEqualTo(warnings(XdsClusterResource.parse(c, ParseContext.sidecar())));
        }
        ClusterLoadAssignment withPolicy = assignment(false).toBuilder().setPolicy(ClusterLoadAssignment.Policy
                .newBuilder().setEndpointStaleAfter(com.google.protobuf.Duration.newBuilder().setSeconds(5))).build();
        for (ClusterLoadAssignment cla : List.of(assignment(false), assignment(true), withPolicy)) {
            assertThat(warnings(XdsEndpointResource.parse(cla, cla.toByteString())))
                    .isEqualTo(warnings(XdsEndpointResource.parse(cla)));
        }
        assertThat(warnings(XdsEndpointResource.parse(assignment(true)))).isNotEmpty();
        assertThat(warnings(XdsEndpointResource.parse(withPolicy))).isNotEmpty();
        assertThat(XdsEndpointResource.ASSIGNMENT_SCAN.clean(assignment(false).toByteString())).isTrue();
    }

    private static ClusterLoadAssignment assignment(boolean leds) {
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(9080)))));
        if (leds) {
            group.setLedsClusterLocalityConfig(LedsClusterLocalityConfig.getDefaultInstance());
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER).addEndpoints(group).build();
    }
}
