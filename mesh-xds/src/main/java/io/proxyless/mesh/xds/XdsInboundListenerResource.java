package io.proxyless.mesh.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.proxyless.mesh.runtime.security.CidrRange;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.security.Permission;
import io.proxyless.mesh.runtime.security.Principal;
import io.proxyless.mesh.runtime.security.Rbac;
import io.proxyless.mesh.runtime.security.RbacPolicy;
import io.proxyless.mesh.runtime.security.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The inbound listener istiod sends a proxyless gRPC server ({@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT},
 * grpc-java's {@code XdsServerBuilder} reads the same) into the parts of the workload's inbound policy for that
 * port: its mTLS mode and RBAC policies already bound to the port and to the filter chain a connection selects.
 *
 * <p><b>Filter chains.</b> A connection selects one chain as Envoy selects it, as far as a proxyless server can
 * tell connections apart: by {@code transport_protocol} ({@code tls} for a TLS handshake, {@code raw_buffer} for
 * plain text; chains naming neither are the fallback) and then by the longest {@code source_prefix_ranges} match;
 * {@code default_filter_chain} takes what no chain matches. A chain's transport socket says what it serves: a
 * {@code DownstreamTlsContext} serves mutual TLS (with the workload certificates, client certificate always
 * required), none serves plain text. The port's mode follows: TLS and plain-text chains → PERMISSIVE (what a
 * sidecar's listener for PERMISSIVE holds), TLS only → STRICT, plain text only → DISABLE. A chain that selects on
 * what a proxyless server can't see ({@code server_names}, {@code application_protocols}, destination
 * {@code prefix_ranges} other than everything, {@code source_ports}, {@code source_type}) never matches (fail
 * closed, with a warning).
 *
 * <p><b>Per chain.</b> The HTTP connection manager's RBAC filters ({@code envoy.filters.http.rbac}, DENY and
 * ALLOW, {@link XdsRbacFilter}) and its inline route configuration: calls no route with a
 * {@code non_forwarding_action} takes are refused, as grpc-java refuses them. Every policy is bound to the
 * listener's port and to the chain's connections, so several listeners (ports) make one workload policy
 * ({@link XdsInboundPolicy}). A chain without ALLOW filter allows its connections' calls even when another chain
 * or port has one.
 *
 * <p>Errors (NACK, the last good version stays): no port, listener filters or {@code use_original_dst}, a chain
 * whose only network filter is not an HTTP connection manager, a transport socket other than a
 * {@code DownstreamTlsContext}, an RBAC filter that can't be decoded or uses the generic matcher form.
 */
final class XdsInboundListenerResource {
    static final String DOWNSTREAM_TLS_TYPE =
            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
    private static final String RBAC_NAME = "envoy.filters.http.rbac";
    /**
     * Listener fields read here, or that cannot change what a server enforces (its stats name, the addresses it is
     * also reachable at: the application binds its own sockets).
     */
    private static final HandledFields HANDLED_LISTENER_FIELDS = HandledFields.of(Listener.getDescriptor(),
            Set.of("name", "address", "filter_chains", "default_filter_chain", "listener_filters", "use_original_dst",
                    "api_listener", "traffic_direction", "stat_prefix", "additional_addresses"));
    private static final HandledFields HANDLED_CHAIN_FIELDS = HandledFields.of(FilterChain.getDescriptor(),
            Set.of("filter_chain_match", "filters", "transport_socket", "name", "metadata"));

    private XdsInboundListenerResource() {
    }

    /**
     * One port's inbound listener, compiled.
     *
     * @param name     the listener's name
     * @param port     the port it serves
     * @param mode     the port's mTLS mode, from its filter chains' transport sockets
     * @param deny     DENY policies, bound to the port and their chain's connections (including calls no chain or
     *                 route serves)
     * @param allow    ALLOW policies, bound likewise; a chain without ALLOW filter has one allowing its calls
     * @param hasAllow whether any chain has an ALLOW filter (else {@code allow} only lets through what is served)
     * @param warnings what could not be enforced as written, naming the listener
     */
    record Update(String name, int port, MtlsMode mode, List<RbacPolicy> deny, List<RbacPolicy> allow,
                  boolean hasAllow, List<String> warnings) {
        Update {
            deny = List.copyOf(deny);
            allow = List.copyOf(allow);
            warnings = List.copyOf(warnings);
        }
    }

    /** What one filter chain serves and enforces. */
    private record Chain(int index, String name, boolean tls, String transportProtocol, List<CidrRange> sources,
                         boolean usable, Rbac deny, Rbac allow, Permission served) {
    }

    static Parsed<Update> parse(Listener listener) {
        Findings f = new Findings();
        Update value = parseListener(listener, f);
        return Parsed.of(value, f);
    }

    private static Update parseListener(Listener listener, Findings f) {
        String name = listener.getName();
        int port = listener.getAddress().hasSocketAddress() ? listener.getAddress().getSocketAddress().getPortValue()
                : 0;
        if (port <= 0) {
            Integer fromName = HostPort.port(name.substring(name.lastIndexOf('/') + 1));
            port = fromName == null ? 0 : fromName;
        }
        if (port <= 0) {
            f.error("address.socket_address.port_value", "an inbound listener needs the port it serves");
        }
        if (listener.getListenerFiltersCount() > 0) {
            f.error("listener_filters", "listener filters are not supported by a proxyless server");
        }
        if (listener.hasUseOriginalDst() && listener.getUseOriginalDst().getValue()) {
            f.error("use_original_dst", "not supported by a proxyless server");
        }
        if (listener.hasApiListener()) {
            f.error("api_listener", "an inbound listener serves with filter chains, not an api_listener");
        }
        f.unsupportedFields(listener, "", HANDLED_LISTENER_FIELDS);
        String origin = "inbound listener " + name;
        List<Chain> chains = new ArrayList<>();
        for (int i = 0; i < listener.getFilterChainsCount(); i++) {
            Chain c = chain(listener.getFilterChains(i), i, "filter_chains[" + i + "]", port, origin, f);
            if (c != null) {
                chains.add(c);
            }
        }
        Chain fallback = null;
        if (listener.hasDefaultFilterChain()) {
            fallback = chain(listener.getDefaultFilterChain(), -1, "default_filter_chain", port, origin, f);
        }
        if (f.hasErrors()) {
            return null;
        }
        return compile(name, port, chains, fallback, f);
    }

    private static Chain chain(FilterChain chain, int index, String path, int port, String origin, Findings f) {
        f.unsupportedFields(chain, path, HANDLED_CHAIN_FIELDS);
        String chainName = chain.getName().isEmpty() ? path : chain.getName();
        String chainOrigin = origin + " " + path + (chain.getName().isEmpty() ? "" : " (" + chain.getName() + ")");
        boolean usable = true;
        String transportProtocol = "";
        List<CidrRange> sources = new ArrayList<>();
        if (chain.hasFilterChainMatch()) {
            FilterChainMatch m = chain.getFilterChainMatch();
            String mp = path + ".filter_chain_match";
            if (m.hasDestinationPort() && m.getDestinationPort().getValue() != port) {
                usable = never(f, mp + ".destination_port", "port " + m.getDestinationPort().getValue()
                        + " is not the listener's " + port);
            }
            for (int i = 0; i < m.getPrefixRangesCount(); i++) {
                var r = m.getPrefixRanges(i);
                boolean everything = (r.getAddressPrefix().equals("0.0.0.0") || r.getAddressPrefix().equals("::"))
                        && r.getPrefixLen().getValue() == 0;
                if (!everything) {
                    usable = never(f, mp + ".prefix_ranges[" + i + "]", "the server's own address is not matched");
                }
            }
            if (m.getServerNamesCount() > 0) {
                usable = never(f, mp + ".server_names", "chains are not selected by SNI");
            }
            if (m.getApplicationProtocolsCount() > 0) {
                usable = never(f, mp + ".application_protocols", "chains are not selected by ALPN");
            }
            if (m.getSourcePortsCount() > 0) {
                usable = never(f, mp + ".source_ports", "chains are not selected by the peer's port");
            }
            if (m.getSourceType() != FilterChainMatch.ConnectionSourceType.ANY) {
                usable = never(f, mp + ".source_type", "chains are not selected by the source type");
            }
            if (m.getDirectSourcePrefixRangesCount() > 0 || !m.getAddressSuffix().isEmpty() || m.hasSuffixLen()) {
                usable = never(f, mp, "direct_source_prefix_ranges and address suffixes are not supported");
            }
            transportProtocol = m.getTransportProtocol();
            if (!transportProtocol.isEmpty() && !transportProtocol.equals("tls")
                    && !transportProtocol.equals("raw_buffer")) {
                usable = never(f, mp + ".transport_protocol", "only tls and raw_buffer are told apart");
            }
            for (int i = 0; i < m.getSourcePrefixRangesCount(); i++) {
                var r = m.getSourcePrefixRanges(i);
                String text = r.getAddressPrefix() + (r.hasPrefixLen() ? "/" + r.getPrefixLen().getValue() : "");
                try {
                    sources.add(CidrRange.parse(text));
                } catch (IllegalArgumentException e) {
                    f.error(mp + ".source_prefix_ranges[" + i + "]", e.getMessage());
                }
            }
        }
        boolean tls = false;
        if (chain.hasTransportSocket()) {
            tls = tls(chain.getTransportSocket(), path + ".transport_socket", chainOrigin, f);
        }
        if (chain.getFiltersCount() != 1) {
            f.error(path + ".filters", "a proxyless server's chain holds exactly one filter, the HTTP connection "
                    + "manager; found " + chain.getFiltersCount());
            return null;
        }
        var filter = chain.getFilters(0);
        String fp = path + ".filters[0].typed_config";
        if (!filter.getTypedConfig().getTypeUrl().equals(XdsListenerResource.HCM_TYPE)) {
            f.error(fp, "expected " + XdsListenerResource.HCM_TYPE + ", got " + filter.getTypedConfig().getTypeUrl());
            return null;
        }
        HttpConnectionManager hcm;
        try {
            hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(fp, "cannot decode: " + e.getMessage());
            return null;
        }
        Rbac deny = null;
        Rbac allow = null;
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter h = hcm.getHttpFilters(i);
            String hp = fp + ".http_filters[" + i + "]";
            boolean rbac = h.getTypedConfig().getTypeUrl().equals(XdsRbacFilter.TYPE)
                    || h.getName().startsWith(RBAC_NAME);
            if (!rbac) {
                continue; // router, fault: nothing a server enforces
            }
            if (!h.getTypedConfig().getTypeUrl().equals(XdsRbacFilter.TYPE)) {
                f.error(hp + ".typed_config", "expected " + XdsRbacFilter.TYPE);
                continue;
            }
            io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config;
            try {
                config = h.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
            } catch (InvalidProtocolBufferException e) {
                f.error(hp + ".typed_config", "cannot decode: " + e.getMessage());
                continue;
            }
            Rbac engine = XdsRbacFilter.parse(config, chainOrigin, hp + ".typed_config", f);
            if (engine == null) {
                continue;
            }
            if (engine.action() == Rbac.Action.DENY) {
                deny = merge(deny, engine);
            } else {
                allow = merge(allow, engine);
            }
        }
        Permission served = served(hcm, fp, chainOrigin, f);
        return new Chain(index, chainName, tls, transportProtocol, sources, usable, deny, allow, served);
    }

    /**
     * Two ALLOW filters in one chain both have to pass (Envoy runs them in turn): one engine says that with a
     * policy per pair. DENY filters simply add up.
     */
    private static Rbac merge(Rbac a, Rbac b) {
        if (a == null) {
            return b;
        }
        if (a.action() == Rbac.Action.ALLOW) {
            List<RbacPolicy> both = new ArrayList<>();
            for (RbacPolicy x : a.policies()) {
                for (RbacPolicy y : b.policies()) {
                    both.add(new RbacPolicy(x.policy(), x.rule(), List.of(new Permission.And(List.of(
                            new Permission.Or(x.permissions()), new Permission.Or(y.permissions())))),
                            List.of(new Principal.And(List.of(new Principal.Or(x.principals()),
                                    new Principal.Or(y.principals()))))));
                }
            }
            return new Rbac(a.action(), both);
        }
        List<RbacPolicy> all = new ArrayList<>(a.policies());
        all.addAll(b.policies());
        return new Rbac(a.action(), all);
    }

    /** Whether the transport socket is mutual TLS; errors for anything else. */
    private static boolean tls(TransportSocket socket, String path, String origin, Findings f) {
        if (!socket.getTypedConfig().getTypeUrl().equals(DOWNSTREAM_TLS_TYPE)) {
            f.error(path + ".typed_config", "expected " + DOWNSTREAM_TLS_TYPE + ", got "
                    + socket.getTypedConfig().getTypeUrl());
            return false;
        }
        DownstreamTlsContext context;
        try {
            context = socket.getTypedConfig().unpack(DownstreamTlsContext.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(path + ".typed_config", "cannot decode: " + e.getMessage());
            return false;
        }
        if (!context.hasRequireClientCertificate() || !context.getRequireClientCertificate().getValue()) {
            f.warn(path + ".typed_config.require_client_certificate", origin + ": one-way TLS is not served; "
                    + "the client certificate is required (fail closed)");
        }
        f.warn(path + ".typed_config.common_tls_context", origin + ": the mesh's workload certificates "
                + "(Mesh.builder().istioCertificates) are served and trusted, whatever the context names");
        return true;
    }

    /**
     * The calls the connection manager's routes serve (a route with a {@code non_forwarding_action} takes them),
     * or null for every call: istiod's inline {@code inbound} configuration, one virtual host {@code *} with a
     * route for prefix {@code /}.
     */
    private static Permission served(HttpConnectionManager hcm, String path, String origin, Findings f) {
        if (hcm.getRouteSpecifierCase() != HttpConnectionManager.RouteSpecifierCase.ROUTE_CONFIG) {
            f.warn(path, origin + ": routes other than an inline route_config are not read; no call is served "
                    + "(fail closed)");
            return new Permission.Not(Permission.any());
        }
        var rc = hcm.getRouteConfig();
        String rp = path + ".route_config";
        List<Permission> vhosts = new ArrayList<>();
        boolean everything = false;
        for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
            VirtualHost vh = rc.getVirtualHosts(v);
            String vp = rp + ".virtual_hosts[" + v + "]";
            Permission domains = domains(vh);
            List<Permission> taken = new ArrayList<>();
            List<Permission> earlier = new ArrayList<>();
            for (int r = 0; r < vh.getRoutesCount(); r++) {
                Route route = vh.getRoutes(r);
                Permission m = match(route.getMatch(), vp + ".routes[" + r + "].match", origin, f);
                if (route.hasNonForwardingAction()) {
                    if (m instanceof Permission.Any && earlier.isEmpty() && domains instanceof Permission.Any) {
                        everything = true;
                    }
                    taken.add(earlier.isEmpty() ? m : new Permission.And(List.of(m,
                            new Permission.Not(new Permission.Or(earlier)))));
                }
                earlier.add(m);
            }
            vhosts.add(new Permission.And(List.of(domains, new Permission.Or(taken))));
        }
        return everything ? null : new Permission.Or(vhosts);
    }

    private static Permission domains(VirtualHost vh) {
        List<Permission> or = new ArrayList<>();
        for (String d : vh.getDomainsList()) {
            if (d.equals("*")) {
                return Permission.any();
            }
            ValueMatcher m = d.startsWith("*") ? ValueMatcher.suffix(d.substring(1), true)
                    : d.endsWith("*") ? ValueMatcher.prefix(d.substring(0, d.length() - 1), true)
                    : ValueMatcher.exact(d, true);
            or.add(new Permission.Header(":authority", m));
        }
        return new Permission.Or(or);
    }

    /** A route match as a permission; what can't be evaluated never matches (the route serves nothing). */
    private static Permission match(RouteMatch m, String path, String origin, Findings f) {
        boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        List<Permission> and = new ArrayList<>();
        switch (m.getPathSpecifierCase()) {
            case PREFIX -> {
                if (!m.getPrefix().isEmpty() && !(m.getPrefix().equals("/") && cs)) {
                    and.add(new Permission.UrlPath(ValueMatcher.prefix(m.getPrefix(), !cs)));
                }
            }
            case PATH -> and.add(new Permission.UrlPath(ValueMatcher.exact(m.getPath(), !cs)));
            case SAFE_REGEX -> and.add(new Permission.UrlPath(ValueMatcher.regex(m.getSafeRegex().getRegex())));
            default -> {
                f.warn(path, origin + ": path match " + m.getPathSpecifierCase() + " is not supported; the route "
                        + "never matches (fail closed)");
                return new Permission.Not(Permission.any());
            }
        }
        for (int i = 0; i < m.getHeadersCount(); i++) {
            var h = m.getHeaders(i);
            Permission p = XdsRbacFilter.headerPermission(h, path + ".headers[" + i + "]", origin, f);
            if (p == null) {
                f.warn(path + ".headers[" + i + "]", origin + ": this header match is not supported; the route never "
                        + "matches (fail closed)");
                return new Permission.Not(Permission.any());
            }
            and.add(p);
        }
        if (m.getQueryParametersCount() > 0 || m.hasRuntimeFraction() || m.hasGrpc() || m.hasTlsContext()
                || m.getDynamicMetadataCount() > 0) {
            f.warn(path, origin + ": only path and header matches are evaluated; the route never matches "
                    + "(fail closed)");
            return new Permission.Not(Permission.any());
        }
        return and.isEmpty() ? Permission.any() : and.size() == 1 ? and.get(0) : new Permission.And(and);
    }

    private static boolean never(Findings f, String path, String why) {
        f.warn(path, why + "; this filter chain never matches (fail closed)");
        return false;
    }

    /**
     * Binds the chains to the connections that select them and to the port: istiod's shape (one chain, or a TLS
     * and a plain-text chain) comes out as the port's policies guarded by the connection's kind only.
     */
    private static Update compile(String name, int port, List<Chain> chains, Chain fallback, Findings f) {
        Permission onPort = new Permission.DestinationPort(port);
        List<Selected> selected = new ArrayList<>();
        boolean servesTls = false;
        boolean servesPlain = false;
        for (boolean tls : new boolean[] {true, false}) {
            String wanted = tls ? "tls" : "raw_buffer";
            List<Chain> candidates = chains.stream().filter(c -> c.usable() && c.transportProtocol().equals(wanted))
                    .toList();
            if (candidates.isEmpty()) {
                candidates = chains.stream().filter(c -> c.usable() && c.transportProtocol().isEmpty()).toList();
            }
            Principal kind = tls ? authenticated() : new Principal.Not(authenticated());
            List<Principal> anyCandidate = new ArrayList<>();
            for (Chain c : candidates) {
                Principal sel = sourceSelects(c, candidates);
                anyCandidate.add(sel);
                // A chain whose socket does not speak the connection's protocol fails the handshake: it serves none.
                if (c.tls() == tls) {
                    selected.add(new Selected(c, and(kind, sel)));
                    if (tls) {
                        servesTls = true;
                    } else {
                        servesPlain = true;
                    }
                }
            }
            if (fallback != null && fallback.tls() == tls) {
                Principal none = anyCandidate.isEmpty() ? Principal.any()
                        : new Principal.Not(new Principal.Or(anyCandidate));
                selected.add(new Selected(fallback, and(kind, none)));
                servesTls |= tls;
                servesPlain |= !tls;
            }
        }
        MtlsMode mode = servesTls && servesPlain ? MtlsMode.PERMISSIVE : servesPlain ? MtlsMode.DISABLE
                : MtlsMode.STRICT;
        List<RbacPolicy> deny = new ArrayList<>();
        List<RbacPolicy> allow = new ArrayList<>();
        boolean hasAllow = false;
        List<Principal> servedConnections = new ArrayList<>();
        for (Selected s : selected) {
            Chain c = s.chain();
            servedConnections.add(s.connections());
            String chainLabel = name + " " + (c.index() < 0 ? "default_filter_chain" : c.name());
            if (c.served() != null) {
                deny.add(new RbacPolicy(chainLabel + " (no route serves the call)", 0,
                        List.of(new Permission.And(List.of(onPort, new Permission.Not(c.served())))),
                        List.of(s.connections())));
            }
            if (c.deny() != null) {
                c.deny().policies().forEach(p -> deny.add(bind(p, onPort, s.connections())));
            }
            if (c.allow() != null) {
                hasAllow = true;
                c.allow().policies().forEach(p -> allow.add(bind(p, onPort, s.connections())));
            } else {
                allow.add(new RbacPolicy(chainLabel + " (no ALLOW policy)", 0, List.of(onPort),
                        List.of(s.connections())));
            }
        }
        // What selects no chain is closed, as Envoy closes such a connection.
        deny.add(0, new RbacPolicy(name + " (no filter chain matches the connection)", 0, List.of(onPort),
                List.of(servedConnections.isEmpty() ? Principal.any()
                        : new Principal.Not(new Principal.Or(servedConnections)))));
        List<String> warnings = f.warnings().stream().map(w -> "LDS " + name + ": " + w).toList();
        return new Update(name, port, mode, deny, allow, hasAllow, warnings);
    }

    private record Selected(Chain chain, Principal connections) {
    }

    private static RbacPolicy bind(RbacPolicy p, Permission onPort, Principal connections) {
        return new RbacPolicy(p.policy(), p.rule(),
                List.of(new Permission.And(List.of(onPort, new Permission.Or(p.permissions())))),
                List.of(and(connections, new Principal.Or(p.principals()))));
    }

    private static Principal and(Principal a, Principal b) {
        if (a instanceof Principal.Any) {
            return b;
        }
        return b instanceof Principal.Any ? a : new Principal.And(List.of(a, b));
    }

    /** A connection is TLS when its peer presented a verified certificate (TLS chains require one). */
    private static Principal authenticated() {
        return new Principal.Authenticated(ValueMatcher.present());
    }

    /**
     * Whether {@code c} wins among {@code candidates} by the connection's source address: the longest matching
     * {@code source_prefix_ranges} entry; a chain without ranges takes the addresses no other candidate names.
     */
    private static Principal sourceSelects(Chain c, List<Chain> candidates) {
        List<CidrRange> others = new ArrayList<>();
        for (Chain o : candidates) {
            if (o != c) {
                others.addAll(o.sources());
            }
        }
        if (c.sources().isEmpty()) {
            return others.isEmpty() ? Principal.any() : new Principal.Not(ipIn(others));
        }
        List<Principal> or = new ArrayList<>();
        for (CidrRange r : c.sources()) {
            List<CidrRange> longer = others.stream().filter(o -> o.prefixLength() > r.prefixLength()).toList();
            Principal in = new Principal.DirectRemoteIp(r);
            or.add(longer.isEmpty() ? in : new Principal.And(List.of(in, new Principal.Not(ipIn(longer)))));
        }
        return or.size() == 1 ? or.get(0) : new Principal.Or(or);
    }

    private static Principal ipIn(List<CidrRange> ranges) {
        return new Principal.Or(ranges.stream().<Principal>map(Principal.DirectRemoteIp::new).toList());
    }
}
