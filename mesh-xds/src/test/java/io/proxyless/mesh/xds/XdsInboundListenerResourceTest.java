package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.security.AuthorizationDecision;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.InboundRequest;
import io.proxyless.mesh.runtime.security.MtlsMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class XdsInboundListenerResourceTest {
    private static final int PORT = 9080;
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    private static final String OTHER = "spiffe://cluster.local/ns/default/sa/other";

    private static XdsInboundListenerResource.Update parse(Listener l) {
        Parsed<XdsInboundListenerResource.Update> p = XdsInboundListenerResource.parse(l);
        assertThat(p.error()).isNull();
        return p.value();
    }

    private static InboundPolicy policy(Listener... listeners) {
        return XdsInboundPolicy.assemble("default", java.util.Arrays.stream(listeners)
                .map(XdsInboundListenerResourceTest::parse).toList(), List.of());
    }

    private static AuthorizationDecision call(InboundPolicy p, int port, String principal, String path) {
        return p.authorize(InboundRequest.builder().port(port).principal(principal).sourceIp("10.0.0.7")
                .method("POST").path(path).host("reviews:" + port).build());
    }

    @Test
    void istiodsChainsGiveTheModes() {
        assertThat(parse(IstiodInbound.strict(PORT, null, null)).mode()).isEqualTo(MtlsMode.STRICT);
        assertThat(parse(IstiodInbound.permissive(PORT, null, null)).mode()).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(parse(IstiodInbound.plaintext(PORT, null, null)).mode()).isEqualTo(MtlsMode.DISABLE);
        assertThat(parse(IstiodInbound.listener(PORT, List.of(
                IstiodInbound.chain("mtls", true, IstiodInbound.transport("tls"), null, null),
                IstiodInbound.chain("plain", false, IstiodInbound.transport("raw_buffer"), null, null)))).mode())
                .as("a sidecar's PERMISSIVE listener, chains told apart by transport_protocol")
                .isEqualTo(MtlsMode.PERMISSIVE);
    }

    @Test
    void withoutRbacEveryCallOnTheListenersPortIsAllowedAndOtherPortsAreRefused() {
        InboundPolicy p = policy(IstiodInbound.permissive(PORT, null, null));
        assertThat(p.mtlsMode(PORT)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(call(p, PORT, null, "/a.B/C").allowed()).isTrue();
        assertThat(call(p, PORT, SLEEP, "/a.B/C").allowed()).isTrue();
        AuthorizationDecision other = call(p, 9090, SLEEP, "/a.B/C");
        assertThat(other.allowed()).isFalse();
        assertThat(other.policy()).isEqualTo(XdsInboundPolicy.NO_LISTENER);
        assertThat(p.mtlsMode(9090)).as("a port without its listener").isEqualTo(MtlsMode.STRICT);
    }

    @Test
    void beforeAnyListenerEveryCallIsRefused() {
        InboundPolicy p = XdsInboundPolicy.assemble("default", List.of(), List.of("port 9080: not received yet"));
        assertThat(call(p, PORT, SLEEP, "/a.B/C").allowed()).isFalse();
        assertThat(p.mtlsMode(PORT)).isEqualTo(MtlsMode.STRICT);
        assertThat(p.warnings()).contains("port 9080: not received yet");
    }

    @Test
    void aPrincipalListAdmitsSleepAndRefusesOtherAndPlainText() {
        RBAC allow = IstiodInbound.rbac(RBAC.Action.ALLOW,
                Map.of("default-allow-sleep-0", IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep")));
        InboundPolicy p = policy(IstiodInbound.permissive(PORT, null, allow));
        AuthorizationDecision sleep = call(p, PORT, SLEEP, "/a.B/C");
        assertThat(sleep.allowed()).isTrue();
        assertThat(sleep.policy()).isEqualTo("default-allow-sleep");
        assertThat(sleep.rule()).isZero();
        assertThat(call(p, PORT, OTHER, "/a.B/C").allowed()).isFalse();
        assertThat(call(p, PORT, null, "/a.B/C").allowed()).isFalse();
    }

    @Test
    void denyBeatsAllow() {
        RBAC deny = IstiodInbound.rbac(RBAC.Action.DENY, Map.of("default-no-delete-0",
                IstiodInbound.toPaths("/reviews.Reviews/Delete")));
        RBAC allow = IstiodInbound.rbac(RBAC.Action.ALLOW,
                Map.of("default-allow-sleep-0", IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep")));
        InboundPolicy p = policy(IstiodInbound.strict(PORT, deny, allow));
        assertThat(call(p, PORT, SLEEP, "/reviews.Reviews/Get").allowed()).isTrue();
        AuthorizationDecision d = call(p, PORT, SLEEP, "/reviews.Reviews/Delete");
        assertThat(d.allowed()).isFalse();
        assertThat(d.action()).isEqualTo("DENY");
        assertThat(d.policy()).isEqualTo("default-no-delete");
    }

    @Test
    void anAllowOnOnePortDoesNotCloseAnotherPortWithoutOne() {
        RBAC allow = IstiodInbound.rbac(RBAC.Action.ALLOW,
                Map.of("default-allow-sleep-0", IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep")));
        InboundPolicy p = policy(IstiodInbound.strict(PORT, null, allow), IstiodInbound.strict(9090, null, null));
        assertThat(call(p, PORT, OTHER, "/a.B/C").allowed()).isFalse();
        assertThat(call(p, 9090, OTHER, "/a.B/C").allowed()).isTrue();
    }

    @Test
    void unsupportedMatchersFailClosed() {
        Permission metadata = Permission.newBuilder().setMetadata(MetadataMatcher.newBuilder().setFilter("x"))
                .build();
        Principal jwt = Principal.newBuilder().setMetadata(MetadataMatcher.newBuilder().setFilter("jwt")).build();
        // ALLOW: a rule that needs filter metadata never matches.
        RBAC allow = IstiodInbound.rbac(RBAC.Action.ALLOW, Map.of("default-jwt-0", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true)).addPrincipals(jwt).build()));
        Parsed<XdsInboundListenerResource.Update> parsed = XdsInboundListenerResource.parse(
                IstiodInbound.strict(PORT, null, allow));
        assertThat(parsed.warnings()).anySatisfy(w -> assertThat(w.message()).contains("default-jwt-0")
                .contains(IstiodInbound.name(PORT)).contains("fail closed"));
        InboundPolicy p = XdsInboundPolicy.assemble("default", List.of(parsed.value()), List.of());
        assertThat(call(p, PORT, SLEEP, "/a.B/C").allowed()).isFalse();
        assertThat(p.warnings()).anySatisfy(w -> assertThat(w).contains("default-jwt-0"));

        // DENY: it matches without what it can't evaluate; under not_rule the other way round.
        RBAC deny = IstiodInbound.rbac(RBAC.Action.DENY, Map.of("default-meta-0", Policy.newBuilder()
                .addPermissions(metadata).addPrincipals(Principal.newBuilder().setAny(true)).build()));
        assertThat(call(policy(IstiodInbound.strict(PORT, deny, null)), PORT, SLEEP, "/a.B/C").allowed()).isFalse();
        RBAC notDeny = IstiodInbound.rbac(RBAC.Action.DENY, Map.of("default-notmeta-0", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setNotRule(metadata))
                .addPrincipals(Principal.newBuilder().setAny(true)).build()));
        assertThat(call(policy(IstiodInbound.strict(PORT, notDeny, null)), PORT, SLEEP, "/a.B/C").allowed())
                .as("not(metadata) in a DENY policy: metadata counts as not matching, so the deny matches")
                .isFalse();
    }

    @Test
    void aConditionMakesAnAllowPolicyNeverMatch() {
        Policy withCondition = IstiodInbound.fromPrincipals("cluster.local/ns/default/sa/sleep").toBuilder()
                .setCondition(com.google.api.expr.v1alpha1.Expr.newBuilder().setId(1)).build();
        RBAC allow = IstiodInbound.rbac(RBAC.Action.ALLOW, Map.of("default-cel-0", withCondition));
        assertThat(call(policy(IstiodInbound.strict(PORT, null, allow)), PORT, SLEEP, "/a.B/C").allowed()).isFalse();
    }

    @Test
    void headersHostsPathsAndIpBlocksAreEvaluated() {
        Policy rule = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":method")
                                .setStringMatch(StringMatcher.newBuilder().setExact("POST"))))
                        .addRules(Permission.newBuilder().setDestinationPort(PORT))
                        .addRules(Permission.newBuilder().setUrlPath(
                                io.envoyproxy.envoy.type.matcher.v3.PathMatcher.newBuilder().setPath(
                                        StringMatcher.newBuilder().setPrefix("/reviews."))))))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                        .addIds(Principal.newBuilder().setDirectRemoteIp(CidrRange.newBuilder()
                                .setAddressPrefix("10.0.0.0").setPrefixLen(com.google.protobuf.UInt32Value.of(8))))
                        .addIds(Principal.newBuilder().setHeader(HeaderMatcher.newBuilder().setName("x-team")
                                .setPresentMatch(true)))))
                .build();
        InboundPolicy p = policy(IstiodInbound.plaintext(PORT, null,
                IstiodInbound.rbac(RBAC.Action.ALLOW, Map.of("default-mixed-0", rule))));
        InboundRequest.Builder ok = InboundRequest.builder().port(PORT).sourceIp("10.1.2.3").method("POST")
                .path("/reviews.Reviews/Get").host("reviews:9080").headers(Map.of("x-team", List.of("a")));
        assertThat(p.authorize(ok.build()).allowed()).isTrue();
        assertThat(p.authorize(ok.sourceIp("192.168.0.1").build()).allowed()).isFalse();
        assertThat(p.authorize(ok.sourceIp("10.1.2.3").headers(Map.of()).build()).allowed()).isFalse();
        assertThat(p.authorize(ok.headers(Map.of("x-team", List.of("a"))).path("/ratings.Ratings/Get").build())
                .allowed()).isFalse();
    }

    @Test
    void chainsAreSelectedByTransportAndTheLongestSourceRange() {
        RBAC denyAll = IstiodInbound.rbac(RBAC.Action.DENY, Map.of("default-deny-0", IstiodInbound.toPaths()
                .toBuilder().clearPermissions().addPermissions(Permission.newBuilder().setAny(true)).build()));
        FilterChainMatch internal = FilterChainMatch.newBuilder().addSourcePrefixRanges(CidrRange.newBuilder()
                .setAddressPrefix("10.1.0.0").setPrefixLen(com.google.protobuf.UInt32Value.of(16))).build();
        // Plain text: from 10.1/16 nothing passes, from elsewhere everything.
        Listener l = IstiodInbound.listener(PORT, List.of(
                IstiodInbound.chain("mtls", true, IstiodInbound.transport("tls"), null, null),
                IstiodInbound.chain("plain-internal", false, internal.toBuilder().setTransportProtocol("raw_buffer")
                        .build(), denyAll, null),
                IstiodInbound.chain("plain", false, IstiodInbound.transport("raw_buffer"), null, null)));
        InboundPolicy p = policy(l);
        assertThat(p.mtlsMode(PORT)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(call(p, PORT, null, "/a.B/C").allowed()).as("from 10.0.0.7").isTrue();
        assertThat(p.authorize(InboundRequest.builder().port(PORT).sourceIp("10.1.9.9").path("/a.B/C").build())
                .allowed()).isFalse();
        assertThat(p.authorize(InboundRequest.builder().port(PORT).principal(SLEEP).sourceIp("10.1.9.9")
                .path("/a.B/C").build()).allowed()).as("TLS takes the mtls chain").isTrue();
    }

    @Test
    void aChainSelectedBySniNeverMatches() {
        FilterChainMatch sni = FilterChainMatch.newBuilder().addServerNames("reviews").build();
        Parsed<XdsInboundListenerResource.Update> parsed = XdsInboundListenerResource.parse(IstiodInbound.listener(
                PORT, List.of(IstiodInbound.chain("mtls", true, sni, null, null))));
        assertThat(parsed.warnings()).anySatisfy(w -> assertThat(w.path()).endsWith("server_names"));
        InboundPolicy p = XdsInboundPolicy.assemble("default", List.of(parsed.value()), List.of());
        assertThat(call(p, PORT, SLEEP, "/a.B/C").allowed()).isFalse();
    }

    @Test
    void routesServeOnlyWhatTheyMatch() {
        FilterChain chain = IstiodInbound.chain("plaintext", false, null, null, null);
        var hcm = unpackHcm(chain);
        var routed = hcm.toBuilder().setRouteConfig(hcm.getRouteConfig().toBuilder().setVirtualHosts(0,
                hcm.getRouteConfig().getVirtualHosts(0).toBuilder().setRoutes(0, hcm.getRouteConfig()
                        .getVirtualHosts(0).getRoutes(0).toBuilder().setMatch(
                                io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                                        .setPrefix("/reviews.Reviews/"))))).build();
        FilterChain narrowed = chain.toBuilder().setFilters(0, chain.getFilters(0).toBuilder()
                .setTypedConfig(Any.pack(routed))).build();
        InboundPolicy p = policy(IstiodInbound.listener(PORT, List.of(narrowed)));
        assertThat(call(p, PORT, null, "/reviews.Reviews/Get").allowed()).isTrue();
        assertThat(call(p, PORT, null, "/ratings.Ratings/Get").allowed()).isFalse();
    }

    @Test
    void listenerFieldsThatAreNotReadWarn() {
        Listener l = IstiodInbound.strict(PORT, null, null).toBuilder()
                .setPerConnectionBufferLimitBytes(com.google.protobuf.UInt32Value.of(1024)).setStatPrefix("x").build();
        assertThat(XdsInboundListenerResource.parse(l).warnings()).extracting(Findings.Finding::path)
                .contains("per_connection_buffer_limit_bytes").doesNotContain("stat_prefix");
    }

    @Test
    void invalidListenersAreRejected() {
        Listener twoFilters = IstiodInbound.listener(PORT, List.of(IstiodInbound.chain("x", false, null, null, null)
                .toBuilder().addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("tcp"))
                .build()));
        assertThat(XdsInboundListenerResource.parse(twoFilters).error()).contains("filter_chains[0].filters");
        Listener upstreamTls = IstiodInbound.listener(PORT, List.of(IstiodInbound.chain("x", false, null, null, null)
                .toBuilder().setTransportSocket(TransportSocket.newBuilder().setName("tls")
                        .setTypedConfig(Any.pack(UpstreamTlsContext.getDefaultInstance()))).build()));
        assertThat(XdsInboundListenerResource.parse(upstreamTls).error())
                .contains("filter_chains[0].transport_socket.typed_config").contains("DownstreamTlsContext");
        Listener noPort = IstiodInbound.strict(PORT, null, null).toBuilder().clearAddress().setName("inbound").build();
        assertThat(XdsInboundListenerResource.parse(noPort).error()).contains("port");
    }

    private static io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            unpackHcm(FilterChain chain) {
        try {
            return chain.getFilters(0).getTypedConfig().unpack(
                    io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                            .class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
