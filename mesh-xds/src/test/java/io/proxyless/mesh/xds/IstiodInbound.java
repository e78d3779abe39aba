package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Inbound listeners in the shape istiod's proxyless generator writes them for a gRPC server
 * ({@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT}): filter chains without a match, an mTLS chain with a
 * {@code DownstreamTlsContext} requiring a client certificate and/or a plain-text chain, each with an HTTP
 * connection manager holding the RBAC filters ({@code envoy.filters.http.rbac.DENY}, then
 * {@code envoy.filters.http.rbac}), the router, and the inline {@code inbound} route configuration. RBAC policies
 * as istiod's authz builder writes an AuthorizationPolicy rule ({@code ns-name-index}). For tests of the xDS
 * source and of the servers that read it.
 */
public final class IstiodInbound {
    /** istio-agent's bootstrap template. */
    public static final String TEMPLATE = "xds.istio.io/grpc/lds/inbound/%s";

    private IstiodInbound() {
    }

    /** The name a server on {@code port} asks for. */
    public static String name(int port) {
        return TEMPLATE.replace("%s", "0.0.0.0:" + port);
    }

    /** STRICT: one mTLS chain. */
    public static Listener strict(int port, RBAC deny, RBAC allow) {
        return listener(port, List.of(chain("mtls", true, null, deny, allow)));
    }

    /** PERMISSIVE as a sidecar's listener holds it: an mTLS chain and a plain-text chain. */
    public static Listener permissive(int port, RBAC deny, RBAC allow) {
        return listener(port, List.of(chain("mtls", true, null, deny, allow),
                chain("plaintext", false, null, deny, allow)));
    }

    /** DISABLE: one plain-text chain. */
    public static Listener plaintext(int port, RBAC deny, RBAC allow) {
        return listener(port, List.of(chain("plaintext", false, null, deny, allow)));
    }

    public static Listener listener(int port, List<FilterChain> chains) {
        return Listener.newBuilder().setName(name(port))
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0")
                        .setPortValue(port)))
                .addAllFilterChains(chains).build();
    }

    /** A chain as istiod's {@code buildInboundFilterChain} writes it; {@code match} is usually null. */
    public static FilterChain chain(String suffix, boolean tls, FilterChainMatch match, RBAC deny, RBAC allow) {
        List<HttpFilter> filters = new ArrayList<>();
        if (deny != null) {
            filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.rbac.DENY").setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(deny).build()))
                    .build());
        }
        if (allow != null) {
            filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(allow).build()))
                    .build());
        }
        filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build());
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound").addVirtualHosts(
                        VirtualHost.newBuilder().addDomains("*").addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
                .addAllHttpFilters(filters).build();
        FilterChain.Builder b = FilterChain.newBuilder().setName("inbound-" + suffix)
                .addFilters(Filter.newBuilder().setName("inbound-hcm" + suffix).setTypedConfig(Any.pack(hcm)));
        if (match != null) {
            b.setFilterChainMatch(match);
        }
        if (tls) {
            DownstreamTlsContext context = DownstreamTlsContext.newBuilder()
                    .setCommonTlsContext(CommonTlsContext.newBuilder()
                            .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default")))
                    .setRequireClientCertificate(BoolValue.of(true)).build();
            b.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                    .setTypedConfig(Any.pack(context)));
        }
        return b.build();
    }

    /** An RBAC config with {@code policies} (name → policy), as istiod names them. */
    public static RBAC rbac(RBAC.Action action, Map<String, Policy> policies) {
        return RBAC.newBuilder().setAction(action).putAllPolicies(policies).build();
    }

    /** A rule with {@code from.source.principals} only, as istiod writes it. */
    public static Policy fromPrincipals(String... principals) {
        List<Principal> or = new ArrayList<>();
        for (String p : principals) {
            or.add(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                    .setPrincipalName(StringMatcher.newBuilder().setExact("spiffe://" + p))).build());
        }
        return Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(Permission.newBuilder().setAny(true))))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                        .addIds(Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(or)))))
                .build();
    }

    /** A rule with {@code to.operation.paths} (exact) only, from anyone. */
    public static Policy toPaths(String... paths) {
        List<Permission> or = new ArrayList<>();
        for (String p : paths) {
            or.add(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                    .setPath(StringMatcher.newBuilder().setExact(p))).build());
        }
        return Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(or)))))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                        .addIds(Principal.newBuilder().setAny(true))))
                .build();
    }

    /** A chain match on the transport protocol ({@code tls} or {@code raw_buffer}). */
    public static FilterChainMatch transport(String protocol) {
        return FilterChainMatch.newBuilder().setTransportProtocol(protocol).build();
    }
}
