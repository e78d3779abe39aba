package io.proxyless.mesh.examples;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.security.Permission;
import io.proxyless.mesh.runtime.security.Principal;
import io.proxyless.mesh.runtime.security.Rbac;
import io.proxyless.mesh.runtime.security.RbacPolicy;
import io.proxyless.mesh.runtime.security.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo control plane's stand-in for istiod's inbound listener of a proxyless gRPC server: a workload's
 * PeerAuthentication and AuthorizationPolicies, compiled by the runtime ({@link InboundPolicy#compile}) for its
 * namespace and labels, written as the listener {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT} — an mTLS chain
 * (a {@code DownstreamTlsContext} requiring a client certificate) and/or a plain-text chain for the port's mode,
 * each with a DENY and an ALLOW {@code envoy.filters.http.rbac} filter (one policy per rule, {@code ns-name-rule}),
 * the router and istiod's inline {@code inbound} route configuration.
 */
final class InboundToEnvoy {
    /** istio-agent's {@code server_listener_resource_name_template}. */
    static final String TEMPLATE = "xds.istio.io/grpc/lds/inbound/%s";

    private InboundToEnvoy() {
    }

    /** The port of an inbound listener name, or -1 when {@code name} is not one. */
    static int port(String name) {
        String prefix = TEMPLATE.substring(0, TEMPLATE.indexOf("%s"));
        if (!name.startsWith(prefix)) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(name.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The listener {@code name} (serving {@code port}) for {@code policy}. */
    static Listener listener(String name, int port, InboundPolicy policy) {
        RBAC deny = rbac(policy, io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY);
        RBAC allow = rbac(policy, io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
        MtlsMode mode = policy.mtlsMode(port);
        List<FilterChain> chains = new ArrayList<>();
        if (mode != MtlsMode.DISABLE) {
            chains.add(chain("mtls", true, deny, allow));
        }
        if (mode != MtlsMode.STRICT) {
            chains.add(chain("plaintext", false, deny, allow));
        }
        return Listener.newBuilder().setName(name)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0")
                        .setPortValue(port)))
                .addAllFilterChains(chains).build();
    }

    private static FilterChain chain(String suffix, boolean tls, RBAC deny, RBAC allow) {
        List<HttpFilter> filters = new ArrayList<>();
        if (deny != null) {
            filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.rbac.DENY").setTypedConfig(Any.pack(deny))
                    .build());
        }
        if (allow != null) {
            filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(allow))
                    .build());
        }
        filters.add(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build());
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound").addVirtualHosts(VirtualHost
                        .newBuilder().addDomains("*").addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
                .addAllHttpFilters(filters).build();
        FilterChain.Builder b = FilterChain.newBuilder().setName("inbound-" + suffix)
                .addFilters(Filter.newBuilder().setName("inbound-hcm" + suffix).setTypedConfig(Any.pack(hcm)));
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

    /**
     * The engines of {@code action} as one RBAC filter config, or null when there are none. CUSTOM (which a
     * proxyless server can't call out for) is written as DENY, as the runtime enforces it; AUDIT decides nothing.
     */
    private static RBAC rbac(InboundPolicy policy, io.envoyproxy.envoy.config.rbac.v3.RBAC.Action action) {
        Map<String, Policy> policies = new TreeMap<>();
        boolean any = false;
        for (Rbac engine : policy.engines()) {
            boolean deny = engine.action() == Rbac.Action.DENY || engine.action() == Rbac.Action.CUSTOM;
            boolean wanted = action == io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY ? deny
                    : engine.action() == Rbac.Action.ALLOW;
            if (!wanted) {
                continue;
            }
            any = true;
            for (RbacPolicy p : engine.policies()) {
                Policy.Builder b = Policy.newBuilder();
                p.permissions().forEach(x -> b.addPermissions(permission(x)));
                p.principals().forEach(x -> b.addPrincipals(principal(x)));
                policies.put(p.policy().replace('/', '-') + "-" + p.rule(), b.build());
            }
        }
        if (!any) {
            return null;
        }
        return RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().setAction(action)
                .putAllPolicies(policies)).build();
    }

    private static io.envoyproxy.envoy.config.rbac.v3.Permission permission(Permission p) {
        var b = io.envoyproxy.envoy.config.rbac.v3.Permission.newBuilder();
        if (p instanceof Permission.Any) {
            b.setAny(true);
        } else if (p instanceof Permission.And and) {
            var set = io.envoyproxy.envoy.config.rbac.v3.Permission.Set.newBuilder();
            and.rules().forEach(r -> set.addRules(permission(r)));
            b.setAndRules(set);
        } else if (p instanceof Permission.Or or) {
            var set = io.envoyproxy.envoy.config.rbac.v3.Permission.Set.newBuilder();
            or.rules().forEach(r -> set.addRules(permission(r)));
            b.setOrRules(set);
        } else if (p instanceof Permission.Not not) {
            b.setNotRule(permission(not.rule()));
        } else if (p instanceof Permission.Header h) {
            b.setHeader(header(h.name(), h.value()));
        } else if (p instanceof Permission.UrlPath u) {
            b.setUrlPath(PathMatcher.newBuilder().setPath(string(u.path())));
        } else if (p instanceof Permission.DestinationPort d) {
            b.setDestinationPort(d.port());
        } else if (p instanceof Permission.RequestedServerName s) {
            b.setRequestedServerName(string(s.name()));
        } else {
            throw new IllegalArgumentException("no Envoy form for permission " + p);
        }
        return b.build();
    }

    private static io.envoyproxy.envoy.config.rbac.v3.Principal principal(Principal p) {
        var b = io.envoyproxy.envoy.config.rbac.v3.Principal.newBuilder();
        if (p instanceof Principal.Any) {
            b.setAny(true);
        } else if (p instanceof Principal.And and) {
            var set = io.envoyproxy.envoy.config.rbac.v3.Principal.Set.newBuilder();
            and.ids().forEach(r -> set.addIds(principal(r)));
            b.setAndIds(set);
        } else if (p instanceof Principal.Or or) {
            var set = io.envoyproxy.envoy.config.rbac.v3.Principal.Set.newBuilder();
            or.ids().forEach(r -> set.addIds(principal(r)));
            b.setOrIds(set);
        } else if (p instanceof Principal.Not not) {
            b.setNotId(principal(not.id()));
        } else if (p instanceof Principal.Authenticated a) {
            var auth = io.envoyproxy.envoy.config.rbac.v3.Principal.Authenticated.newBuilder();
            if (a.name().kind() != ValueMatcher.Kind.PRESENT) {
                auth.setPrincipalName(string(a.name()));
            }
            b.setAuthenticated(auth);
        } else if (p instanceof Principal.DirectRemoteIp ip) {
            b.setDirectRemoteIp(CidrRange.newBuilder().setAddressPrefix(ip.range().address().getHostAddress())
                    .setPrefixLen(UInt32Value.of(ip.range().prefixLength())));
        } else if (p instanceof Principal.Header h) {
            b.setHeader(header(h.name(), h.value()));
        } else {
            throw new IllegalArgumentException("no Envoy form for principal " + p);
        }
        return b.build();
    }

    private static HeaderMatcher header(String name, ValueMatcher m) {
        HeaderMatcher.Builder b = HeaderMatcher.newBuilder().setName(name);
        return m.kind() == ValueMatcher.Kind.PRESENT ? b.setPresentMatch(true).build()
                : b.setStringMatch(string(m)).build();
    }

    private static StringMatcher string(ValueMatcher m) {
        StringMatcher.Builder b = StringMatcher.newBuilder().setIgnoreCase(m.ignoreCase());
        return switch (m.kind()) {
            case EXACT -> b.setExact(m.value()).build();
            case PREFIX -> b.setPrefix(m.value()).build();
            case SUFFIX -> b.setSuffix(m.value()).build();
            case REGEX -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(m.value())).build();
            case PRESENT -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex("(?s).*")).build();
        };
    }
}
