package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.RetryOn;
import io.proxyless.mesh.runtime.model.StringMatch;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RDS into the one route model, one literal proto per behaviour. */
class XdsRouteResourceTest {
    private static final ParseContext SIDECAR = ParseContext.sidecar();
    private static final ParseContext PROXYLESS = new ParseContext(true, Map.of());
    private static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";

    private static RouteConfiguration config(Route.Builder... routes) {
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName("reviews.default.svc.cluster.local:9080")
                .addDomains("reviews.default.svc.cluster.local").addDomains("reviews.default.svc.cluster.local:9080")
                .addDomains("Reviews");
        for (Route.Builder r : routes) {
            vh.addRoutes(r);
        }
        return RouteConfiguration.newBuilder().setName("9080").addVirtualHosts(vh).build();
    }

    private static Route.Builder toCluster(RouteMatch.Builder match, String cluster) {
        return Route.newBuilder().setMatch(match).setRoute(RouteAction.newBuilder().setCluster(cluster));
    }

    private static io.proxyless.mesh.runtime.model.RouteConfiguration ok(RouteConfiguration rc, ParseContext ctx) {
        Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parsed = XdsRouteResource.parse(rc, 9080, ctx);
        assertThat(parsed.error()).isNull();
        return parsed.value();
    }

    private static String nack(RouteConfiguration rc) {
        Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parsed = XdsRouteResource.parse(rc, 9080, SIDECAR);
        assertThat(parsed.ok()).as("NACKed").isFalse();
        return parsed.error();
    }

    @Test
    void anIstiodRouteBecomesModelValuesWithoutAnIstioRecordInBetween() {
        RouteConfiguration rc = config(Route.newBuilder().setName("jason")
                .setMatch(RouteMatch.newBuilder().setPrefix("/reviews")
                        .addHeaders(HeaderMatcher.newBuilder().setName("end-user")
                                .setStringMatch(StringMatcher.newBuilder().setSuffix("SON").setIgnoreCase(true))))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(XdsFixtures.weighted(V1, 80, V2, 20))
                        .setTimeout(XdsFixtures.duration(Duration.ofSeconds(2)))
                        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,connect-failure")
                                .setNumRetries(UInt32Value.of(3))
                                .setPerTryTimeout(XdsFixtures.duration(Duration.ofMillis(500))))));

        var model = ok(rc, SIDECAR);

        assertThat(model.port()).isEqualTo(9080);
        var vh = model.virtualHosts().get(0);
        assertThat(vh.domains()).extracting(Object::toString).as("lower-case, ports dropped, once each")
                .containsExactly("reviews.default.svc.cluster.local", "reviews");
        var route = vh.routes().get(0);
        assertThat(route.name()).isEqualTo("jason");
        assertThat(route.match().path()).isEqualTo(PathMatch.prefix("/reviews", true));
        assertThat(route.match().headers()).containsExactly(
                HeaderMatch.of("end-user", StringMatch.suffix("SON").ignoringCase()));
        var action = route.routeAction();
        assertThat(action.clusters()).containsExactly(ClusterWeight.of(V1, 80), ClusterWeight.of(V2, 20));
        assertThat(action.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(action.retryPolicy().numRetries()).isEqualTo(3);
        assertThat(action.retryPolicy().retryOn()).containsExactlyInAnyOrder(RetryOn.FIVE_XX,
                RetryOn.CONNECT_FAILURE);
        assertThat(action.retryPolicy().perTryTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void twoConditionsOnOneHeaderAreCarriedOutNotSkipped() {
        var model = ok(config(toCluster(RouteMatch.newBuilder().setPrefix("/")
                .addHeaders(HeaderMatcher.newBuilder().setName("x-version").setPrefixMatch("v"))
                .addHeaders(HeaderMatcher.newBuilder().setName("x-version").setExactMatch("v1").setInvertMatch(true)),
                V1)), SIDECAR);

        assertThat(model.virtualHosts().get(0).routes().get(0).match().headers()).containsExactly(
                HeaderMatch.of("x-version", StringMatch.prefix("v")),
                HeaderMatch.of("x-version", StringMatch.exact("v1")).inverted());
    }

    @Test
    void aRouteWithoutATimeoutHasEnvoysFifteenSecondsInTheSidecarShapeAndNoneProxyless() {
        RouteConfiguration rc = config(toCluster(RouteMatch.newBuilder().setPrefix("/"), V1));

        assertThat(ok(rc, SIDECAR).virtualHosts().get(0).routes().get(0).routeAction().timeout())
                .isEqualTo(Duration.ofSeconds(15));
        assertThat(ok(rc, PROXYLESS).virtualHosts().get(0).routes().get(0).routeAction().timeout()).isNull();
    }

    @Test
    void aFaultFilterConfigBecomesTheRoutesFault() {
        HTTPFault fault = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503)
                .setPercentage(FractionalPercent.newBuilder().setNumerator(25))).build();
        var model = ok(config(toCluster(RouteMatch.newBuilder().setPrefix("/"), V1)
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault))), SIDECAR);

        var f = model.virtualHosts().get(0).routes().get(0).fault();
        assertThat(f.httpStatus()).isEqualTo(503);
        assertThat(f.abortPercentage()).isEqualTo(25.0);
    }

    @Test
    void weightsSummingToZeroAreNackedAsEnvoyAndGrpcJavaDo() {
        String error = nack(config(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(XdsFixtures.weighted(V1, 0, V2, 0)))));

        assertThat(error).contains("virtual_hosts[0].routes[0].route.weighted_clusters.clusters")
                .contains("sum of the cluster weights is 0");
    }

    @Test
    void whatThisClientCannotCarryOutIsNackedWithTheReason() {
        String error = nack(config(
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setNonForwardingAction(NonForwardingAction.getDefaultInstance()),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")),
                toCluster(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder()
                        .setName("n").setRangeMatch(Int64Range.newBuilder().setStart(1).setEnd(5))), V1)));

        assertThat(error)
                .contains("virtual_hosts[0].routes[0]: route action NON_FORWARDING_ACTION cannot be carried out")
                .contains("virtual_hosts[0].routes[1].route.cluster_header: this cluster specifier cannot be"
                        + " carried out")
                .contains("virtual_hosts[0].routes[2].match.headers[0]: header matcher RANGE_MATCH cannot be"
                        + " evaluated");
    }

    @Test
    void anInvalidRegexIsNackedAtItsField() {
        String error = nack(config(toCluster(RouteMatch.newBuilder().setPrefix("/").addHeaders(
                HeaderMatcher.newBuilder().setName("end-user").setSafeRegexMatch(RegexMatcher.newBuilder()
                        .setRegex("jason("))), V1)));

        assertThat(error).isEqualTo("virtual_hosts[0].routes[0].match.headers[0].safe_regex_match: invalid regex"
                + " \"jason(\": missing closing )");
    }

    @Test
    void retriesAvoidPreviousHostsOnlyWhenThePredicateSaysSo() {
        var retry = XdsRouteResource.parseRetryPolicy(RetryPolicy.newBuilder().setRetryOn("reset")
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts"))
                .addRetriableStatusCodes(409).build(), "p", new Findings());

        assertThat(retry.numRetries()).as("Envoy's default").isEqualTo(1);
        assertThat(retry.avoidPreviousHosts()).isTrue();
        assertThat(retry.retriableStatusCodes()).isEqualTo(Set.of(409));
    }
}
