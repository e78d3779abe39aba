package io.proxyless.mesh.examples;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HTTPFaultInjection;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPMirrorPolicy;
import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.Percent;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.WorkloadEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A small istiod for the demo's {@code --xds} mode: turns the Istio resources of a scenario into the Envoy
 * resources istiod sends a sidecar — clusters {@code outbound|PORT|SUBSET|HOST} with their endpoints and
 * DestinationRule policy (circuit breakers, outlier detection, ISTIO_MUTUAL over SDS, auto mTLS as
 * {@code transport_socket_matches}), and one route configuration per port whose virtual hosts carry the
 * VirtualService routes (matches, weighted clusters, timeouts, retries, faults, mirrors) or istiod's default route,
 * plus {@code allow_any} or {@code block_all}.
 *
 * <p>It covers what the example config uses, written after istiod's route, cluster and retry translation: a
 * feature outside that (a redirect, a rewrite, a port-level policy, SIMPLE TLS, ...) fails loudly rather than
 * being sent wrong. Ports other than HTTP ones (edition.cnn.com's TLS port 443) get no cluster: the mesh routes
 * HTTP and gRPC calls only.
 */
final class IstioToEnvoy {
    private static final String FAULT_FILTER = "envoy.filters.http.fault";
    private static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    private static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,"
            + "retriable-status-codes";
    private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    private static final String PREVIOUS_HOSTS_TYPE =
            "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate";
    private static final long UNLIMITED = 0xFFFF_FFFFL;
    private static final Set<String> HTTP_PROTOCOLS = Set.of("HTTP", "HTTP2", "GRPC", "GRPC-WEB");
    /** The workload label istiod copies into the endpoint metadata that {@code transport_socket_matches} match. */
    private static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    private static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";

    /** What a sidecar of the client's namespace gets. */
    record Resources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<RouteConfiguration> routes) {
    }

    /** One ServiceEntry host. */
    private record Service(String host, String namespace, ServiceEntry spec) {
        List<ServicePort> httpPorts() {
            return spec.ports().stream().filter(p -> p.protocol() == null
                    || HTTP_PROTOCOLS.contains(p.protocol().toUpperCase(Locale.ROOT))).toList();
        }
    }

    private final String namespace;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Resource<DestinationRule>> rules = new LinkedHashMap<>();
    private final List<Resource<VirtualService>> virtualServices = new ArrayList<>();
    private boolean registryOnly;

    private IstioToEnvoy(List<Resource<?>> resources, String namespace) {
        this.namespace = namespace;
        for (Resource<?> r : resources) {
            switch (r.kind()) {
                case SERVICE_ENTRY -> {
                    ServiceEntry se = (ServiceEntry) r.spec();
                    for (String h : se.hosts()) {
                        services.putIfAbsent(h, new Service(h, r.namespace(), se));
                    }
                }
                case DESTINATION_RULE -> {
                    DestinationRule dr = (DestinationRule) r.spec();
                    // Istio: the first DestinationRule for a host wins.
                    rules.putIfAbsent(qualified(dr.host(), r.namespace()), cast(r));
                }
                case VIRTUAL_SERVICE -> virtualServices.add(cast(r));
                case SIDECAR -> {
                    Sidecar s = (Sidecar) r.spec();
                    if (r.namespace().equals(namespace) && s.workloadSelector() == null
                            && s.outboundTrafficPolicy() != null
                            && s.outboundTrafficPolicy().mode() == OutboundTrafficPolicy.Mode.REGISTRY_ONLY) {
                        registryOnly = true;
                    }
                    if (!s.egress().isEmpty()) {
                        throw unsupported("Sidecar egress listeners");
                    }
                }
                case GATEWAY, WORKLOAD_ENTRY, REQUEST_AUTHENTICATION, PEER_AUTHENTICATION, AUTHORIZATION_POLICY -> {
                    // A Gateway configures the gateway's own proxy, not a sidecar; WorkloadEntries are not used;
                    // the security kinds act on inbound requests, and these listeners are outbound.
                }
                default -> throw unsupported(r.kind().kindName());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <S> Resource<S> cast(Resource<?> r) {
        return (Resource<S>) r;
    }

    /** The Envoy resources for the workloads of {@code namespace}. */
    static Resources translate(List<Resource<?>> resources, String namespace) {
        return new IstioToEnvoy(resources, namespace).build();
    }

    private Resources build() {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        Set<Integer> ports = new TreeSet<>();
        for (Service s : services.values()) {
            Resource<DestinationRule> dr = rules.get(s.host());
            for (ServicePort port : s.httpPorts()) {
                ports.add(port.number());
                addCluster(s, port, null, dr, clusters, endpoints);
                if (dr != null) {
                    for (Subset subset : dr.spec().subsets()) {
                        addCluster(s, port, subset, dr, clusters, endpoints);
                    }
                }
            }
        }
        List<RouteConfiguration> routes = new ArrayList<>();
        for (int port : ports) {
            RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(Integer.toString(port))
                    .setValidateClusters(BoolValue.of(false));
            for (Service s : services.values()) {
                if (s.httpPorts().stream().anyMatch(p -> p.number() == port)) {
                    rc.addVirtualHosts(virtualHost(s, port));
                }
            }
            rc.addVirtualHosts(registryOnly ? blockAll() : allowAny());
            routes.add(rc.build());
        }
        return new Resources(clusters, endpoints, routes);
    }

    // ---- clusters ----

    static String clusterName(int port, String subset, String host) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
    }

    private void addCluster(Service s, ServicePort port, Subset subset, Resource<DestinationRule> dr,
                            List<Cluster> clusters, List<ClusterLoadAssignment> endpoints) {
        String name = clusterName(port.number(), subset == null ? null : subset.name(), s.host());
        ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder();
        List<WorkloadEntry> members = s.spec().endpoints().stream()
                .filter(e -> subset == null || e.labels().entrySet().containsAll(subset.labels().entrySet()))
                .toList();
        ServiceEntry.Resolution resolution = s.spec().resolution() == null ? ServiceEntry.Resolution.NONE
                : s.spec().resolution();
        if (resolution == ServiceEntry.Resolution.DNS && s.spec().endpoints().isEmpty()) {
            group.addLbEndpoints(lbEndpoint(s.host(), port.number()));
        }
        for (WorkloadEntry e : members) {
            Integer own = port.name() == null ? null : e.ports().get(port.name());
            LbEndpoint endpoint = lbEndpoint(e.address(), own != null ? own : port.number());
            String tlsMode = e.labels().get(TLS_MODE_LABEL);
            if (tlsMode != null) {
                // As istiod: the workload's tlsMode label is the metadata transport_socket_matches look at.
                endpoint = endpoint.toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata(
                        TRANSPORT_SOCKET_MATCH, Struct.newBuilder().putFields("tlsMode",
                                Value.newBuilder().setStringValue(tlsMode).build()).build())).build();
            }
            group.addLbEndpoints(endpoint);
        }
        cla.addEndpoints(group);

        Cluster.Builder c = Cluster.newBuilder().setName(name).setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        switch (resolution) {
            case STATIC -> {
                c.setType(Cluster.DiscoveryType.EDS).setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setServiceName(name).setEdsConfig(ads()));
                endpoints.add(cla.build());
            }
            case DNS -> c.setType(Cluster.DiscoveryType.STRICT_DNS).setLoadAssignment(cla);
            default -> throw unsupported("ServiceEntry resolution " + resolution);
        }
        TrafficPolicy policy = merged(dr == null ? null : dr.spec().trafficPolicy(),
                subset == null ? null : subset.trafficPolicy());
        applyPolicy(c, policy, port.number(), subset == null ? null : subset.name(), s.host());
        if ((policy == null || policy.tls() == null) && s.spec().location() == ServiceEntry.Location.MESH_INTERNAL) {
            // istiod's auto mTLS (enableAutoMtls, on by default): without DestinationRule tls, ISTIO_MUTUAL for
            // the endpoints labelled tlsMode istio and plain text for the others.
            c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                            .setMatch(Struct.newBuilder().putFields("tlsMode",
                                    Value.newBuilder().setStringValue("istio").build()))
                            .setTransportSocket(istioMutual(List.of(), null, port.number(),
                                    subset == null ? null : subset.name(), s.host())))
                    .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                            .setTransportSocket(TransportSocket.newBuilder()
                                    .setName("envoy.transport_sockets.raw_buffer")
                                    .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))));
        }
        clusters.add(c.build());
    }

    private static LbEndpoint lbEndpoint(String address, int port) {
        return LbEndpoint.newBuilder().setLoadBalancingWeight(UInt32Value.of(1))
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress(address).setPortValue(port)))).build();
    }

    /** Istio's merge for a subset without port-level settings: each block the subset sets replaces the top one. */
    private static TrafficPolicy merged(TrafficPolicy top, TrafficPolicy subset) {
        for (TrafficPolicy p : new TrafficPolicy[] {top, subset}) {
            if (p != null && (!p.portLevelSettings().isEmpty() || p.loadBalancer() != null)) {
                throw unsupported("port-level or load-balancer DestinationRule settings");
            }
        }
        if (subset == null) {
            return top;
        }
        if (top == null) {
            return subset;
        }
        return TrafficPolicy.of(null,
                subset.connectionPool() != null ? subset.connectionPool() : top.connectionPool(),
                subset.outlierDetection() != null ? subset.outlierDetection() : top.outlierDetection(),
                subset.tls() != null ? subset.tls() : top.tls());
    }

    private static void applyPolicy(Cluster.Builder c, TrafficPolicy policy, int port, String subset, String host) {
        ConnectionPoolSettings pool = policy == null ? null : policy.connectionPool();
        var tcp = pool == null ? null : pool.tcp();
        var http = pool == null ? null : pool.http();
        c.setConnectTimeout(duration(tcp != null && tcp.connectTimeout() != null ? tcp.connectTimeout()
                : Duration.ofSeconds(10)));
        // istiod always sends thresholds; what the DestinationRule leaves unset is unlimited.
        c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                .setPriority(RoutingPriority.DEFAULT)
                .setMaxConnections(limit(tcp == null ? null : tcp.maxConnections()))
                .setMaxPendingRequests(limit(http == null ? null : http.http1MaxPendingRequests()))
                .setMaxRequests(limit(http == null ? null : http.http2MaxRequests()))
                .setMaxRetries(limit(http == null ? null : http.maxRetries()))
                .setTrackRemaining(true)));
        if (http != null && http.maxRequestsPerConnection() != null) {
            c.putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                            .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
                                    .setMaxRequestsPerConnection(UInt32Value.of(http.maxRequestsPerConnection())))
                            .setUseDownstreamProtocolConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3
                                    .HttpProtocolOptions.UseDownstreamHttpConfig.getDefaultInstance())
                            .build()));
        }
        var od = policy == null ? null : policy.outlierDetection();
        if (od != null) {
            var o = io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                    .setEnforcingSuccessRate(UInt32Value.of(0));
            if (od.consecutive5xxErrors() != null) {
                o.setConsecutive5Xx(UInt32Value.of(od.consecutive5xxErrors()))
                        .setEnforcingConsecutive5Xx(UInt32Value.of(od.consecutive5xxErrors() > 0 ? 100 : 0));
            }
            if (od.consecutiveGatewayErrors() != null) {
                o.setConsecutiveGatewayFailure(UInt32Value.of(od.consecutiveGatewayErrors()))
                        .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100));
            }
            if (od.interval() != null) {
                o.setInterval(duration(od.interval()));
            }
            if (od.baseEjectionTime() != null) {
                o.setBaseEjectionTime(duration(od.baseEjectionTime()));
            }
            if (od.maxEjectionPercent() != null) {
                o.setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent()));
            }
            c.setOutlierDetection(o);
            // Istio's minHealthPercent (default 0) is Envoy's panic threshold.
            c.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(
                    io.envoyproxy.envoy.type.v3.Percent.newBuilder()
                            .setValue(od.minHealthPercent() == null ? 0 : od.minHealthPercent())));
        }
        ClientTLSSettings tls = policy == null ? null : policy.tls();
        if (tls != null && tls.mode() != ClientTLSSettings.TLSmode.DISABLE) {
            if (tls.mode() != ClientTLSSettings.TLSmode.ISTIO_MUTUAL) {
                throw unsupported("tls mode " + tls.mode());
            }
            c.setTransportSocket(istioMutual(tls.subjectAltNames(), tls.sni(), port, subset, host));
        }
    }

    /**
     * ISTIO_MUTUAL as istiod sends it: the workload certificate and the mesh root over SDS, which the client's
     * bootstrap maps to its certificate files.
     */
    private static TransportSocket istioMutual(List<String> subjectAltNames, String sni, int port, String subset,
                                               String host) {
        CertificateValidationContext.Builder sans = CertificateValidationContext.newBuilder();
        for (String san : subjectAltNames) {
            sans.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                    .setSanType(san.startsWith("spiffe://") ? SubjectAltNameMatcher.SanType.URI
                            : SubjectAltNameMatcher.SanType.DNS)
                    .setMatcher(StringMatcher.newBuilder().setExact(san)));
        }
        UpstreamTlsContext context = UpstreamTlsContext.newBuilder()
                .setSni(sni != null ? sni : "outbound_." + port + "_." + (subset == null ? "" : subset) + "_." + host)
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default")
                                .setSdsConfig(ads()))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext
                                .newBuilder().setDefaultValidationContext(sans)
                                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder()
                                        .setName("ROOTCA").setSdsConfig(ads()))))
                .build();
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(context))
                .build();
    }

    private static UInt32Value limit(Integer value) {
        return UInt32Value.of(value == null ? (int) UNLIMITED : value);
    }

    private static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3).build();
    }

    // ---- routes ----

    private VirtualHost virtualHost(Service s, int port) {
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(s.host() + ":" + port)
                .setIncludeRequestAttemptCount(true);
        for (String name : names(s.host())) {
            vh.addDomains(name).addDomains(name + ":" + port);
        }
        Resource<VirtualService> vs = virtualServiceFor(s.host());
        if (vs == null) {
            return vh.addRoutes(defaultRoute(s.host(), port)).build();
        }
        List<HTTPRoute> http = vs.spec().http();
        for (HTTPRoute r : http) {
            List<HTTPMatchRequest> matches = r.match().isEmpty() ? java.util.Collections.singletonList(null)
                    : r.match().stream().filter(m -> appliesToSidecar(m, port)).toList();
            for (HTTPMatchRequest m : matches) {
                vh.addRoutes(route(vs, r, m, port));
            }
        }
        return vh.build();
    }

    /** The names a sidecar in the client's namespace knows a host by (Kubernetes short forms included). */
    private List<String> names(String host) {
        Set<String> out = new LinkedHashSet<>();
        out.add(host);
        String local = ".svc.cluster.local";
        if (host.endsWith("." + namespace + local)) {
            String shortName = host.substring(0, host.length() - local.length() - namespace.length() - 1);
            out.add(shortName);
            out.add(shortName + "." + namespace);
            out.add(shortName + "." + namespace + ".svc");
        }
        return List.copyOf(out);
    }

    /** The VirtualService routing {@code host} for sidecars (bound to {@code mesh}); the oldest wins. */
    private Resource<VirtualService> virtualServiceFor(String host) {
        for (Resource<VirtualService> vs : virtualServices) {
            VirtualService spec = vs.spec();
            if (!spec.gateways().isEmpty() && !spec.gateways().contains("mesh")) {
                continue;
            }
            for (String h : spec.hosts()) {
                if (h.contains("*")) {
                    throw unsupported("wildcard VirtualService hosts");
                }
                if (qualified(h, vs.namespace()).equals(host)) {
                    return vs;
                }
            }
        }
        return null;
    }

    /** istiod keeps a match block for a sidecar's route configuration of {@code port} only if it can apply. */
    private static boolean appliesToSidecar(HTTPMatchRequest m, int port) {
        return (m.gateways().isEmpty() || m.gateways().contains("mesh")) && (m.port() == null || m.port() == port);
    }

    private Route defaultRoute(String host, int port) {
        return Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(clusterName(port, null, host))
                        .setTimeout(duration(Duration.ZERO)).setRetryPolicy(defaultRetries()))
                .setDecorator(Decorator.newBuilder().setOperation(host + ":" + port + "/*")).build();
    }

    private Route route(Resource<VirtualService> vs, HTTPRoute r, HTTPMatchRequest m, int port) {
        if (r.redirect() != null || r.directResponse() != null || r.delegate() != null || r.rewrite() != null
                || r.headers() != null) {
            throw unsupported("redirects, direct responses, delegates, rewrites and header operations");
        }
        Route.Builder route = Route.newBuilder().setMatch(match(m))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("istio", Struct.newBuilder().putFields("config",
                        Value.newBuilder().setStringValue("/apis/networking.istio.io/v1/namespaces/" + vs.namespace()
                                + "/virtual-service/" + vs.name()).build()).build()))
                .setDecorator(Decorator.newBuilder().setOperation(vs.name() + ":" + port + "/*"));
        if (r.name() != null) {
            route.setName(r.name());
        }
        RouteAction.Builder action = RouteAction.newBuilder()
                .setTimeout(duration(r.timeout() == null ? Duration.ZERO : r.timeout()));
        List<HTTPRouteDestination> destinations = r.route();
        if (destinations.size() == 1) {
            action.setCluster(cluster(destinations.get(0).destination(), vs.namespace(), port));
        } else {
            WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
            for (HTTPRouteDestination d : destinations) {
                weighted.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                        .setName(cluster(d.destination(), vs.namespace(), port))
                        .setWeight(UInt32Value.of(d.weight() == null ? 0 : d.weight())));
            }
            action.setWeightedClusters(weighted);
        }
        RetryPolicy retries = retries(r.retries());
        if (retries != null) {
            action.setRetryPolicy(retries);
        }
        List<HTTPMirrorPolicy> mirrors = new ArrayList<>(r.mirrors());
        if (r.mirror() != null) {
            mirrors.add(new HTTPMirrorPolicy(r.mirror(), r.mirrorPercentage()));
        }
        for (HTTPMirrorPolicy mirror : mirrors) {
            double pct = mirror.percentage() == null || mirror.percentage().value() == null ? 100
                    : mirror.percentage().value();
            action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                    .setCluster(cluster(mirror.destination(), vs.namespace(), port))
                    .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(fraction(pct)))
                    // Istio 1.28 and later keep the primary's Host on the copy.
                    .setDisableShadowHostSuffixAppend(true));
        }
        route.setRoute(action);
        if (r.fault() != null) {
            route.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault(r.fault())));
        }
        return route.build();
    }

    private static String qualified(String host, String namespace) {
        return HostName.qualified(host, namespace, HostName.DEFAULT_DOMAIN_SUFFIX).toString();
    }

    private String cluster(io.proxyless.mesh.api.Destination d, String vsNamespace, int requestPort) {
        String host = qualified(d.host(), vsNamespace);
        Service s = services.get(host);
        int port;
        if (d.port() != null && d.port().number() != null) {
            port = d.port().number();
        } else if (s != null && s.httpPorts().size() == 1) {
            port = s.httpPorts().get(0).number(); // Istio: the service's only port
        } else {
            port = requestPort;
        }
        return clusterName(port, d.subset(), host);
    }

    private static RouteMatch match(HTTPMatchRequest m) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        StringMatch uri = m == null ? null : m.uri();
        if (uri == null) {
            b.setPrefix("/");
        } else if (uri.prefix() != null) {
            b.setPrefix(uri.prefix());
        } else if (uri.exact() != null) {
            b.setPath(uri.exact());
        } else {
            b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.regex()));
        }
        if (m == null) {
            return b.build();
        }
        if (m.scheme() != null || m.method() != null || m.authority() != null || !m.queryParams().isEmpty()
                || !m.withoutHeaders().isEmpty() || !m.sourceLabels().isEmpty() || m.sourceNamespace() != null
                || Boolean.TRUE.equals(m.ignoreUriCase())) {
            throw unsupported("match conditions other than uri, headers, port and gateways");
        }
        for (Map.Entry<String, StringMatch> h : new TreeMap<>(m.headers()).entrySet()) {
            StringMatch v = h.getValue();
            HeaderMatcher.Builder hm = HeaderMatcher.newBuilder().setName(h.getKey());
            if (v.exact() != null) {
                hm.setStringMatch(StringMatcher.newBuilder().setExact(v.exact()));
            } else if (v.prefix() != null) {
                hm.setStringMatch(StringMatcher.newBuilder().setPrefix(v.prefix()));
            } else if (v.regex() != null) {
                hm.setStringMatch(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                        .setRegex(v.regex())));
            } else {
                hm.setPresentMatch(true);
            }
            b.addHeaders(hm);
        }
        return b.build();
    }

    /** istiod's retry policy: its default when {@code retries} is unset, none for {@code attempts: 0}. */
    private static RetryPolicy retries(HTTPRetry r) {
        if (r == null) {
            return defaultRetries();
        }
        if (r.attempts() == null || r.attempts() == 0) {
            return null;
        }
        if (r.backoff() != null || Boolean.TRUE.equals(r.retryRemoteLocalities())) {
            throw unsupported("retry backoff and retryRemoteLocalities");
        }
        RetryPolicy.Builder p = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(r.attempts()))
                .setHostSelectionRetryMaxAttempts(5);
        if (!Boolean.FALSE.equals(r.retryIgnorePreviousHosts())) {
            p.addRetryHostPredicate(previousHosts());
        }
        if (r.perTryTimeout() != null) {
            p.setPerTryTimeout(duration(r.perTryTimeout()));
        }
        if (r.retryOn() == null) {
            return p.setRetryOn(DEFAULT_RETRY_ON).build();
        }
        List<String> on = new ArrayList<>();
        boolean codes = false;
        for (String token : r.retryOn().split(",")) {
            String t = token.trim();
            if (t.matches("\\d+")) {
                p.addRetriableStatusCodes(Integer.parseInt(t));
                codes = true;
            } else if (!t.isEmpty()) {
                on.add(t);
            }
        }
        if (codes && !on.contains("retriable-status-codes")) {
            on.add("retriable-status-codes");
        }
        return p.setRetryOn(String.join(",", on)).build();
    }

    private static RetryPolicy defaultRetries() {
        return RetryPolicy.newBuilder().setRetryOn(DEFAULT_RETRY_ON).setNumRetries(UInt32Value.of(2))
                .setHostSelectionRetryMaxAttempts(5).addRetryHostPredicate(previousHosts()).build();
    }

    private static RetryPolicy.RetryHostPredicate previousHosts() {
        return RetryPolicy.RetryHostPredicate.newBuilder().setName(PREVIOUS_HOSTS)
                .setTypedConfig(Any.newBuilder().setTypeUrl(PREVIOUS_HOSTS_TYPE)).build();
    }

    private static HTTPFault fault(HTTPFaultInjection f) {
        HTTPFault.Builder out = HTTPFault.newBuilder();
        if (f.delay() != null) {
            if (f.delay().fixedDelay() == null) {
                throw unsupported("fault delays other than fixedDelay");
            }
            out.setDelay(FaultDelay.newBuilder().setFixedDelay(duration(f.delay().fixedDelay()))
                    .setPercentage(fraction(percent(f.delay().percentage()))));
        }
        if (f.abort() != null) {
            FaultAbort.Builder a = FaultAbort.newBuilder().setPercentage(fraction(percent(f.abort().percentage())));
            if (f.abort().httpStatus() != null) {
                a.setHttpStatus(f.abort().httpStatus());
            } else {
                throw unsupported("fault aborts other than httpStatus");
            }
            out.setAbort(a);
        }
        return out.build();
    }

    /** Istio: an unset fault percentage faults nothing. */
    private static double percent(Percent p) {
        return p == null || p.value() == null ? 0 : p.value();
    }

    private static VirtualHost allowAny() {
        return VirtualHost.newBuilder().setName("allow_any").addDomains("*").addRoutes(Route.newBuilder()
                .setName("allow_any").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("PassthroughCluster")
                        .setTimeout(duration(Duration.ZERO)))).build();
    }

    private static VirtualHost blockAll() {
        return VirtualHost.newBuilder().setName("block_all").addDomains("*").addRoutes(Route.newBuilder()
                .setName("block_all").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(502))).build();
    }

    // ---- values ----

    /** Istio's percentage as Envoy's: value × 10 000 per million. */
    private static FractionalPercent fraction(double percent) {
        return FractionalPercent.newBuilder().setNumerator((int) Math.round(percent * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
    }

    private static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("the demo's xDS translation does not cover " + what);
    }
}
