package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.proxyless.mesh.api.HTTPFaultInjection;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.StringMatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RouteConfiguration → Istio routes, one literal proto per behaviour. */
class RouteConfigParserTest {
    private static final ParseContext SIDECAR = ParseContext.sidecar();
    private static final ParseContext PROXYLESS = new ParseContext(true, Map.of());

    private static RouteAction.Builder toCluster(String cluster) {
        return RouteAction.newBuilder().setCluster(cluster);
    }

    private static XdsRouteConfig.Route parse(Route route, ParseContext ctx, Findings f) {
        return RouteConfigParser.parseRoute(route, null, "r", ctx, f);
    }

    private static HTTPMatchRequest match(RouteMatch m) {
        Findings f = new Findings();
        HTTPMatchRequest out = RouteConfigParser.parseMatch(m, "match", f);
        assertThat(f.errors()).isEmpty();
        return out;
    }

    @Test
    void headerStringMatchBecomesAnIstioHeaderMatch() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/api").addHeaders(HeaderMatcher.newBuilder()
                .setName("End-User").setStringMatch(StringMatcher.newBuilder().setExact("jason"))).build());
        assertThat(m.uri()).isEqualTo(StringMatch.prefix("/api"));
        assertThat(m.headers()).containsExactly(Map.entry("end-user", StringMatch.exact("jason")));
    }

    @Test
    void invertedAndAbsentHeadersBecomeWithoutHeaders() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/")
                .addHeaders(HeaderMatcher.newBuilder().setName("x-canary").setInvertMatch(true)
                        .setStringMatch(StringMatcher.newBuilder().setExact("yes")))
                .addHeaders(HeaderMatcher.newBuilder().setName("x-debug").setPresentMatch(false))
                .addHeaders(HeaderMatcher.newBuilder().setName("x-user").setPresentMatch(true)).build());
        assertThat(m.withoutHeaders()).containsEntry("x-canary", StringMatch.exact("yes"))
                .containsEntry("x-debug", new StringMatch(null, null, null));
        assertThat(m.headers()).containsExactly(Map.entry("x-user", new StringMatch(null, null, null)));
    }

    @Test
    void suffixContainsAndIgnoreCaseBecomeEquivalentRegexes() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/")
                .addHeaders(HeaderMatcher.newBuilder().setName("a").setSuffixMatch(".com"))
                .addHeaders(HeaderMatcher.newBuilder().setName("b").setStringMatch(StringMatcher.newBuilder()
                        .setContains("x+y")))
                .addHeaders(HeaderMatcher.newBuilder().setName("c").setStringMatch(StringMatcher.newBuilder()
                        .setExact("Jason").setIgnoreCase(true))).build());
        assertThat(m.headers()).containsEntry("a", StringMatch.regex(".*\\.com"))
                .containsEntry("b", StringMatch.regex(".*x\\+y.*"))
                .containsEntry("c", StringMatch.regex("(?i)Jason"));
    }

    @Test
    void pseudoHeadersBecomeAuthorityMethodAndScheme() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/")
                .addHeaders(HeaderMatcher.newBuilder().setName(":authority").setPrefixMatch("api."))
                .addHeaders(HeaderMatcher.newBuilder().setName(":method").setExactMatch("POST")).build());
        assertThat(m.authority()).isEqualTo(StringMatch.prefix("api."));
        assertThat(m.method()).isEqualTo(StringMatch.exact("POST"));
        assertThat(m.headers()).isEmpty();
    }

    @Test
    void pathKindsMapToUriMatches() {
        assertThat(match(RouteMatch.newBuilder().setPath("/exact").build()).uri()).isEqualTo(StringMatch.exact("/exact"));
        assertThat(match(RouteMatch.newBuilder().setPathSeparatedPrefix("/v1.0").build()).uri())
                .isEqualTo(StringMatch.regex("/v1\\.0(/.*)?"));
        HTTPMatchRequest insensitive = match(RouteMatch.newBuilder().setPrefix("/Api")
                .setCaseSensitive(BoolValue.of(false)).build());
        assertThat(insensitive.uri()).isEqualTo(StringMatch.prefix("/Api"));
        assertThat(insensitive.ignoreUriCase()).isTrue();
    }

    @Test
    void grpcMatchRequiresTheGrpcContentType() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/").setGrpc(
                RouteMatch.GrpcRouteMatchOptions.getDefaultInstance()).build());
        assertThat(m.headers()).containsEntry("content-type", StringMatch.prefix("application/grpc"));
    }

    @Test
    void queryParametersKeepExactPrefixRegexAndPresence() {
        HTTPMatchRequest m = match(RouteMatch.newBuilder().setPrefix("/")
                .addQueryParameters(QueryParameterMatcher.newBuilder().setName("v")
                        .setStringMatch(StringMatcher.newBuilder().setPrefix("2")))
                .addQueryParameters(QueryParameterMatcher.newBuilder().setName("debug").setPresentMatch(true)).build());
        assertThat(m.queryParams()).containsEntry("v", StringMatch.prefix("2"))
                .containsEntry("debug", new StringMatch(null, null, null));
    }

    @Test
    void anInvalidRegexIsAnErrorNamingTheField() {
        Findings f = new Findings();
        RouteConfigParser.parseMatch(RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                .setRegex("/a(")).build(), "match", f);
        assertThat(f.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("match.safe_regex");
            assertThat(e.message()).contains("invalid regex \"/a(\"");
        });
    }

    @Test
    void aRangeHeaderMatchIsAnErrorNotASkippedRoute() {
        Findings f = new Findings();
        XdsRouteConfig.Route r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .addHeaders(HeaderMatcher.newBuilder().setName("n").setRangeMatch(
                                io.envoyproxy.envoy.type.v3.Int64Range.newBuilder().setStart(1).setEnd(5))))
                .setRoute(toCluster("c")).build(), SIDECAR, f);
        assertThat(r).isNull();
        assertThat(f.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("r.match.headers[0]");
            assertThat(e.message()).contains("RANGE_MATCH").contains("cannot be evaluated");
        });
    }

    @Test
    void aRouteThisClientCannotCarryOutIsNackedWithTheReason() {
        Route nonForwarding = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setNonForwardingAction(io.envoyproxy.envoy.config.route.v3.NonForwardingAction.getDefaultInstance())
                .build();
        Route clusterHeader = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")).build();
        Route tlsCondition = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .setTlsContext(RouteMatch.TlsContextMatchOptions.newBuilder()
                                .setPresented(BoolValue.of(true))))
                .setRoute(toCluster("c")).build();
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("9080").addVirtualHosts(VirtualHost
                .newBuilder().setName("reviews").addDomains("reviews.default.svc.cluster.local")
                .addRoutes(nonForwarding).addRoutes(clusterHeader).addRoutes(tlsCondition)
                .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(toCluster("c")))).build();

        Parsed<XdsRouteConfig> parsed = RouteConfigParser.parse(rc, SIDECAR);

        assertThat(parsed.ok()).isFalse();
        assertThat(parsed.error())
                .contains("virtual_hosts[0].routes[0]: route action NON_FORWARDING_ACTION cannot be carried out")
                .contains("virtual_hosts[0].routes[1].route.cluster_header: this cluster specifier cannot be carried"
                        + " out")
                .contains("virtual_hosts[0].routes[2].match.tls_context: cannot be evaluated");
    }

    @Test
    void aWeightedClusterWithoutANameIsAnErrorRatherThanAShareHandedToTheOthers() {
        Findings f = new Findings();
        parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(
                        io.envoyproxy.envoy.config.route.v3.WeightedCluster.newBuilder()
                                .addClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight
                                        .newBuilder().setName("a").setWeight(UInt32Value.of(50)))
                                .addClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight
                                        .newBuilder().setClusterHeader("x-cluster")
                                        .setWeight(UInt32Value.of(50))))).build(), SIDECAR, f);

        assertThat(f.errors()).singleElement().satisfies(e ->
                assertThat(e.path()).isEqualTo("r.route.weighted_clusters.clusters[1]"));
    }

    @Test
    void weightedClustersBecomeWeightedDestinationsWithHostSubsetAndPort() {
        Findings f = new Findings();
        XdsRouteConfig.Route r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(XdsFixtures.weighted(
                        "outbound|9080|v1|reviews.default.svc.cluster.local", 80, "backend", 20))).build(), SIDECAR, f);
        HTTPRoute http = r.route();
        assertThat(http.match()).as("prefix / alone is a catch-all").isEmpty();
        assertThat(http.route()).hasSize(2);
        assertThat(http.route().get(0).destination().host()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(http.route().get(0).destination().subset()).isEqualTo("v1");
        assertThat(http.route().get(0).destination().port().number()).isEqualTo(9080);
        assertThat(http.route().get(0).weight()).isEqualTo(80);
        assertThat(http.route().get(1).destination().host()).as("dot-less names keep a trailing dot")
                .isEqualTo("backend.");
        assertThat(r.clusters()).containsExactly("outbound|9080|v1|reviews.default.svc.cluster.local", "backend");
    }

    @Test
    void weightedClustersSummingToZeroAreRejected() {
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("9080").addVirtualHosts(VirtualHost
                .newBuilder().setName("reviews").addDomains("reviews.default.svc.cluster.local")
                .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setWeightedClusters(XdsFixtures.weighted(
                                "outbound|9080|v1|reviews.default.svc.cluster.local", 0,
                                "outbound|9080|v2|reviews.default.svc.cluster.local", 0))))).build();

        Parsed<XdsRouteConfig> parsed = RouteConfigParser.parse(rc, SIDECAR);

        assertThat(parsed.ok()).as("NACKed, as Envoy and grpc-java do").isFalse();
        assertThat(parsed.error()).contains("virtual_hosts[0].routes[0].route.weighted_clusters.clusters")
                .contains("sum of the cluster weights is 0");
    }

    @Test
    void weightedClustersSummingBeyondUint32AreRejected() {
        Findings f = new Findings();
        parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(XdsFixtures.weighted(
                        "a", Integer.MAX_VALUE, "b", Integer.MAX_VALUE, "c", 2))).build(), SIDECAR, f);

        assertThat(f.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("exceeds 4294967295"));
    }

    @Test
    void istiosDefaultRetryPolicyMeansRetriesUnset() {
        Findings f = new Findings();
        assertThat(RouteConfigParser.parseRetryPolicy(XdsFixtures.defaultRetries(), "p", f)).isNull();
        assertThat(f.warnings()).isEmpty();
    }

    @Test
    void aRouteWithoutRetryPolicyDoesNotRetry() {
        XdsRouteConfig.Route r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("c")).build(), SIDECAR, new Findings());
        assertThat(r.route().retries()).isEqualTo(HTTPRetry.disabled());
    }

    @Test
    void retryPolicyMapsCodesPerTryTimeoutBackoffAndPreviousHosts() {
        Findings f = new Findings();
        HTTPRetry retry = RouteConfigParser.parseRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,gateway-error")
                .addRetriableStatusCodes(409).setNumRetries(UInt32Value.of(4))
                .setPerTryTimeout(XdsFixtures.duration(Duration.ofMillis(250)))
                .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder()
                        .setBaseInterval(XdsFixtures.duration(Duration.ofMillis(50)))).build(), "p", f);
        assertThat(retry).isEqualTo(new HTTPRetry(4, Duration.ofMillis(250), "5xx,gateway-error,409", null, false,
                Duration.ofMillis(50)));
        assertThat(RouteConfigParser.parseRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").build(), "p", f)
                .attempts()).as("Envoy's default num_retries").isEqualTo(1);
    }

    @Test
    void sidecarTimeoutsFollowEnvoy() {
        Findings f = new Findings();
        Route.Builder base = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"));
        assertThat(parse(base.setRoute(toCluster("c")).build(), SIDECAR, f).route().timeout())
                .as("unset: Envoy's 15 s").isEqualTo(Duration.ofSeconds(15));
        assertThat(parse(base.setRoute(toCluster("c").setTimeout(XdsFixtures.duration(Duration.ZERO))).build(),
                SIDECAR, f).route().timeout()).as("0s: none").isNull();
        assertThat(parse(base.setRoute(toCluster("c").setTimeout(XdsFixtures.duration(Duration.ofSeconds(3)))
                .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                        .setMaxStreamDuration(XdsFixtures.duration(Duration.ofSeconds(2))))).build(), SIDECAR, f)
                .route().timeout()).as("both enforced: the shorter").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void proxylessTimeoutsComeFromMaxStreamDuration() {
        Findings f = new Findings();
        Route.Builder base = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"));
        XdsRouteConfig.Route unset = parse(base.setRoute(toCluster("c")).build(), PROXYLESS, f);
        assertThat(unset.route().timeout()).isNull();
        assertThat(unset.timeoutSet()).isFalse();
        assertThat(parse(base.setRoute(toCluster("c").setTimeout(XdsFixtures.duration(Duration.ofSeconds(9)))
                .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                        .setMaxStreamDuration(XdsFixtures.duration(Duration.ofSeconds(4))))).build(), PROXYLESS, f)
                .route().timeout()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void faultConfigIsReadPlainOrWrappedInFilterConfig() {
        HTTPFault abort = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setGrpcStatus(14)
                .setPercentage(FractionalPercent.newBuilder().setNumerator(25))).build();
        Findings f = new Findings();
        HTTPFaultInjection plain = RouteConfigParser.parseFaultConfig(Any.pack(abort), "fault", f);
        HTTPFaultInjection wrapped = RouteConfigParser.parseFaultConfig(Any.pack(FilterConfig.newBuilder()
                .setConfig(Any.pack(abort)).build()), "fault", f);
        assertThat(plain.abort().grpcStatus()).isEqualTo("UNAVAILABLE");
        assertThat(plain.abort().percentage().value()).isEqualTo(25.0);
        assertThat(wrapped).isEqualTo(plain);
        assertThat(RouteConfigParser.parseFaultConfig(Any.pack(FilterConfig.newBuilder().setDisabled(true)
                .setConfig(Any.pack(abort)).build()), "fault", f)).isNull();
    }

    @Test
    void mirrorsKeepTheirPercentageAndDefaultToAll() {
        Findings f = new Findings();
        XdsRouteConfig.Route r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("outbound|80||a.example.com")
                        .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                                .setCluster("outbound|80|v2|a.example.com").setRuntimeFraction(RuntimeFractionalPercent
                                        .newBuilder().setDefaultValue(XdsFixtures.percent(12.5))))
                        .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster("shadow.svc")))
                .build(), SIDECAR, f);
        assertThat(r.route().mirrors()).hasSize(2);
        assertThat(r.route().mirrors().get(0).destination().subset()).isEqualTo("v2");
        assertThat(r.route().mirrors().get(0).percentage().value()).isEqualTo(12.5);
        assertThat(r.route().mirrors().get(1).percentage().value()).isEqualTo(100.0);
        assertThat(r.clusters()).contains("outbound|80|v2|a.example.com", "shadow.svc");
    }

    @Test
    void redirectDirectResponseAndRewritesMapToIstio() {
        Findings f = new Findings();
        HTTPRoute redirect = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/old"))
                .setRedirect(RedirectAction.newBuilder().setHostRedirect("new.example.com").setPathRedirect("/new")
                        .setHttpsRedirect(true).setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT))
                .build(), SIDECAR, f).route();
        assertThat(redirect.redirect().authority()).isEqualTo("new.example.com");
        assertThat(redirect.redirect().uri()).isEqualTo("/new");
        assertThat(redirect.redirect().scheme()).isEqualTo("https");
        assertThat(redirect.redirect().redirectCode()).isEqualTo(308);

        HTTPRoute direct = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(418)
                        .setBody(DataSource.newBuilder().setInlineString("teapot"))).build(), SIDECAR, f).route();
        assertThat(direct.directResponse().status()).isEqualTo(418);
        assertThat(direct.directResponse().body().string()).isEqualTo("teapot");

        HTTPRoute rewrite = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("c").setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex("^/v1/(.*)$")).setSubstitution("/\\1")))
                .build(), SIDECAR, f).route();
        assertThat(rewrite.rewrite().uriRegexRewrite().match()).isEqualTo("^/v1/(.*)$");
        assertThat(rewrite.rewrite().uriRegexRewrite().rewrite()).isEqualTo("/\\1");
        assertThat(f.errors()).isEmpty();
    }

    @Test
    void headerOperationsSplitIntoSetAddAndRemove() {
        Findings f = new Findings();
        HTTPRoute r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("c"))
                .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
                        .setKey("X-Set").setValue("1")).setAppend(BoolValue.of(false)))
                .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
                        .setKey("x-add").setValue("2")))
                .addResponseHeadersToRemove("server").build(), SIDECAR, f).route();
        assertThat(r.headers().request().set()).containsExactly(Map.entry("x-set", "1"));
        assertThat(r.headers().request().add()).containsExactly(Map.entry("x-add", "2"));
        assertThat(r.headers().response().remove()).containsExactly("server");
    }

    @Test
    void hashPolicyBecomesTheConsistentHashKey() {
        Findings f = new Findings();
        XdsRouteConfig.Route r = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("c").addHashPolicy(RouteAction.HashPolicy.newBuilder()
                        .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build(),
                SIDECAR, f);
        assertThat(r.hashPolicy()).isEqualTo(ConsistentHashLB.httpHeaderName("x-user"));
    }

    @Test
    void unsupportedFieldsWarnWithTheirPath() {
        Findings f = new Findings();
        parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(toCluster("c").setIdleTimeout(XdsFixtures.duration(Duration.ofSeconds(1)))).build(),
                SIDECAR, f);
        assertThat(f.warnings()).extracting(Findings.Finding::toString)
                .containsExactly("r.route.idle_timeout: not supported; ignored");
    }

    @Test
    void consecutiveRoutesOfOneIstioRouteMergeBackIntoItsMatchBlocks() {
        Route.Builder a = XdsFixtures.route("reviews", "to-v2").setMatch(XdsFixtures.headerExact("end-user", "jason"))
                .setRoute(toCluster("outbound|9080|v2|reviews.default.svc.cluster.local"));
        Route.Builder b = XdsFixtures.route("reviews", "to-v2").setMatch(XdsFixtures.headerExact("end-user", "kim"))
                .setRoute(toCluster("outbound|9080|v2|reviews.default.svc.cluster.local"));
        Parsed<XdsRouteConfig> parsed = RouteConfigParser.parse(RouteConfiguration.newBuilder().setName("9080")
                .addVirtualHosts(VirtualHost.newBuilder().setName("reviews").addDomains("reviews")
                        .addRoutes(a).addRoutes(b)).build(), SIDECAR);
        List<XdsRouteConfig.Route> routes = parsed.value().virtualHosts().get(0).routes();
        assertThat(routes).hasSize(1);
        assertThat(routes.get(0).route().match()).hasSize(2);
        assertThat(routes.get(0).istioConfig()).isEqualTo("default/reviews");
    }

    @Test
    void aVirtualHostWithoutDomainsIsInvalid() {
        Parsed<XdsRouteConfig> parsed = RouteConfigParser.parse(RouteConfiguration.newBuilder().setName("x")
                .addVirtualHosts(VirtualHost.newBuilder().setName("none")).build(), SIDECAR);
        assertThat(parsed.ok()).isFalse();
        assertThat(parsed.error()).contains("virtual_hosts[0].domains");
    }
}
